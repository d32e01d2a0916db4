// Issue 18 item 1 in the simulator: neighbours survive a starved host. Nodes are stalled at random (their timers
// and arriving frames held back, then run late, as a host that does not schedule the process), for up to 3 hello
// periods each time: no live link may fail for it, and the ring stays whole. A neighbour that really went silent
// is still failed within its hold time, stalls or not. No path is torn down for a stall either.

import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/sim/network.ts';
import { vrrNodeFactory } from '../../src/sim/node-factory.ts';
import { assignAddresses } from '../../src/topology/index.ts';
import { createRng } from '../../src/vrr/rng.ts';
import { DEFAULT_CONFIG } from '../../src/vrr/config.ts';
import { pingAll } from '../../src/checks/ping-all/sim.ts';
import { isRingConsistent } from '../../src/checks/ring-consistent/sim.ts';
import type { Topology } from '../../src/topology/types.ts';
import { gridTopology, randomGeometricTopology } from './helpers/topologies.ts';
import { runUntilConsistent } from './helpers/converged.ts';

const HELLO_MS = 1000;
const HOLD_MS = DEFAULT_CONFIG.failAfterHellos * HELLO_MS;

function converged(topology: Topology, seed: number): SimNetwork {
  const network = new SimNetwork(topology, {
    seed,
    addresses: assignAddresses(topology, seed),
    createNode: vrrNodeFactory,
  });
  network.start();
  assert.notEqual(runUntilConsistent(network), null, 'the ring formed');
  return network;
}

/**
 * Stalls nodes at random for `forMs`: each node, independently, runs for 0.5-6 s, then stalls for up to
 * `maxStallMs`, and so on. Returns how many stalls there were.
 */
function stallAtRandom(network: SimNetwork, seed: number, forMs: number, maxStallMs: number): number {
  const rng = createRng(seed);
  const names = network.nodeNames();
  const nextStall = new Map(names.map((n) => [n, network.now() + rng.next() * 3000]));
  const end = network.now() + forMs;
  let stalls = 0;
  while (network.now() < end) {
    network.runFor(50);
    for (const name of names) {
      if (network.isStalled(name) || nextStall.get(name)! > network.now()) continue;
      const ms = rng.next() * maxStallMs;
      network.stall(name, ms);
      stalls++;
      nextStall.set(name, network.now() + ms + 500 + rng.next() * 5500);
    }
  }
  return stalls;
}

/** Every path torn down from now on: when, where, and why. */
function teardowns(network: SimNetwork): { t: number; node: string; why: string }[] {
  const out: { t: number; node: string; why: string }[] = [];
  network.onEvent(({ t, node, event }) => {
    if (event.type === 'path-down') out.push({ t, node, why: event.why });
  });
  return out;
}

function failures(network: SimNetwork): { t: number; node: string; neighbor: number; why: string }[] {
  const out: { t: number; node: string; neighbor: number; why: string }[] = [];
  network.onEvent(({ t, node, event }) => {
    if (event.type === 'link' && event.to === 'failed')
      out.push({ t, node, neighbor: event.neighbor, why: event.why });
  });
  return out;
}

describe('starved hosts (issue 18 item 1, simulator)', function () {
  this.timeout(300_000);

  for (const [label, topology, seed] of [
    ['a 5x5 grid', gridTopology(5, 5), 3],
    ['a 60-node random geometric graph', randomGeometricTopology(60, 7), 11],
  ] as const) {
    it(`${label}: nodes running up to 3 hello periods late at random lose no live link`, () => {
      const network = converged(topology, seed);
      const failed = failures(network);
      const tornDown = teardowns(network);
      const stalls = stallAtRandom(network, seed, 90_000, 3 * HELLO_MS);
      assert.ok(stalls > network.nodeNames().length * 5, `stalled often enough (${stalls} stalls)`);
      assert.ok(network.counters().eventsHeldBack > 1000);
      assert.deepEqual(failed, [], 'no link failed');
      assert.deepEqual(tornDown.slice(0, 5), [], 'no path torn down (the first five shown)');
      network.runFor(2 * HELLO_MS);
      assert.ok(isRingConsistent(network), 'the ring is whole');
      const ping = pingAll(network);
      assert.equal(ping.passed, true, ping.problems.join('; '));
      assert.equal(ping.figures.delivered, ping.figures.pairs, 'every pair still reaches every other');
    });
  }

  it('a neighbour that really went silent is still failed within its hold time, while others stall', () => {
    const network = converged(gridTopology(5, 5), 5);
    const failed = failures(network);
    // Stalls elsewhere go on meanwhile; the silent node's neighbours are left alone (one of them stalled would
    // rightly take longer: silence is counted in its own running time).
    const victim = 'r3c3';
    const around = new Set([victim, 'r2c3', 'r4c3', 'r3c2', 'r3c4']);
    const others = network.nodeNames().filter((n) => !around.has(n));
    const rng = createRng(99);
    const crashAt = network.now() + 2000;
    while (network.now() < crashAt + HOLD_MS + 3 * HELLO_MS) {
      if (network.now() >= crashAt && network.isAlive(victim)) network.crash(victim);
      for (const n of others)
        if (!network.isStalled(n) && rng.next() < 0.02) network.stall(n, rng.next() * 3000);
      network.runFor(50);
    }
    const victimAddress = network.addressOf(victim);
    const ofVictim = failed.filter((f) => f.neighbor === victimAddress);
    assert.deepEqual(
      ofVictim.map((f) => f.node).sort(),
      ['r2c3', 'r3c2', 'r3c4', 'r4c3'],
      'all four fail it',
    );
    for (const f of ofVictim) {
      // The hold time counts from the last hello heard (up to a jittered period before the crash), and silence is
      // judged once per period: within the hold time of silence, plus the period the check waits for.
      assert.ok(
        f.t - crashAt <= HOLD_MS + 1.1 * HELLO_MS + 50,
        `${f.node} failed it ${f.t - crashAt} ms after`,
      );
    }
    assert.deepEqual(
      failed.filter((f) => f.neighbor !== victimAddress),
      [],
      'no other link failed',
    );
  });
});

describe('formation on starved hosts (issue 18 item 2, simulator)', function () {
  this.timeout(300_000);

  it('a 7x7 grid forms its ring while every node stalls at random, with retransmissions bounded per node', () => {
    const topology = gridTopology(7, 7);
    const network = new SimNetwork(topology, {
      seed: 2,
      addresses: assignAddresses(topology, 2),
      createNode: vrrNodeFactory,
    });
    const failed = failures(network);
    network.start();
    // From the cold start on: every node stalls for up to 3 periods, again and again, while the ring forms.
    const rng = createRng(2);
    const names = network.nodeNames();
    const stalls = new Map(names.map((n) => [n, 0]));
    const nextStall = new Map(names.map((n) => [n, rng.next() * 3000]));
    let formedAt: number | null = null;
    while (network.now() < 120_000 && formedAt === null) {
      network.runFor(50);
      for (const name of names) {
        if (network.isStalled(name) || nextStall.get(name)! > network.now()) continue;
        const ms = rng.next() * 3 * HELLO_MS;
        network.stall(name, ms);
        stalls.set(name, stalls.get(name)! + 1);
        nextStall.set(name, network.now() + ms + 500 + rng.next() * 5500);
      }
      if (network.now() % 500 === 0 && isRingConsistent(network)) formedAt = network.now();
    }
    assert.notEqual(formedAt, null, 'the ring formed');
    assert.deepEqual(failed, [], 'no link failed');
    // One packet is retried toward a neighbour that answers nothing, and only until its hellos are overdue: each
    // stall of a neighbour costs a node a few retransmissions, however many packets wait for it.
    const neighbours = new Map(names.map((n) => [n, [] as string[]]));
    for (const l of topology.links) {
      neighbours.get(l.a)!.push(l.b);
      neighbours.get(l.b)!.push(l.a);
    }
    let total = 0;
    for (const name of names) {
      const retransmits = network.node(name)!.counters().retransmits ?? 0;
      total += retransmits;
      const theirStalls = neighbours.get(name)!.reduce((sum, n) => sum + stalls.get(n)!, 0);
      assert.ok(
        retransmits <= 4 * theirStalls,
        `${name}: ${retransmits} retransmissions for ${theirStalls} stalls of its neighbours`,
      );
    }
    assert.ok(total > 0, 'stalls cost some retransmissions');
    const ping = pingAll(network);
    assert.equal(ping.figures.delivered, ping.figures.pairs, ping.problems.join('; '));
  });
});
