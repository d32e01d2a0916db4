// The DHT on small networks driven by the unit-test harness: requests from any node, versions, TTLs, and the
// replication, hand-off and take-over that keep every key at its owner and the owner's virtual neighbours.

import assert from 'node:assert/strict';
import { compareCloseness, type Address } from '../../../../src/vrr/address.ts';
import { DHT_MAX_ENTRY_BYTES, hashKey } from '../../../../src/vrr/dht/index.ts';
import { DhtNet, bytes, spreadAddresses, text } from './dht-net.ts';

/** Ring of n nodes (0-1-...-(n-1)-0) with a chord 0-(n/2), every node running a Dht, converged. */
function ringNet(n: number, seed = 1, opts: { start?: boolean } = {}): DhtNet {
  const net = new DhtNet(spreadAddresses(n, seed), seed);
  for (let i = 0; i < n; i++) net.link(i, (i + 1) % n);
  net.link(0, n >> 1);
  if (opts.start !== false) {
    net.start();
    net.run(40_000);
  }
  return net;
}

/** The node (index) closest to a key's hash among `alive` nodes: where the key must live. */
function ownerOf(net: DhtNet, key: string, alive: number[]): number {
  const h = hashKey(key);
  return alive.reduce((best, i) =>
    compareCloseness(h, net.nodes[i].address, net.nodes[best].address) < 0 ? i : best,
  );
}

/** Every holder of the key: node index, role, value text and version. */
function holders(net: DhtNet, key: string, among?: number[]) {
  const k = bytes(key);
  const out: { node: number; role: string; value: string; version: number }[] = [];
  for (const i of among ?? net.dhts.map((_, j) => j)) {
    for (const e of net.dhts[i].entries()) {
      if (Buffer.compare(Buffer.from(e.key), Buffer.from(k)) === 0) {
        out.push({ node: i, role: e.role, value: text(e.value)!, version: e.version });
      }
    }
  }
  return out;
}

/** Nodes whose address is in another node's vset. */
function vsetIndexes(net: DhtNet, i: number): number[] {
  const members = new Set<Address>(net.nodes[i].vsetMembers());
  return net.nodes.map((n, j) => (members.has(n.address) ? j : -1)).filter((j) => j >= 0);
}

function assertInvariants(net: DhtNet): void {
  net.dhts.forEach((d, i) => assert.deepEqual(d.store.checkInvariants(), [], `node ${i}`));
}

describe('Dht on small networks', function () {
  it('puts, gets and deletes from different nodes', () => {
    const net = ringNet(8);
    assert.ok(net.nodes.every((n) => n.isActive()));
    const put = net.call((done) => net.dhts[0].put('alpha', bytes('one'), {}, done));
    assert.equal(put.ok, true, put.error);
    assert.equal(put.version, 1);
    assert.equal(put.owner, net.nodes[ownerOf(net, 'alpha', [0, 1, 2, 3, 4, 5, 6, 7])].address);
    for (const from of [3, 5, 7]) {
      const got = net.call((done) => net.dhts[from].get('alpha', done));
      assert.deepEqual([got.ok, got.found, text(got.value), got.version], [true, true, 'one', 1]);
      assert.ok(got.hops! >= 0 && got.hops! <= 16, `hops ${got.hops}`);
    }
    const gone = net.call((done) => net.dhts[4].delete('alpha', done));
    assert.deepEqual([gone.ok, gone.found, gone.version], [true, true, 2]);
    const after = net.call((done) => net.dhts[6].get(bytes('alpha'), done));
    assert.deepEqual([after.ok, after.found, after.value], [true, false, undefined]);
    const again = net.call((done) => net.dhts[6].delete('alpha', done));
    assert.deepEqual([again.ok, again.found], [true, false]);
    net.run(2000);
    assert.deepEqual(holders(net, 'alpha'), [], 'a tombstone is not listed by entries()');
    assertInvariants(net);
  });

  it('answers found:false for a key never put, and counts a round trip in hops', () => {
    const net = ringNet(8);
    const results = [1, 2, 3, 4, 5, 6].map((i) => net.call((done) => net.dhts[i].get(`missing-${i}`, done)));
    for (const r of results) assert.deepEqual([r.ok, r.found], [true, false]);
    assert.ok(results.some((r) => r.hops! > 0));
    // hops = request + reply: even unless one leg takes a shortcut the other does not.
    const local = ownerOf(net, 'here', [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(net.call((done) => net.dhts[local].get('here', done)).hops, 0);
  });

  it('refuses bad arguments at once, without sending anything', () => {
    const net = ringNet(4);
    const d = net.dhts[1];
    const calls: string[] = [];
    const grab = (r: { ok: boolean; error?: string }) => calls.push(`${r.ok} ${r.error}`);
    d.put('', bytes('x'), {}, grab);
    d.put(new Uint8Array(256), bytes('x'), {}, grab);
    d.put('k', new Uint8Array(DHT_MAX_ENTRY_BYTES), {}, grab);
    d.put('k', bytes('x'), { version: 0 }, grab);
    d.put('k', bytes('x'), { ttlMs: 1.5 }, grab);
    d.get(new Uint8Array(0), grab);
    d.delete(new Uint8Array(300), grab);
    assert.equal(calls.length, 7);
    assert.ok(calls.every((c) => c.startsWith('false ')));
    assert.match(calls[2], /value too large: 2000 bytes, at most 1999 with a 1-byte key/);
    assert.equal(net.nodes[1].counters()['dht.request.put'], undefined);
    const fits = net.call((done) => d.put('k', new Uint8Array(DHT_MAX_ENTRY_BYTES - 1), {}, done));
    assert.equal(fits.ok, true, fits.error);
    const got = net.call((done) => net.dhts[3].get('k', done));
    assert.equal(got.value?.length, DHT_MAX_ENTRY_BYTES - 1);
  });

  it('assigns versions at the owner and refuses stale explicit ones', () => {
    const net = ringNet(6);
    const put = (from: number, value: string, version?: number) =>
      net.call((done) => net.dhts[from].put('v', bytes(value), version ? { version } : {}, done));
    assert.equal(put(0, 'a').version, 1);
    assert.equal(put(3, 'b').version, 2);
    assert.equal(put(1, 'c', 10).version, 10);
    const stale = put(2, 'd', 10);
    assert.deepEqual([stale.ok, stale.version], [false, 10]);
    assert.match(stale.error!, /stale version: the owner holds version 10/);
    assert.equal(put(4, 'e').version, 11);
    assert.equal(net.call((done) => net.dhts[5].delete('v', done)).version, 12);
    assert.equal(put(5, 'f').version, 13, 'a put after a delete continues from the tombstone');
    const got = net.call((done) => net.dhts[2].get('v', done));
    assert.deepEqual([text(got.value), got.version], ['f', 13]);
  });

  it('expires keys after their TTL, everywhere', () => {
    const net = ringNet(6);
    assert.ok(net.call((done) => net.dhts[0].put('short', bytes('x'), { ttlMs: 5000 }, done)).ok);
    assert.ok(net.call((done) => net.dhts[0].put('long', bytes('y'), {}, done)).ok);
    net.run(1000);
    assert.ok(holders(net, 'short').length >= 3, 'owner and replicas hold it');
    assert.equal(net.call((done) => net.dhts[4].get('short', done)).found, true);
    net.run(5000);
    assert.equal(net.call((done) => net.dhts[4].get('short', done)).found, false);
    assert.deepEqual(holders(net, 'short'), []);
    net.run(10_000);
    assert.ok(
      net.dhts.every((d) => [...d.store.values()].every((e) => text(e.key) !== 'short')),
      'swept',
    );
    assert.equal(net.call((done) => net.dhts[4].get('long', done)).found, true);
  });

  it('replicates each key to the owner and its virtual neighbours, and nowhere else', () => {
    const net = ringNet(10);
    const all = net.nodes.map((_, i) => i);
    for (let i = 0; i < 20; i++) {
      assert.ok(net.call((done) => net.dhts[i % 10].put(`key${i}`, bytes(`value${i}`), {}, done)).ok);
    }
    net.run(3000);
    for (let i = 0; i < 20; i++) {
      const owner = ownerOf(net, `key${i}`, all);
      const expected = [owner, ...vsetIndexes(net, owner)].sort((a, b) => a - b);
      const h = holders(net, `key${i}`);
      assert.deepEqual(
        h.map((x) => x.node).sort((a, b) => a - b),
        expected,
        `key${i}`,
      );
      assert.deepEqual(
        h.filter((x) => x.role === 'owner').map((x) => x.node),
        [owner],
      );
      assert.ok(h.every((x) => x.value === `value${i}` && x.version === 1));
    }
    // In a stable ring the DHT is silent: hard state, no periodic refresh traffic.
    const before = net.nodes.map((n) => n.counters()['framesOut']);
    const dhtBefore = net.nodes.map((n) => n.counters()['dht.transfer.replicate'] ?? 0);
    net.run(30_000);
    assert.deepEqual(
      net.nodes.map((n) => n.counters()['dht.transfer.replicate'] ?? 0),
      dhtBefore,
    );
    assert.ok(
      net.nodes.every((n, i) => n.counters()['framesOut'] > before[i]),
      'hellos still flow',
    );
    assertInvariants(net);
  });

  it('hands keys off to a closer node that joins', () => {
    const n = 9;
    const net = new DhtNet(spreadAddresses(n, 3), 3);
    const late = 8;
    for (let i = 0; i < late - 1; i++) net.link(i, i + 1);
    net.link(late - 1, 0);
    for (let i = 0; i < late; i++) net.nodes[i].start();
    net.run(40_000);
    const early = Array.from({ length: late }, (_, i) => i);
    const keys = Array.from({ length: 60 }, (_, i) => `join-${i}`);
    for (const [i, k] of keys.entries()) {
      assert.ok(net.call((done) => net.dhts[i % late].put(k, bytes(k), {}, done)).ok);
    }
    const moving = keys.filter((k) => ownerOf(net, k, [...early, late]) === late);
    assert.ok(moving.length > 0, 'some keys belong to the newcomer');
    net.link(late, 2).link(late, 5);
    net.nodes[late].start();
    net.run(60_000);
    const all = [...early, late];
    for (const k of keys) {
      const owner = ownerOf(net, k, all);
      const h = holders(net, k);
      assert.deepEqual(
        h.filter((x) => x.role === 'owner').map((x) => x.node),
        [owner],
        k,
      );
      assert.deepEqual(
        h.map((x) => x.node).sort((a, b) => a - b),
        [owner, ...vsetIndexes(net, owner)].sort((a, b) => a - b),
        `${k}: held by the owner and its vset only`,
      );
    }
    for (const k of moving) {
      const got = net.call((done) => net.dhts[0].get(k, done));
      assert.deepEqual([got.found, text(got.value), got.owner], [true, k, net.nodes[late].address]);
    }
    const handoffs = net.events.filter((e) => e.event.type === 'dht-handoff').length;
    assert.ok(handoffs >= moving.length, `${handoffs} hand-offs for ${moving.length} keys`);
    assertInvariants(net);
  });

  it('survives the crash of an owner: a replica takes over and re-replicates', () => {
    const net = ringNet(10, 5);
    const keys = Array.from({ length: 40 }, (_, i) => `crash-${i}`);
    for (const [i, k] of keys.entries()) {
      assert.ok(net.call((done) => net.dhts[i % 10].put(k, bytes(k), {}, done)).ok);
    }
    net.run(2000);
    const owned = net.dhts.map((d) => d.entries().filter((e) => e.role === 'owner').length);
    const victim = owned.indexOf(Math.max(...owned));
    net.nodes[victim].stop();
    for (let j = 0; j < 10; j++) net.cut(victim, j);
    net.run(60_000);
    const alive = net.nodes.map((_, i) => i).filter((i) => i !== victim);
    for (const k of keys) {
      const from = alive[(k.length * 7) % alive.length];
      const got = net.call((done) => net.dhts[from].get(k, done));
      assert.deepEqual([got.ok, got.found, text(got.value)], [true, true, k], k);
      const owner = ownerOf(net, k, alive);
      const h = holders(net, k, alive);
      assert.deepEqual(
        h.filter((x) => x.role === 'owner').map((x) => x.node),
        [owner],
      );
      const vset = vsetIndexes(net, owner);
      for (const m of vset)
        assert.ok(
          h.some((x) => x.node === m),
          `${k}: replica at node ${m}`,
        );
    }
    assertInvariants(net);
  });

  it('resolves conflicting writes deterministically when a partition heals', () => {
    const net = ringNet(8, 7);
    // Split the ring into 1-2-3-4 and 5-6-7-0 (cut 4-5, 0-1 and the chord 0-4).
    const sideA = [1, 2, 3, 4];
    const sideB = [5, 6, 7, 0];
    assert.ok(net.call((done) => net.dhts[0].put('shared', bytes('before'), {}, done)).ok);
    net.run(2000);
    const cuts: [number, number][] = [
      [4, 5],
      [0, 1],
      [0, 4],
    ];
    for (const [a, b] of cuts) net.cut(a, b);
    net.run(60_000);
    const write = (from: number, key: string, value: string, version?: number) => {
      const r = net.call((done) => net.dhts[from].put(key, bytes(value), version ? { version } : {}, done));
      assert.equal(r.ok, true, r.error);
      return r;
    };
    write(sideA[0], 'shared', 'from A');
    write(sideA[1], 'shared', 'from A again');
    write(sideB[0], 'shared', 'from B');
    write(sideA[2], 'y', 'A5', 5);
    write(sideB[1], 'y', 'B7', 7);
    const za = write(sideA[3], 'z', 'Az', 3);
    const zb = write(sideB[2], 'z', 'Bz', 3);
    for (const [a, b] of cuts) {
      for (const p of net.ports[a]) if (p.peer === b) p.up = true;
      for (const p of net.ports[b]) if (p.peer === a) p.up = true;
    }
    net.run(90_000);
    const originA = net.nodes[sideA[3]].address;
    const originB = net.nodes[sideB[2]].address;
    assert.ok(za.ok && zb.ok);
    const expected: Record<string, string> = {
      shared: 'from A again', // the higher version: A wrote twice after the split
      y: 'B7',
      z: originA > originB ? 'Az' : 'Bz', // same version: the larger origin wins
    };
    for (const [key, value] of Object.entries(expected)) {
      for (let from = 0; from < 8; from++) {
        const got = net.call((done) => net.dhts[from].get(key, done));
        assert.equal(text(got.value), value, `${key} from node ${from}`);
      }
      const h = holders(net, key);
      assert.deepEqual(
        [...new Set(h.map((x) => `${x.value}@${x.version}`))],
        [`${value}@${h[0].version}`],
        key,
      );
      assert.equal(h.filter((x) => x.role === 'owner').length, 1, `${key}: one owner`);
    }
    assertInvariants(net);
  });

  it('fails pending requests when the node stops, and times out when nobody answers', () => {
    const net = ringNet(4);
    const results: string[] = [];
    // A node with no ring: requests wait for it to join, then give up.
    const lonely = new DhtNet(spreadAddresses(1, 9), 9, {}, { attempts: 2, timeoutMs: 500 });
    lonely.nodes[0].start();
    const r = lonely.call((done) => lonely.dhts[0].get('k', done));
    assert.deepEqual([r.ok, r.error], [false, 'get: this node has not joined a ring']);
    // Requests in flight when the node stops fail at once.
    net.dhts[2].get('k', (res) => results.push(`${res.ok} ${res.error}`));
    net.dhts[2].put('k', bytes('x'), {}, (res) => results.push(`${res.ok} ${res.error}`));
    const pending = results.length;
    net.nodes[2].stop();
    assert.equal(results.length, 2);
    assert.ok(pending < 2 || results.every((x) => x.startsWith('true')), 'answered locally, or...');
    assert.ok(results.slice(pending).every((x) => x === 'false node stopped'));
  });
});
