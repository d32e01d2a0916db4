// Every ready-made lab in topologies/ is exercised: the small ones here in the simulator (converge, run their
// scenario, pass), the ones too large for a test's time budget are loaded and planned (bench/sim-scale.ts runs
// them); grid-3x3 and partition-heal-12 also run for real in test/integration (namespaces and containers), whose
// figures partition-heal-12's simulator twin must show too.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { planLab } from '../../src/testbed/lab/plan.ts';
import { runSimulation } from '../../src/sim/run-sim.ts';
import { loadTopology } from '../../src/checks/topology.ts';

const dir = join(REPO_ROOT, 'topologies');
const SIMULATED = [
  'line-3.yaml',
  'ring-10.yaml',
  'grid-3x3.yaml',
  'grid-5x5.yaml',
  'partition-heal-12.yaml',
  'rgg-100.yaml',
  'keyed-3x3.yaml',
];
// The simulator runs VRR only: a lab of babeld nodes is loaded and planned here, run in test/integration.
const LOADED_ONLY = [
  'grid-32x32.yaml',
  'rgg-1000.yaml',
  'freifunk-ulm.yaml',
  'freifunk-bielefeld.yaml',
  'grid-3x3-babeld.yaml',
];

describe('ready-made labs', function () {
  this.timeout(60_000); // slowest measured 3.8 s (rgg-100)

  it('are all listed here, simulated or loaded', () => {
    assert.deepEqual(readdirSync(dir).sort(), [...SIMULATED, ...LOADED_ONLY].sort());
  });

  for (const file of SIMULATED) {
    it(`${file} passes in the simulator with its own seed`, () => {
      const topology = loadTopology(join(dir, file));
      const report = runSimulation(topology, { seed: topology.seed ?? 1 });
      const failed = [...report.checks, ...(report.steps ?? [])].filter((c) => !c.passed);
      assert.equal(report.passed, true, JSON.stringify(failed).slice(0, 2000));
    });
  }

  it('partition-heal-12 gives real dht and multicast figures in the simulator, as a real lab does', () => {
    const topology = loadTopology(join(dir, 'partition-heal-12.yaml'));
    const report = runSimulation(topology, { seed: 12 });
    const steps = report.steps!;
    assert.deepEqual(
      steps.flatMap((s) => s.notRun ?? []),
      [],
    );
    const dht = steps.filter((s) => 'dht.foundPct' in s.figures);
    assert.equal(dht.length, 2);
    for (const s of dht) {
      assert.equal(s.figures['dht.keys'], 100);
      assert.equal(s.figures['dht.foundPct'], 100);
      assert.ok(s.figures['dht.meanHops']! > 0 && s.figures['dht.meanLatencyMs']! > 0);
    }
    const mcast = steps.filter((s) => 'multicast.deliveryPct' in s.figures);
    assert.equal(mcast.length, 2);
    for (const s of mcast) {
      assert.equal(s.figures['multicast.members'], 4);
      assert.equal(s.figures['multicast.sent'], 1600); // 160 kbit/s of 1000-byte datagrams for 80 s
      assert.equal(s.figures['multicast.duplicates'], 0);
    }
    // The same expectations test/integration/lab-docker.test.ts has of the real lab.
    assert.ok(
      mcast[0].figures['multicast.longestOutageMs']! > 10_000,
      'the first stream crosses the partition',
    );
    assert.ok(mcast[1].figures['multicast.deliveryPct']! >= 99, 'the healed mesh delivers the second stream');
  });

  // Seeds where, before branches were confirmed (ATTACHED), transient routes during the partition closed a cycle of
  // pending branches that nobody left: three members missed the rest of the first stream and all of the second.
  for (const seed of [16, 23]) {
    it(`partition-heal-12 with seed ${seed}: every member is back on the tree right after the heal`, () => {
      const report = runSimulation(loadTopology(join(dir, 'partition-heal-12.yaml')), { seed });
      const mcast = report.steps!.filter((s) => 'multicast.deliveryPct' in s.figures);
      // The first stream's outage is the partition's 25 s, plus at most a few seconds to get back on.
      assert.ok(mcast[0].figures['multicast.longestOutageMs']! < 30_000, JSON.stringify(mcast[0].figures));
      assert.ok(mcast[1].figures['multicast.deliveryPct']! >= 99, JSON.stringify(mcast[1].figures));
    });
  }

  for (const file of LOADED_ONLY) {
    it(`${file} loads and plans as a lab (too large to simulate in a test)`, () => {
      const topology = loadTopology(join(dir, file));
      const plan = planLab(topology, { seed: 1, runtime: 'netns', runId: 't' });
      assert.equal(plan.nodes.length, topology.nodes.length);
      assert.ok(plan.links.length > 0);
    });
  }
});
