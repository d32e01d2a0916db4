// Integration: the real VrrNode in the simulator. Rings form, every pair is reachable, failures are
// repaired, and a seed replays byte for byte. Needs the protocol core (src/vrr/node.ts); it is imported
// dynamically so that, while the core is broken, these tests fail and the rest of the suite still runs.

import assert from 'node:assert/strict';
import type { Topology } from '../../src/topology/types.ts';
import { isConnected } from '../../src/topology/graph.ts';
import type { SimNetwork } from '../../src/sim/network.ts';
import type { runSimulation as RunSimulation, SimReport } from '../../src/sim/run-sim.ts';
import { pingAll } from '../../src/checks/ping-all/sim.ts';
import { checkNetworkRing, isRingConsistent } from '../../src/checks/ring-consistent/sim.ts';
import { gridTopology, lineTopology, randomGeometricTopology, ringTopology } from './helpers/topologies.ts';

let runSimulation: typeof RunSimulation;
let buildNetwork: (topology: Topology, seed: number) => SimNetwork;

before(async () => {
  const [run, network, factory, topology] = await Promise.all([
    import('../../src/sim/run-sim.ts'),
    import('../../src/sim/network.ts'),
    import('../../src/sim/node-factory.ts'),
    import('../../src/topology/index.ts'),
  ]);
  runSimulation = run.runSimulation;
  buildNetwork = (t, seed) =>
    new network.SimNetwork(t, {
      seed,
      addresses: topology.assignAddresses(t, seed),
      createNode: factory.vrrNodeFactory,
    });
});

function assertHealthy(report: SimReport): void {
  const problems = report.checks.flatMap((c) => (c.problems ?? []).map((p) => `${c.name}: ${p}`));
  assert.notEqual(report.convergenceMs, null, `the ring never converged:\n${problems.join('\n')}`);
  assert.deepEqual(problems, []);
  const ping = report.checks.find((c) => c.name === 'ping-all')!;
  assert.equal(ping.figures.delivered, ping.figures.pairs);
  assert.equal(report.passed, true);
}

describe('simulated VRR converges', function () {
  it('on a 3-node line', () => {
    const report = runSimulation(lineTopology(3), { seed: 1 });
    assertHealthy(report);
    assert.equal(report.checks[1].figures.pairs, 6);
  });

  it('on a 10-node ring', () => {
    assertHealthy(runSimulation(ringTopology(10), { seed: 2 }));
  });

  it('on a 5x5 grid', () => {
    assertHealthy(runSimulation(gridTopology(5, 5), { seed: 3 }));
  });

  it('on a 100-node random geometric graph', () => {
    const report = runSimulation(randomGeometricTopology(100, 4), { seed: 4 });
    assertHealthy(report);
    assert.equal(report.checks[1].figures.pairs, 9900);
  });
});

// Paths (ea, eb) with an entry whose hop uses the link between x and y (either direction).
function pathsAcross(network: SimNetwork, x: string, y: string): { ea: number; eb: number }[] {
  const ax = network.addressOf(x);
  const ay = network.addressOf(y);
  const found = new Map<string, { ea: number; eb: number }>();
  for (const [at, other] of [
    [x, ay],
    [y, ax],
  ] as const) {
    for (const r of network.node(at)!.routes()) {
      if (r.na === other || r.nb === other) found.set(`${r.ea}/${r.pathId}`, { ea: r.ea, eb: r.eb });
    }
  }
  return [...found.values()];
}

// Paths (ea, eb) with an entry at `relay` where it is neither endpoint.
function pathsThrough(network: SimNetwork, relay: string): { ea: number; eb: number }[] {
  const me = network.addressOf(relay);
  return network
    .node(relay)!
    .routes()
    .filter((r) => r.ea !== me && r.eb !== me)
    .map((r) => ({ ea: r.ea, eb: r.eb }));
}

function connectedWithout(
  network: SimNetwork,
  cut: (a: string, b: string) => boolean,
  skip?: string,
): boolean {
  const names = network.nodeNames().filter((n) => n !== skip && network.isAlive(n));
  const links = network.upLinks().filter(([a, b]) => !cut(a, b));
  return isConnected(names, links);
}

function assertEndpointsReconnected(network: SimNetwork, paths: { ea: number; eb: number }[]): void {
  for (const { ea, eb } of paths) {
    const a = network.nameOf(ea)!;
    const b = network.nameOf(eb)!;
    if (!network.isAlive(a) || !network.isAlive(b)) continue;
    // Only pairs that are still virtual neighbours need a path; the ring check says who should be.
    if (!network.node(a)!.vsetMembers().includes(eb)) continue;
    for (const [end, other] of [
      [a, eb],
      [b, ea],
    ] as const) {
      const me = network.addressOf(end);
      const has = network
        .node(end)!
        .routes()
        .some((r) => (r.ea === me && r.eb === other) || (r.eb === me && r.ea === other));
      assert.ok(has, `${end} has no path to ${network.nameOf(other)} after the repair`);
    }
  }
}

function converge(network: SimNetwork, deadlineMs: number): number {
  const at = network.runUntilTrue(() => isRingConsistent(network), { everyMs: 1000, deadlineMs });
  assert.notEqual(
    at,
    null,
    `not consistent by ${deadlineMs} ms:\n${checkNetworkRing(network).problems.join('\n')}`,
  );
  return at!;
}

describe('simulated VRR repairs failures in a 100-node graph', function () {
  const topology = randomGeometricTopology(100, 4);

  it('repairs a link failure', () => {
    const network = buildNetwork(topology, 4);
    network.start();
    converge(network, 300_000);
    // The link most paths cross, among those whose loss keeps the graph connected.
    const candidates = network
      .upLinks()
      .filter(([a, b]) => connectedWithout(network, (x, y) => (x === a && y === b) || (x === b && y === a)))
      .map(([a, b]) => ({ a, b, paths: pathsAcross(network, a, b) }))
      .sort((p, q) => q.paths.length - p.paths.length);
    const victim = candidates[0];
    assert.ok(victim.paths.length > 0, 'some path crosses the chosen link');
    network.linkDown(victim.a, victim.b);
    converge(network, network.now() + 180_000);
    assert.equal(checkNetworkRing(network).passed, true);
    assertEndpointsReconnected(network, victim.paths);
    const ping = pingAll(network);
    assert.deepEqual(ping.problems, []);
    assert.equal(ping.figures.delivered, 9900);
  });

  it('repairs a node failure', () => {
    const network = buildNetwork(topology, 4);
    network.start();
    converge(network, 300_000);
    // The relay most paths pass through, among nodes whose loss keeps the graph connected.
    const candidates = network
      .nodeNames()
      .filter((n) => connectedWithout(network, () => false, n))
      .map((n) => ({ n, paths: pathsThrough(network, n) }))
      .sort((p, q) => q.paths.length - p.paths.length);
    const victim = candidates[0];
    assert.ok(victim.paths.length > 0, 'some path passes through the chosen node');
    network.crash(victim.n);
    converge(network, network.now() + 180_000);
    assertEndpointsReconnected(network, victim.paths);
    const ping = pingAll(network);
    assert.deepEqual(ping.problems, []);
    assert.equal(ping.figures.delivered, 99 * 98);
  });
});

describe('simulated VRR is deterministic', function () {
  it('gives the same JSON report for the same seed, and another for another seed', () => {
    const topology = ringTopology(10, { link: { delayMs: 2, jitterMs: 1, lossPct: 1 } });
    const first = JSON.stringify(runSimulation(topology, { seed: 77 }));
    const second = JSON.stringify(runSimulation(topology, { seed: 77 }));
    const other = JSON.stringify(runSimulation(topology, { seed: 78 }));
    assert.equal(first, second);
    assert.notEqual(first, other);
  });
});
