// The figures on a 100-node random geometric graph, in the simulator: 1,000 keys put from random nodes
// are all found from other random nodes; after the crash of the node owning the most keys every key is still
// found; after a partition heals every key has one value everywhere (the winner of conflict resolution).

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { keyId } from '../../../../src/vrr/dht/index.ts';
import { createRng, type Rng } from '../../../../src/vrr/rng.ts';
import { randomGeometricTopology } from '../../../sim/helpers/topologies.ts';
import { bytes, text } from './dht-net.ts';
import { DhtSim, summary } from './sim-dht.ts';

const KEYS = 1000;
const key = (i: number) => `key-${i}`;

/** Puts KEYS keys from random nodes; returns the putter of each. */
function putAll(sim: DhtSim, rng: Rng, value = (i: number) => `value-${i}`): string[] {
  const nodes = sim.alive();
  const from = Array.from({ length: KEYS }, () => rng.pick(nodes));
  const results = sim.runAll(from.map((n, i) => (done) => sim.dht(n).put(key(i), bytes(value(i)), {}, done)));
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, [], `${failed.length} puts failed`);
  return from;
}

/** Gets every key from a random node other than `avoid[i]`; returns the results. */
function getAll(sim: DhtSim, rng: Rng, avoid: string[] = []) {
  const nodes = sim.alive();
  const from = Array.from({ length: KEYS }, (_, i) => {
    for (;;) {
      const n = rng.pick(nodes);
      if (n !== avoid[i]) return n;
    }
  });
  return sim.runAll(from.map((n, i) => (done) => sim.dht(n).get(key(i), done)));
}

/** Every live copy of every key across the running nodes: key id -> set of "value@version". */
function copies(sim: DhtSim): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const n of sim.alive()) {
    for (const e of sim.dht(n).entries()) {
      const id = keyId(e.key);
      if (!out.has(id)) out.set(id, new Set());
      out.get(id)!.add(`${text(e.value)}@${e.version}`);
    }
  }
  return out;
}

describe('DHT figures on a 100-node random geometric graph', function () {
  this.timeout(120_000);

  it('finds 1,000 keys from other random nodes, and every key after the busiest owner crashes', () => {
    const sim = new DhtSim(randomGeometricTopology(100, 4), 4);
    sim.converge();
    const rng = createRng(11);
    const putters = putAll(sim, rng);
    const got = getAll(sim, rng, putters);
    const missing = got
      .map((r, i) => (r.found && text(r.value) === `value-${i}` ? -1 : i))
      .filter((i) => i >= 0);
    assert.deepEqual(missing, [], `${missing.length} keys not found`);
    const hops = summary(got.map((r) => r.hops!));
    assert.ok(hops.mean > 2 && hops.max <= 2 * 64, JSON.stringify(hops)); // round trips

    // Every key at the owner and its vset (r = 4): 5 copies, the same everywhere.
    sim.network.runFor(5000);
    const before = copies(sim);
    assert.equal(before.size, KEYS);
    for (const [id, set] of before) assert.equal(set.size, 1, `key ${id}: ${[...set]}`);

    const owned = new Map<string, number>();
    for (const n of sim.alive())
      owned.set(
        n,
        sim
          .dht(n)
          .entries()
          .filter((e) => e.role === 'owner').length,
      );
    const victim = [...owned].sort((a, b) => b[1] - a[1])[0][0];
    const victimAddress: Address = sim.network.addressOf(victim);
    assert.ok(owned.get(victim)! >= 15, `the busiest owner holds ${owned.get(victim)} keys`);
    sim.network.crash(victim);
    sim.converge();
    sim.network.runFor(10_000);
    const after = getAll(sim, rng);
    const lost = after
      .map((r, i) => (r.found && text(r.value) === `value-${i}` ? -1 : i))
      .filter((i) => i >= 0);
    assert.deepEqual(lost, [], `${lost.length} keys not found after the crash`);
    assert.ok(after.every((r) => r.owner !== victimAddress));
    for (const [id, set] of copies(sim)) assert.equal(set.size, 1, `key ${id}: ${[...set]}`);
  });

  it('after a partition heals, every key has one value everywhere', () => {
    const topology = randomGeometricTopology(100, 6);
    const sim = new DhtSim(topology, 6);
    sim.converge();
    const rng = createRng(12);
    putAll(sim, rng);

    // Cut the graph in two: the first half of a breadth-first walk (connected), and the rest.
    const adjacency = new Map<string, string[]>(topology.nodes.map((n) => [n.name, []]));
    for (const l of topology.links) {
      adjacency.get(l.a)!.push(l.b);
      adjacency.get(l.b)!.push(l.a);
    }
    const order = [topology.nodes[0].name];
    for (let i = 0; i < order.length; i++) {
      for (const m of adjacency.get(order[i])!) if (!order.includes(m)) order.push(m);
    }
    const sideA = order.slice(0, 50);
    const inA = new Set(sideA);
    const sideB = order.filter((n) => !inA.has(n));
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
    sim.network.runFor(20_000);
    const all = copies(sim);
    assert.equal(all.size, KEYS);
    const split = [...all].filter(([, set]) => set.size !== 1);
    assert.deepEqual(
      split.map(([id, set]) => `${Buffer.from(id, 'hex')}: ${[...set].join(' ')}`),
      [],
      'keys with more than one value',
    );
    const got = getAll(sim, rng);
    for (let i = 0; i < KEYS; i++) {
      const want = expected.get(i) ?? `value-${i}@1`;
      assert.equal(`${text(got[i].value)}@${got[i].version}`, want, key(i));
      assert.deepEqual([...all.get(keyId(bytes(key(i))))!], [want], key(i));
    }
  });
});
