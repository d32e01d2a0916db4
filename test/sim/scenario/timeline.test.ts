// The scenario timeline on small graphs: faults map to network calls at their virtual times, verify
// retries until `within`, every step is reported, and a failing check names its step and fails the run.

import assert from 'node:assert/strict';
import { gridTopology, lineTopology, ringTopology } from '../helpers/topologies.ts';
import { at, allProblems, play, probe, withScenario } from './helpers.ts';
import { runSimulation, stepsFor } from '../../../src/sim/run-sim.ts';
import type { NodeFactory } from '../../../src/sim/sim-node.ts';
import { VrrNode } from '../../../src/vrr/node.ts';

describe('scenario timeline (small graphs)', function () {
  it('link-down, verify within, heal: every step reported with its figures', () => {
    const topo = withScenario(ringTopology(6), [
      at(0, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: null }] }, 1),
      at(5, { kind: 'link-down', a: 'n1', b: 'n2' }, 2),
      at(5, { kind: 'verify', checks: [{ check: 'ping-all', withinMs: 20_000 }] }, 3),
      at(40, { kind: 'heal' }, 4),
      at(40, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: 30_000 }] }, 5),
    ]);
    const report = play(topo);
    assert.equal(report.passed, true, allProblems(report));
    const steps = report.steps!;
    assert.deepEqual(
      steps.map((s) => [s.at, s.action, s.where, s.passed]),
      [
        [0, 'verify', 'test.yaml:1', true],
        [5000, 'link-down', 'test.yaml:2', true],
        [5000, 'verify', 'test.yaml:3', true],
        [40000, 'heal', 'test.yaml:4', true],
        [40000, 'verify', 'test.yaml:5', true],
      ],
    );
    assert.equal(steps[0].figures['ring-consistent.heldAfterMs'], 0);
    assert.equal(typeof steps[1].figures.ringConsistentAfterMs, 'number');
    assert.equal(steps[2].figures['ping-all.deliveryPct'], 100);
    assert.equal(typeof steps[3].figures.ringConsistentAfterMs, 'number');
  });

  it('runs steps at their virtual times, in at order (file order for equal times)', () => {
    const topo = withScenario(lineTopology(4), [
      at(30, { kind: 'wait', ms: 1000 }, 3),
      at(10, { kind: 'link-down', a: 'n2', b: 'n3' }, 1),
      at(10, { kind: 'link-up', a: 'n2', b: 'n3' }, 2),
    ]);
    const report = play(topo);
    assert.deepEqual(
      report.steps!.map((s) => s.where),
      ['test.yaml:1', 'test.yaml:2', 'test.yaml:3'],
    );
    // The wait ends 31 s after convergence; the closing checks come after it.
    assert.ok(report.figures.simulatedMs >= report.convergenceMs! + 31_000);
    assert.equal(report.passed, true, allProblems(report));
  });

  it('heal undoes link-downs as well as partitions', () => {
    const topo = withScenario(lineTopology(4), [
      at(1, { kind: 'link-down', a: 'n1', b: 'n2' }, 1),
      at(
        2,
        {
          kind: 'partition',
          groups: [
            ['n1', 'n2'],
            ['n3', 'n4'],
          ],
        },
        2,
      ),
      at(20, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: 30_000 }] }, 3),
      at(60, { kind: 'heal' }, 4),
      at(60, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: 60_000 }] }, 5),
    ]);
    const report = play(topo);
    assert.equal(report.passed, true, allProblems(report));
    assert.equal(report.steps![2].figures['ring-consistent.partitions'], 3);
    assert.equal(report.steps![4].figures['ring-consistent.partitions'], 1);
  });

  it('crash and restart: the ring repairs around the crash and takes the node back', () => {
    const topo = withScenario(gridTopology(3, 3), [
      at(5, { kind: 'crash', node: 'r1c1' }, 1),
      at(5, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: 60_000 }] }, 2),
      at(70, { kind: 'restart', node: 'r1c1' }, 3),
      at(
        70,
        {
          kind: 'verify',
          checks: [
            { check: 'ring-consistent', withinMs: 60_000 },
            { check: 'ping-all', withinMs: 60_000 },
          ],
        },
        4,
      ),
    ]);
    const report = play(topo);
    assert.equal(report.passed, true, allProblems(report));
    assert.equal(report.steps![1].figures['ring-consistent.nodes'], 8);
    assert.equal(report.steps![3].figures['ring-consistent.nodes'], 9);
  });

  it('stall: a node not scheduled for 3 hello periods keeps its links, and the ring holds throughout', () => {
    const topo = withScenario(gridTopology(3, 3), [
      at(5, { kind: 'stall', node: 'r1c1', ms: 3000 }, 1),
      at(5, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: null }] }, 2),
      at(9, { kind: 'stall', node: 'r0c0', ms: 2500 }, 3),
      at(9, { kind: 'stall', node: 'r0c1', ms: 3000 }, 4),
      at(20, { kind: 'verify', checks: [{ check: 'ping-all', withinMs: null }] }, 5),
    ]);
    let failed = 0;
    const watch = probe('watch links', (network) =>
      network.onEvent(({ event }) => {
        if (event.type === 'link' && event.to === 'failed') failed++;
      }),
    );
    const report = play(topo, 1, [watch, ...stepsFor(topo)]);
    assert.equal(report.passed, true, allProblems(report));
    assert.equal(failed, 0, 'no link failed');
    assert.deepEqual(
      report.steps!.map((s) => s.action),
      ['stall', 'verify', 'stall', 'stall', 'verify'],
    );
  });

  it('a check that does not hold fails the run and names the step and the check', () => {
    // Right after a crash the dead node's neighbours still list it: ring-consistent cannot hold at once.
    const topo = withScenario(ringTopology(6), [
      at(5, { kind: 'crash', node: 'n3' }, 7),
      at(5, { kind: 'verify', checks: [{ check: 'ring-consistent', withinMs: null }] }, 8),
    ]);
    const report = play(topo);
    assert.equal(report.passed, false);
    const failed = report.steps!.find((s) => !s.passed)!;
    assert.equal(failed.where, 'test.yaml:8');
    assert.equal(failed.figures['ring-consistent.heldAfterMs'], null);
    assert.match(failed.problems![0], /step at test\.yaml:8: ring-consistent did not hold at once/);
  });

  it('a fault the network refuses fails its step, naming it', () => {
    const topo = withScenario(ringTopology(4), [at(1, { kind: 'restart', node: 'n2' }, 4)]);
    const report = play(topo);
    assert.equal(report.passed, false);
    assert.match(
      report.steps![0].problems![0],
      /step at test\.yaml:4 \(restart n2\) failed: restart: node n2 is running/,
    );
  });

  it('dht and multicast are reported as not run, with the reason, when the nodes carry no extensions', () => {
    const topo = withScenario(ringTopology(4), [
      at(
        0,
        {
          kind: 'verify',
          checks: [
            { check: 'dht', withinMs: null },
            { check: 'multicast', withinMs: null },
          ],
        },
        2,
      ),
    ]);
    const bare: NodeFactory = (c, env) =>
      new VrrNode({ address: c.address, vsetSize: c.vsetSize, helloMs: c.helloMs }, env);
    const report = runSimulation(topo, { seed: 1, createNode: bare });
    assert.equal(report.steps![0].notRun!.length, 2);
    assert.match(report.steps![0].notRun![0], /^dht: not run: the nodes of this simulation carry no DHT/);
    assert.match(report.steps![0].notRun![1], /^multicast: not run/);
  });

  it('the same seed gives the same report', () => {
    const topo = withScenario(gridTopology(3, 3), [
      at(3, { kind: 'partition', groups: [['r1c1', 'r1c2', 'r1c3']] }, 1),
      at(30, { kind: 'heal' }, 2),
      at(30, { kind: 'verify', checks: [{ check: 'ping-all', withinMs: 60_000 }] }, 3),
    ]);
    assert.equal(JSON.stringify(play(topo, 9)), JSON.stringify(play(topo, 9)));
  });
});
