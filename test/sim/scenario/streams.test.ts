// Multicast verify steps in a simulated timeline: the stream runs on while later steps happen, its figures land
// on its own step when it ends, and the run waits for it before the closing checks.

import assert from 'node:assert/strict';
import type { Topology } from '../../../src/topology/types.ts';
import type { MulticastCheckSpec } from '../../../src/checks/multicast/spec.ts';
import { gridTopology } from '../helpers/topologies.ts';
import { allProblems, at, play, withScenario } from './helpers.ts';

const MCAST: MulticastCheckSpec = {
  group: '239.1.1.1',
  source: 'r0c0',
  members: ['r0c2', 'r2c2'],
  rateBps: 160_000,
  durationMs: 40_000,
  expect: { deliveryPct: 50, duplicates: 0 },
};

function withMulticast(topology: Topology, spec: MulticastCheckSpec | null = MCAST): Topology {
  return { ...topology, checks: { ...topology.checks, multicast: spec } };
}

describe('scenario timeline: multicast streams', function () {
  it('a stream runs across a partition and its heal; its figures land on its own step', () => {
    const topo = withMulticast(
      withScenario(gridTopology(3, 3), [
        at(0, { kind: 'verify', checks: [{ check: 'multicast', withinMs: null }] }, 1),
        at(10, { kind: 'partition', groups: [['r2c2', 'r2c1', 'r1c2']] }, 2),
        at(25, { kind: 'heal' }, 3),
      ]),
    );
    const report = play(topo, 3);
    assert.equal(report.passed, true, allProblems(report));
    const [streamStep, partition, heal] = report.steps!;
    assert.equal(typeof partition.figures.ringConsistentAfterMs, 'number');
    assert.equal(typeof heal.figures.ringConsistentAfterMs, 'number');
    const f = streamStep.figures;
    assert.equal(f['multicast.members'], 2);
    assert.equal(f['multicast.sent'], 800);
    // r2c2 was cut off for the partition's 15 s.
    assert.ok(f['multicast.longestOutageMs']! >= 10_000, JSON.stringify(f));
    assert.ok(f['multicast.deliveryPct']! < 100 && f['multicast.deliveryPct']! >= 50, JSON.stringify(f));
    // Given when the stream ended (its 40 s and the receivers' second), after the later steps.
    assert.equal(f['multicast.heldAfterMs'], 41_000);
    assert.equal(streamStep.notRun, undefined);
    // The run waited for the stream before its closing checks.
    assert.ok(report.figures.simulatedMs >= 41_000);
  });

  it('a stream that falls short fails its step, naming the step, the stream and the member', () => {
    const topo = withMulticast(
      withScenario(gridTopology(3, 3), [
        at(0, { kind: 'partition', groups: [['r2c2']] }, 1),
        at(0, { kind: 'verify', checks: [{ check: 'multicast', withinMs: null }] }, 2),
        at(50, { kind: 'heal' }, 3),
      ]),
      { ...MCAST, durationMs: 5000, expect: { deliveryPct: 99, duplicates: 0 } },
    );
    const report = play(topo, 3);
    assert.equal(report.passed, false);
    const step = report.steps![1];
    assert.equal(step.passed, false);
    assert.equal(step.figures['multicast.heldAfterMs'], null);
    assert.deepEqual(step.problems, [
      'step at test.yaml:2: multicast to 239.1.1.1 from r0c0 did not meet its expectations',
      'multicast: r2c2: received 0/100 datagrams (0%), expected at least 99% (longest outage 5000 ms)',
    ]);
  });

  it('without checks.multicast, the step fails saying so', () => {
    const topo = withMulticast(
      withScenario(gridTopology(2, 2), [
        at(0, { kind: 'verify', checks: [{ check: 'multicast', withinMs: null }] }, 4),
      ]),
      null,
    );
    const report = play(topo, 1);
    assert.equal(report.passed, false);
    assert.deepEqual(report.steps![0].problems, [
      'step at test.yaml:4: multicast: the topology has no checks.multicast section',
    ]);
  });

  it('the same seed gives the same report, byte for byte', () => {
    const topo = withMulticast(
      withScenario(gridTopology(2, 3), [
        at(0, { kind: 'verify', checks: [{ check: 'multicast', withinMs: null }] }, 1),
        at(5, { kind: 'link-down', a: 'r0c0', b: 'r0c1' }, 2),
      ]),
      { ...MCAST, members: ['r0c2', 'r1c2'], durationMs: 10_000 },
    );
    assert.equal(JSON.stringify(play(topo, 6)), JSON.stringify(play(topo, 6)));
  });
});
