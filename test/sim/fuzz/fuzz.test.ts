// The fuzzer: 200 seeded fault schedules on 10-30 node graphs end in a consistent ring with every pair
// reachable; a deliberately broken invariant is reported with a seed that replays it exactly.

import assert from 'node:assert/strict';
import {
  fuzzOne,
  replayCommand,
  runFuzz,
  scheduleSeedOf,
  type InvariantChecker,
} from '../../../src/sim/fuzz/fuzz.ts';
import { randomSchedule } from '../../../src/sim/fuzz/schedule.ts';
import { runSimCommand, type SimCommandDeps } from '../../../src/testbed/commands/sim.ts';
import { runSimulation } from '../../../src/sim/run-sim.ts';
import { checkNetworkRing } from '../../../src/checks/ring-consistent/sim.ts';
import { randomGeometricTopology } from '../helpers/topologies.ts';

describe('fault-schedule fuzzer', function () {
  it('schedules are seeded: same seed, same schedule; they end healed with every node restarted', () => {
    const topo = randomGeometricTopology(20, 3);
    const a = randomSchedule(topo, 77);
    assert.deepEqual(a, randomSchedule(topo, 77));
    assert.notDeepEqual(a, randomSchedule(topo, 78));
    const crashed = new Set<string>();
    for (const s of a) {
      if (s.action.kind === 'crash') crashed.add(s.action.node);
      if (s.action.kind === 'restart') crashed.delete(s.action.node);
      if (s.action.kind === 'partition')
        assert.ok(s.action.groups.length >= 2 && s.action.groups.length <= 3);
    }
    assert.equal(crashed.size, 0);
    assert.ok(a.some((s) => s.action.kind === 'heal'));
  });

  // 4 graphs x 50 schedules = 200, each schedule seeded from the run seed.
  for (const [n, graphSeed] of [
    [10, 1],
    [17, 2],
    [23, 3],
    [30, 4],
  ] as const) {
    it(`50 schedules on a ${n}-node graph: zero invariant violations`, function () {
      // Measured 0.3 s per node (3.0-10.2 s) at a moderate load, 1.3 s per node with the machine's two cores
      // shared six ways: 3 s per node.
      this.timeout(9_000 * n);
      const summary = runFuzz(randomGeometricTopology(n, graphSeed), 2024, 50);
      const lines = summary.failures.map(
        (f) => `schedule ${f.index} seed ${f.scheduleSeed}: ${f.problems.slice(0, 5).join('; ')}`,
      );
      assert.deepEqual(lines, []);
    });
  }

  it('a broken invariant is reported with a seed that replays the failure exactly', () => {
    const topo = randomGeometricTopology(12, 5);
    // Wrong on purpose: demands two partitions of a network the schedule has just healed into one.
    const broken: InvariantChecker = (network) => {
      const ring = checkNetworkRing(network);
      return [
        { name: 'two-partitions', passed: ring.partitions === 2, figures: { partitions: ring.partitions } },
      ];
    };
    const summary = runFuzz(topo, 99, 3, { invariants: broken });
    assert.equal(summary.failures.length, 3);
    const first = summary.failures[0];
    assert.equal(first.scheduleSeed, scheduleSeedOf(99, 0));
    assert.ok(first.problems.includes('invariant two-partitions violated'));
    // The replay: the same seed gives the same report, byte for byte.
    const again = fuzzOne(topo, first.scheduleSeed, { invariants: broken });
    assert.equal(again.passed, false);
    assert.equal(JSON.stringify(again.report), JSON.stringify(first.report));
    assert.equal(
      replayCommand('t.yaml', first.scheduleSeed),
      `npm run testbed -- sim t.yaml --fuzz-one ${first.scheduleSeed}`,
    );
  });

  it('the sim verb prints each failing schedule with its replay command and exits 1', () => {
    const topo = randomGeometricTopology(10, 6);
    const out: string[] = [];
    const deps: SimCommandDeps = {
      load: () => topo,
      simulate: runSimulation,
      stdout: (l) => out.push(l),
      stderr: () => {},
      wallNow: () => 0,
      interactive: false,
      invariants: () => [
        { name: 'always-wrong', passed: false, figures: {}, problems: ['broken on purpose'] },
      ],
    };
    assert.equal(runSimCommand('topo.yaml', { fuzz: '2', seed: '5' }, deps), 1);
    const seeds = [scheduleSeedOf(5, 0), scheduleSeedOf(5, 1)];
    for (const s of seeds)
      assert.ok(
        out.includes(`     replay: npm run testbed -- sim topo.yaml --fuzz-one ${s}`),
        out.join('\n'),
      );
    assert.ok(out.includes('fuzz: 2 schedules, 2 failed'));
    // --fuzz-one replays one schedule with the same verdict.
    out.length = 0;
    assert.equal(runSimCommand('topo.yaml', { fuzzOne: String(seeds[1]) }, deps), 1);
    assert.match(out[0], new RegExp(`^FAIL schedule \\(seed ${seeds[1]}\\)`));
    deps.invariants = undefined;
    out.length = 0;
    assert.equal(runSimCommand('topo.yaml', { fuzzOne: String(seeds[1]) }, deps), 0, out.join('\n'));
  });

  it('asymmetric transitions: one-way drops and flaps during a heal, lifted by the final heal', () => {
    const topo = randomGeometricTopology(20, 3);
    const plain = randomSchedule(topo, 77);
    assert.deepEqual(randomSchedule(topo, 77, { asymmetric: false }), plain, 'off by default');
    let oneWay = 0;
    let dropped = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      dropped = new Set<string>();
      for (const s of randomSchedule(topo, seed, { asymmetric: true, faults: 12 })) {
        if (s.action.kind !== 'impair') continue;
        const { a, b, aToB, bToA } = s.action;
        const key = aToB.lossPct !== undefined ? `${a}>${b}` : `${b}>${a}`;
        const loss = aToB.lossPct ?? bToA.lossPct;
        if (loss === 100) {
          oneWay++;
          dropped.add(key);
        } else dropped.delete(key);
      }
      assert.deepEqual([...dropped], [], `schedule ${seed} ends with every one-way drop lifted`);
    }
    assert.ok(oneWay > 0, 'some schedules drop one direction');
  });

  // The suite's share; bench/fuzz-asymmetric.ts plays 200 (50 on each of the four graphs above).
  it('20 asymmetric schedules on a 17-node graph: every vset path complete both ways, ring consistent', function () {
    this.timeout(3_000 * 17);
    const summary = runFuzz(randomGeometricTopology(17, 2), 2024, 20, { schedule: { asymmetric: true } });
    const lines = summary.failures.map(
      (f) => `schedule ${f.index} seed ${f.scheduleSeed}: ${f.problems.slice(0, 5).join('; ')}`,
    );
    assert.deepEqual(lines, []);
  });
});
