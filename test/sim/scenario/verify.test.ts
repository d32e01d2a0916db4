// Verify steps with the dht check in a simulated timeline: it runs on the nodes' DHTs, a failure names the
// step, the key and the nodes, and `within` retries it until it holds.

import assert from 'node:assert/strict';
import type { Topology } from '../../../src/topology/types.ts';
import { gridTopology } from '../helpers/topologies.ts';
import { allProblems, at, play, withScenario } from './helpers.ts';

function withDht(topology: Topology, keys = 20): Topology {
  return { ...topology, checks: { ...topology.checks, dht: { keys, expect: { foundPct: 100 } } } };
}

const WEST = ['r0c0', 'r0c1', 'r1c0', 'r1c1'];

describe('scenario timeline: the dht check', function () {
  it('holds on a converged lab, with its figures on the step', () => {
    const topo = withDht(
      withScenario(gridTopology(3, 3), [
        at(0, { kind: 'verify', checks: [{ check: 'dht', withinMs: null }] }, 1),
      ]),
    );
    const report = play(topo, 2);
    assert.equal(report.passed, true, allProblems(report));
    const f = report.steps![0].figures;
    assert.equal(f['dht.heldAfterMs'], 0);
    assert.equal(f['dht.found'], 20);
    assert.equal(f['dht.foundPct'], 100);
    assert.ok(f['dht.meanHops']! > 0 && f['dht.meanLatencyMs']! > 0, JSON.stringify(f));
  });

  it('fails across a partition, naming the step, the keys and the nodes', () => {
    const topo = withDht(
      withScenario(gridTopology(2, 4), [
        at(0, { kind: 'partition', groups: [WEST] }, 1),
        at(0, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: 30_000 }] }, 2),
        at(0, { kind: 'verify', checks: [{ check: 'dht', withinMs: null }] }, 3),
        at(40, { kind: 'heal' }, 4),
      ]),
    );
    const report = play(topo, 4);
    assert.equal(report.passed, false);
    const step = report.steps![2];
    assert.equal(step.passed, false);
    assert.equal(step.figures['dht.heldAfterMs'], null);
    assert.ok(step.figures['dht.missing']! > 0);
    const [first, summary, ...keys] = step.problems!;
    assert.equal(first, 'step at test.yaml:3: dht did not hold at once');
    assert.match(summary, /^dht: found [\d.]+% of 20 keys, expected at least 100%$/);
    assert.ok(keys.length > 0);
    for (const line of keys)
      assert.match(
        line,
        /^dht: key check-4-\d+ \(put from \w+\): get from \w+ (found nothing|failed: .*), expected ".*"$/,
      );
  });

  it('with within, is retried until the healed ring holds the keys', () => {
    const topo = withDht(
      withScenario(gridTopology(2, 4), [
        at(0, { kind: 'partition', groups: [WEST] }, 1),
        at(20, { kind: 'heal' }, 2),
        at(20, { kind: 'verify', checks: [{ check: 'dht', withinMs: 60_000 }] }, 3),
      ]),
    );
    const report = play(topo, 4);
    assert.equal(report.passed, true, allProblems(report));
    const step = report.steps![2];
    // Right after the heal the halves' rings have not merged yet: the first attempts fail.
    assert.ok(step.figures['dht.heldAfterMs']! > 0, JSON.stringify(step.figures));
    assert.equal(step.figures['dht.foundPct'], 100);
  });
});
