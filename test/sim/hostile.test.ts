// A hostile node in the simulator (src/sim/hostile, the topology's `hostile` step): spoofed hellos, SETUP floods
// from invented addresses and DHT floods at huge versions. In a keyed mesh it lacks the key: the ring stays
// consistent and ping-all delivers every probe. Without a key it is a member and what it sends is taken, but the
// neighbours' tables stay under their caps (src/vrr/limits.ts) and the report says which caps were reached.

import assert from 'node:assert/strict';
import { parseTopology } from '../../src/checks/topology.ts';
import { runSimulation, type SimReport } from '../../src/sim/run-sim.ts';
import { scenarioSteps } from '../../src/sim/scenario/timeline.ts';
import { convergeStep, pingAllStep, ringConsistentStep, type SimStep } from '../../src/sim/steps.ts';
import type { VrrNode } from '../../src/vrr/node.ts';
import { tablesOverCap } from '../../src/vrr/limits.ts';
import type { Topology } from '../../src/topology/types.ts';

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** A 3x3 grid plus `mallory` linked to r1c1 and r2c2, running the given scenario steps. */
function grid(opts: { keyed: boolean; scenario: string[] }): Topology {
  const names: string[] = [];
  const links: string[] = [];
  for (let r = 1; r <= 3; r++) {
    for (let c = 1; c <= 3; c++) {
      names.push(`  r${r}c${c}: {}`);
      if (c < 3) links.push(`  - [r${r}c${c}, r${r}c${c + 1}]`);
      if (r < 3) links.push(`  - [r${r}c${c}, r${r + 1}c${c}]`);
    }
  }
  names.push(opts.keyed ? '  mallory: { keyed: false }' : '  mallory: {}');
  links.push('  - [mallory, r1c1]', '  - [mallory, r2c2]');
  return parseTopology(
    [
      'name: hostile-grid',
      'seed: 4',
      ...(opts.keyed ? [`security: { key: "${KEY}" }`] : []),
      'nodes:',
      ...names,
      'links:',
      ...links,
      'scenario:',
      ...opts.scenario,
      '',
    ].join('\n'),
    'hostile.yaml',
  );
}

/** Runs the topology and, after its scenario, records every node's table sizes (over their caps, if any). */
function run(
  topology: Topology,
  closingChecks: boolean,
): { report: SimReport; overCap: string[]; counted: Record<string, number> } {
  const overCap: string[] = [];
  const counted: Record<string, number> = {};
  const measure: SimStep = {
    name: 'measure',
    run(ctx) {
      for (const name of ctx.network.allNodeNames()) {
        const node = ctx.network.node(name) as unknown as VrrNode | null;
        for (const p of tablesOverCap(node?.tableSizes?.() ?? {})) overCap.push(`${name}: ${p}`);
        for (const [k, v] of Object.entries(node?.counters() ?? {})) counted[k] = (counted[k] ?? 0) + v;
      }
    },
  };
  const steps = [convergeStep, ...scenarioSteps(topology, { settleMs: 60_000 }), measure];
  if (closingChecks) steps.push(ringConsistentStep, pingAllStep);
  return { report: runSimulation(topology, { seed: 4, steps, maxSimMs: 120_000 }), overCap, counted };
}

describe('a hostile node in the simulator', function () {
  this.timeout(300_000);

  it('reads hostile steps, and refuses an unknown attack with what it expected', () => {
    const t = grid({
      keyed: false,
      scenario: ['  - { at: 1s, hostile: { node: mallory, attack: dht-flood, rate: 200, for: 2s } }'],
    });
    assert.deepEqual(t.scenario[0].action, {
      kind: 'hostile',
      node: 'mallory',
      attack: 'dht-flood',
      ratePerSec: 200,
      durationMs: 2000,
    });
    assert.throws(
      () => grid({ keyed: false, scenario: ['  - { at: 1s, hostile: { node: mallory, attack: ddos } }'] }),
      /expected one of spoof-hellos, setup-flood, dht-flood, found "ddos"/,
    );
  });

  it('with a key it lacks: the ring stays consistent and every ping is delivered, whatever it sends', () => {
    const topology = grid({
      keyed: true,
      scenario: [
        '  - { at: 1s, hostile: { node: mallory, attack: spoof-hellos, rate: 1000, for: 10s } }',
        '  - { at: 11s, hostile: { node: mallory, attack: setup-flood, rate: 1000, for: 10s } }',
        '  - { at: 21s, hostile: { node: mallory, attack: dht-flood, rate: 1000, for: 10s } }',
        '  - { at: 31s, verify: [ring-consistent, ping-all] }',
      ],
    });
    const { report, overCap, counted } = run(topology, true);
    assert.ok(counted['hostile.forged'] >= 25_000, `forged ${counted['hostile.forged']}`);
    assert.ok(
      counted['auth.missingTag'] >= counted['hostile.forged'],
      'every forged frame dropped for want of a tag',
    );
    const problems = [...report.checks, ...(report.steps ?? [])].flatMap((c) => c.problems ?? []);
    assert.equal(report.passed, true, problems.join('\n'));
    const ping = report.checks.find((c) => c.name === 'ping-all')!;
    assert.equal(ping.figures.delivered, ping.figures.pairs, 'ping-all delivers 100 %');
    assert.deepEqual(overCap, []);
    assert.equal(report.figures.capsHit, undefined, 'no cap is even reached: nothing it sends gets in');
  });

  for (const [attack, rate, seconds, caps] of [
    ['spoof-hellos', 1000, 5, ['cap.pset.refused']],
    ['setup-flood', 2000, 6, ['cap.routes.perNeighbor']],
    ['dht-flood', 1500, 8, ['cap.dht.perOrigin', 'cap.dht.versionJump']],
  ] as const) {
    it(`without a key, a ${attack}: tables stay under their caps, and the report names ${caps.join(', ')}`, () => {
      const topology = grid({
        keyed: false,
        scenario: [
          `  - { at: 1s, hostile: { node: mallory, attack: ${attack}, rate: ${rate}, for: ${seconds}s } }`,
          `  - { at: ${seconds + 1}s, wait: 1s }`,
        ],
      });
      const { report, overCap, counted } = run(topology, false);
      assert.notEqual(report.convergenceMs, null);
      assert.ok(counted['hostile.forged'] >= rate * seconds * 0.9, `forged ${counted['hostile.forged']}`);
      assert.deepEqual(overCap, []);
      const hit = report.figures.capsHit ?? {};
      for (const cap of caps) assert.ok((hit[cap] ?? 0) > 0, `${cap} reached: ${JSON.stringify(hit)}`);
    });
  }
});
