// The DHT's bounds (src/vrr/limits.ts): version jumps refused (a PUT at 2^32 - 1 can no longer lock a key), the
// table's total and per-origin caps, copies refused by the application's write rule, and replicas that lapse
// unless their owner confirms them.

import assert from 'node:assert/strict';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import { MAX_VERSION_JUMP } from '../../../../src/vrr/limits.ts';
import type { DhtOptions } from '../../../../src/vrr/dht/index.ts';
import { DhtNet, bytes, spreadAddresses } from './dht-net.ts';

/** A converged line of n nodes running a Dht with these options. */
function line(n: number, options: DhtOptions = {}): DhtNet {
  const net = new DhtNet(spreadAddresses(n, 3), 3, {}, options);
  for (let i = 0; i + 1 < n; i++) net.link(i, i + 1);
  net.start();
  net.run(30_000);
  return net;
}

function counter(net: DhtNet, name: string): number {
  return net.nodes.reduce((sum, n) => sum + (n.counters()[name] ?? 0), 0);
}

describe('DHT caps', function () {
  this.timeout(60_000);

  it('refuses a version more than MAX_VERSION_JUMP ahead of the held one (2^32 - 1 locks nothing)', () => {
    const net = line(3);
    const d = net.dhts[0];
    const locked = net.call((done) => d.put('k', bytes('x'), { version: 0xffffffff }, done));
    assert.equal(locked.ok, false);
    assert.match(locked.error!, /more than 65536 ahead/);
    assert.equal(counter(net, 'cap.dht.versionJump'), 1);
    assert.ok(net.call((done) => d.put('k', bytes('a'), { version: MAX_VERSION_JUMP }, done)).ok);
    const jump = net.call((done) => d.put('k', bytes('b'), { version: 2 * MAX_VERSION_JUMP + 1 }, done));
    assert.equal(jump.ok, false, 'a second jump too far');
    const next = net.call((done) => d.put('k', bytes('c'), {}, done));
    assert.deepEqual([next.ok, next.version], [true, MAX_VERSION_JUMP + 1], 'the key still takes writes');
    assert.ok(net.call((done) => d.delete('k', done)).ok, 'and can be deleted');
  });

  it('refuses new keys beyond the per-origin cap and the total cap, and keeps updating held ones', () => {
    const net = line(3, { maxEntries: 12, maxEntriesPerOrigin: 5 });
    const d = net.dhts[1];
    // On three nodes every node holds every key (as owner or replica): five keys of one origin fit.
    const results = Array.from({ length: 5 }, (_, i) =>
      net.call((done) => d.put(`key-${i}`, bytes('v'), {}, done)),
    );
    assert.ok(results.every((r) => r.ok));
    const more = Array.from({ length: 30 }, (_, i) =>
      net.call((done) => d.put(`more-${i}`, bytes('v'), {}, done)),
    );
    assert.ok(
      more.some((r) => !r.ok),
      'some new key refused',
    );
    assert.ok(counter(net, 'cap.dht.perOrigin') > 0);
    // Other origins fill the tables up to the total cap.
    for (let i = 0; i < 20; i++) net.call((done) => net.dhts[i % 3].put(`other-${i}`, bytes('v'), {}, done));
    assert.ok(counter(net, 'cap.dht.total') > 0);
    for (const x of net.dhts) {
      assert.ok(x.store.size <= 12, `${x.store.size} entries`);
      assert.ok(x.store.largestOrigin() <= 5);
      assert.deepEqual(x.store.checkInvariants(), []);
    }
    assert.ok(net.call((done) => d.put('key-0', bytes('w'), {}, done)).ok, 'a held key is updated');
  });

  it('asks the write rule for every PUT, DELETE and transfer stored', () => {
    const refused: string[] = [];
    const writePolicy: DhtOptions['writePolicy'] = (key, copy) => {
      const k = new TextDecoder().decode(key);
      if (k.startsWith('mine:') && copy.origin !== net.nodes[0].address) {
        refused.push(k);
        return 'not its own';
      }
      return null;
    };
    const net = line(3, { writePolicy });
    assert.ok(net.call((done) => net.dhts[0].put('mine:a', bytes('1'), {}, done)).ok);
    const other = net.call((done) => net.dhts[2].put('mine:a', bytes('2'), {}, done));
    assert.equal(other.ok, false);
    assert.equal(net.call((done) => net.dhts[2].delete('mine:a', done)).ok, false);
    assert.ok(net.call((done) => net.dhts[2].put('free', bytes('2'), {}, done)).ok);
    assert.ok(counter(net, 'dht.refused.policy') >= 2);
    const got = net.call((done) => net.dhts[1].get('mine:a', done));
    assert.equal(new TextDecoder().decode(got.value), '1');
  });

  it('lets a replica lapse unless its owner confirms it, and owners confirm theirs', () => {
    const hold = 20_000;
    const net = line(3, { replicaHoldMs: hold });
    assert.ok(net.call((done) => net.dhts[0].put('kept', bytes('v'), {}, done)).ok);
    // A replica copy at node 2 that nobody confirms (a hand-off of it pretends to be under way, so none is sent).
    const key = bytes('planted');
    net.dhts[2].store.set({
      key,
      hash: hashKey(key),
      value: bytes('x'),
      version: 1,
      origin: 0x02000000dead,
      expiresAt: null,
      tombstone: false,
      role: 'replica',
      owner: 0x02000000beef,
      replicas: new Map(),
      inFlight: new Map([['handoff', 1]]),
      heldUntil: net.now + hold,
      confirmedAt: 0,
    });
    net.run(hold / 2);
    assert.ok(net.dhts[2].store.get(key, net.now), 'held until its hold runs out');
    net.run(hold);
    assert.equal(net.dhts[2].store.get(key, net.now), undefined, 'lapsed');
    assert.ok(counter(net, 'dht.replica.lapsed') >= 1);
    // The real key outlived several holds: its owner confirmed its replicas every third of one.
    const holders = net.dhts.filter((x) => x.store.get(bytes('kept'), net.now) !== undefined);
    assert.ok(holders.length >= 2, `${holders.length} holders of a key put ${4 * hold} ms ago`);
    for (const x of net.dhts) assert.deepEqual(x.store.checkInvariants(), []);
  });
});
