// The issue's figures on a 100-node random geometric graph, in the simulator, one network through three
// phases: 1,000 keys put from random nodes are all found from other random nodes; after the crash of the node
// owning the most keys every key is still found; after a partition heals every key has one value everywhere
// (the winner of conflict resolution). After each phase every key is held by exactly its owner (the closest
// live node) and the owner's virtual neighbours, with the same copy.

import assert from 'node:assert/strict';
import { compareCloseness, type Address } from '../../../../src/vrr/address.ts';
import { hashKey, keyId } from '../../../../src/vrr/dht/index.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import { randomGeometricTopology } from '../../../sim/helpers/topologies.ts';
import { bytes, text } from './dht-net.ts';
import { DhtSim, summary } from './sim-dht.ts';

const KEYS = 1000;
const key = (i: number) => `key-${i}`;

/** Every live copy of every key on the running nodes: key id -> holder name -> "value@version". */
function copies(sim: DhtSim): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const n of sim.alive()) {
    for (const e of sim.dht(n).entries()) {
      const id = keyId(e.key);
      if (!out.has(id)) out.set(id, new Map());
      out.get(id)!.set(n, `${text(e.value)}@${e.version}`);
    }
  }
  return out;
}

/**
 * Problems with where keys live: a key missing, held with more than one value, or held by other nodes than its
 * owner (the closest running node to its hash) and the owner's virtual neighbours.
 */
function placementProblems(sim: DhtSim): string[] {
  const alive = sim.alive();
  const byAddress = new Map<Address, string>(alive.map((n) => [sim.network.addressOf(n), n]));
  const all = copies(sim);
  const problems: string[] = [];
  for (let i = 0; i < KEYS; i++) {
    const held = all.get(keyId(bytes(key(i))));
    if (!held) {
      problems.push(`${key(i)}: nowhere`);
      continue;
    }
    const values = new Set(held.values());
    if (values.size !== 1) problems.push(`${key(i)}: ${[...values].join(' ')}`);
    const h = hashKey(key(i));
    const owner = alive.reduce((a, b) =>
      compareCloseness(h, sim.network.addressOf(a), sim.network.addressOf(b)) <= 0 ? a : b,
    );
    const expected = [
      owner,
      ...sim.network
        .node(owner)!
        .vsetMembers()
        .map((a) => byAddress.get(a)!),
    ].sort();
    const actual = [...held.keys()].sort();
    if (expected.join() !== actual.join()) {
      problems.push(`${key(i)}: held by ${actual.join(',')}, expected ${expected.join(',')}`);
    }
  }
  return problems;
}

/** The sum over running nodes of every `dht.*` counter (requests, transfers, drops). */
function dhtCounters(sim: DhtSim): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const n of sim.alive()) {
    for (const [k, v] of Object.entries(sim.network.node(n)!.counters())) {
      if (k.startsWith('dht.')) sum[k] = (sum[k] ?? 0) + v;
    }
  }
  return sum;
}

describe('DHT figures on a 100-node random geometric graph', function () {
  this.timeout(45_000); // the convergence in before() 1-3 s, the tests up to 2.8 s
  const topology = randomGeometricTopology(100, 6);
  const rng = createRng(12);
  let sim: DhtSim;
  let putters: string[];

  before(() => {
    sim = new DhtSim(topology, 6);
    sim.converge();
  });

  /** Gets every key from a random running node (other than the one that put it); returns the results. */
  function getAll() {
    const nodes = sim.alive();
    const from = Array.from({ length: KEYS }, (_, i) => {
      for (;;) {
        const n = rng.pick(nodes);
        if (n !== putters[i]) return n;
      }
    });
    return sim.runAll(from.map((n, i) => (done) => sim.dht(n).get(key(i), done)));
  }

  it('finds all 1,000 keys put from random nodes, from other random nodes', () => {
    const nodes = sim.alive();
    putters = Array.from({ length: KEYS }, () => rng.pick(nodes));
    const puts = sim.runAll(
      putters.map((n, i) => (done) => sim.dht(n).put(key(i), bytes(`value-${i}`), {}, done)),
    );
    assert.deepEqual(
      puts.filter((r) => !r.ok),
      [],
    );
    const got = getAll();
    const missing = got
      .map((r, i) => (r.found && text(r.value) === `value-${i}` ? -1 : i))
      .filter((i) => i >= 0);
    assert.deepEqual(missing, [], `${missing.length} keys not found`);
    const hops = summary(got.map((r) => r.hops!));
    assert.ok(hops.mean > 2 && hops.max <= 2 * 64, JSON.stringify(hops)); // round trips
    sim.network.runFor(5000);
    assert.deepEqual(placementProblems(sim), []);
    // Hard state: with the ring stable, the DHT sends nothing at all.
    const before = dhtCounters(sim);
    sim.network.runFor(20_000);
    assert.deepEqual(dhtCounters(sim), before);
  });

  it('still finds every key after the crash of the node owning the most keys', () => {
    const owned = sim.alive().map(
      (n) =>
        [
          n,
          sim
            .dht(n)
            .entries()
            .filter((e) => e.role === 'owner').length,
        ] as const,
    );
    const [victim, count] = [...owned].sort((a, b) => b[1] - a[1])[0];
    assert.ok(count >= 15, `the busiest owner holds ${count} keys`);
    const victimAddress = sim.network.addressOf(victim);
    sim.network.crash(victim);
    sim.converge();
    sim.network.runFor(10_000);
    const got = getAll();
    const lost = got
      .map((r, i) => (r.found && text(r.value) === `value-${i}` ? -1 : i))
      .filter((i) => i >= 0);
    assert.deepEqual(lost, [], `${lost.length} keys not found after the crash`);
    assert.ok(got.every((r) => r.owner !== victimAddress));
    assert.deepEqual(placementProblems(sim), []);
  });

  it('after a partition heals, every key has one value everywhere: the winner of the conflicting writes', function () {
    this.timeout(180_000); // measured 14.5 s
    // Cut the graph in two: the first half of a breadth-first walk over running nodes (connected), the rest.
    const alive = new Set(sim.alive());
    const adjacency = new Map<string, string[]>([...alive].map((n) => [n, []]));
    for (const l of topology.links) {
      if (!alive.has(l.a) || !alive.has(l.b)) continue;
      adjacency.get(l.a)!.push(l.b);
      adjacency.get(l.b)!.push(l.a);
    }
    const order = [sim.alive()[0]];
    for (let i = 0; i < order.length; i++) {
      for (const m of adjacency.get(order[i])!) if (!order.includes(m)) order.push(m);
    }
    const sideA = order.slice(0, 50);
    const inA = new Set(sideA);
    const sideB = sim.alive().filter((n) => !inA.has(n));
    sim.network.partition([sideA, sideB]);
    sim.converge();
    sim.network.runFor(10_000);

    // Conflicting writes: keys 0-299 written on both sides, A first, then B (same or different versions).
    const conflicted = 300;
    const writes = [
      ...Array.from({ length: conflicted }, (_, i) => ({ i, side: 'A', from: rng.pick(sideA) })),
      ...Array.from({ length: conflicted }, (_, i) => ({ i, side: 'B', from: rng.pick(sideB) })),
    ];
    const results = sim.runAll(
      writes.map((w) => (done) => sim.dht(w.from).put(key(w.i), bytes(`${w.side}-${w.i}`), {}, done)),
    );
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
    const expected = new Map<number, string>();
    for (let i = 0; i < conflicted; i++) {
      const a = { r: results[i], origin: sim.network.addressOf(writes[i].from) };
      const b = { r: results[conflicted + i], origin: sim.network.addressOf(writes[conflicted + i].from) };
      const aWins = a.r.version! > b.r.version! || (a.r.version === b.r.version && a.origin > b.origin);
      expected.set(i, aWins ? `A-${i}@${a.r.version}` : `B-${i}@${b.r.version}`);
    }

    sim.network.heal();
    sim.converge();
    // 40 s: the heal sends hundreds of transfers at once, and those that would wait behind more than two windows
    // of a neighbour's queue are shed (EXTENSION_QUEUE_LIMIT) and sent again by the DHT's own timers (20 s was
    // enough before the shedding; two keys still had a stale replica then).
    sim.network.runFor(40_000);
    // One value everywhere: every copy of every key, on every running node, is the winner; and no node holds
    // a key but its owner and the owner's virtual neighbours (issue #3: a node that was neither kept a key, in
    // the losing version, long after the heal).
    const all = copies(sim);
    const want = (i: number) => expected.get(i) ?? `value-${i}@1`;
    const mixed = Array.from({ length: KEYS }, (_, i) => i)
      .map((i) => [i, [...(all.get(keyId(bytes(key(i))))?.entries() ?? [])]] as const)
      .filter(([i, held]) => held.length === 0 || held.some(([, v]) => v !== want(i)))
      .map(([i, held]) => `${key(i)}: ${held.map(([n, v]) => `${n}=${v}`).join(' ') || 'nowhere'}`);
    assert.deepEqual(mixed, [], `keys without one value everywhere (${mixed.length})`);
    assert.deepEqual(placementProblems(sim), []);
    const got = getAll();
    const wrong = got
      .map((r, i) => `${key(i)}: ${text(r.value)}@${r.version}`)
      .filter((line, i) => line !== `${key(i)}: ${want(i)}`);
    assert.deepEqual(wrong, [], 'gets answer the winner');
  });
});
