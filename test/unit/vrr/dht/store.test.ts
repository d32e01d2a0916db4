import assert from 'node:assert/strict';
import { DhtStore, hashKey, isExpired, type DhtEntry } from '../../../../src/vrr/dht/index.ts';

const ME = 0x020000000001;
const OTHER = 0x020000000002;
const copy = { version: 1, origin: OTHER, tombstone: false, value: Uint8Array.of(1) };

function entry(key: string, extra: Partial<DhtEntry> = {}): DhtEntry {
  const k = new TextEncoder().encode(key);
  return {
    key: k,
    hash: hashKey(k),
    value: Uint8Array.of(1),
    version: 1,
    origin: OTHER,
    expiresAt: null,
    tombstone: false,
    role: 'owner',
    owner: ME,
    replicas: new Map(),
    inFlight: new Map(),
    heldUntil: extra.role === 'replica' ? 1000 : null,
    confirmedAt: 0,
    ...extra,
  };
}

describe('DhtStore', () => {
  it('stores by key bytes and finds a key given as another array with the same bytes', () => {
    const store = new DhtStore(ME);
    store.set(entry('a'));
    assert.equal(store.get(new TextEncoder().encode('a'), 0)?.version, 1);
    store.set(entry('a', { version: 2 }));
    assert.equal(store.size, 1);
    assert.equal(store.get(Uint8Array.of(0x61), 0)?.version, 2);
    assert.ok(store.remove(Uint8Array.of(0x61)));
    assert.equal(store.size, 0);
  });

  it('hides expired entries from lookups and sweeps them', () => {
    const store = new DhtStore(ME);
    store.set(entry('a', { expiresAt: 100 }));
    store.set(entry('b'));
    assert.ok(store.get(Uint8Array.of(0x61), 99));
    assert.equal(store.get(Uint8Array.of(0x61), 100), undefined);
    assert.ok(isExpired({ expiresAt: 100 }, 100) && !isExpired({ expiresAt: null }, 1e15));
    assert.deepEqual(
      store.sweep(100).map((e) => e.version),
      [1],
    );
    assert.equal(store.size, 1);
  });

  it('refuses entries that break its invariants', () => {
    const store = new DhtStore(ME);
    const bad: [string, Partial<DhtEntry>][] = [
      ['hash', { hash: 5 }],
      ['version 0', { version: 0 }],
      ['version', { version: 2 ** 32 }],
      ['role', { role: 'owner', owner: OTHER }],
      ['role', { role: 'replica', owner: ME }],
      ['replica lists', { role: 'replica', owner: OTHER, replicas: new Map([[OTHER, copy]]) }],
      ['itself', { replicas: new Map([[ME, copy]]) }],
      ['tombstone', { tombstone: true, expiresAt: null, value: new Uint8Array(0) }],
      ['tombstone', { tombstone: true, expiresAt: 5 }],
      ['key \\+ value', { value: new Uint8Array(2000) }],
    ];
    for (const [why, extra] of bad) {
      assert.throws(() => store.set(entry('k', extra)), new RegExp(why), why);
    }
    assert.throws(() => store.set(entry('')), /key of 0 bytes/);
    assert.throws(() => store.set(entry('k'.repeat(256))), /key of 256 bytes/);
    assert.equal(store.size, 0);
    store.set(entry('k', { tombstone: true, expiresAt: 5, value: new Uint8Array(0) }));
    store.set(entry('r', { role: 'replica', owner: OTHER }));
    assert.deepEqual(store.checkInvariants(), []);
  });

  it('reports entries corrupted after insertion', () => {
    const store = new DhtStore(ME);
    const e = entry('x');
    store.set(e);
    e.role = 'replica';
    assert.match(store.checkInvariants().join('\n'), /role replica with owner/);
  });

  // checkInvariants is what the tests lean on: it must see a key changed in place, a table set past its caps
  // (set() does not refuse: the DHT asks refusal() first) and per-origin counts that drifted.
  it('reports a key changed in place, a table past its caps and counts that drifted', () => {
    const A = 0x020000000011;
    const B = 0x020000000012;
    const store = new DhtStore(ME, { total: 1, perOrigin: 1 });
    const e = entry('a', { origin: A });
    store.set(e);
    assert.deepEqual(store.checkInvariants(), []);
    store.set(entry('b', { origin: A }));
    assert.deepEqual(store.checkInvariants(), ['2 entries, cap 1', `origin ${A}: 2 entries, cap 1`]);
    store.remove(Uint8Array.of(0x62));
    e.key = Uint8Array.of(0x7a);
    e.hash = hashKey(e.key);
    assert.deepEqual(store.checkInvariants(), ['entry under 61 has key 7a']);
    const drifting = new DhtStore(ME);
    const c = entry('c', { origin: A });
    drifting.set(c);
    drifting.set(entry('d', { origin: A }));
    drifting.retag(c, B); // counted as B's, though the entry still says A
    assert.deepEqual(drifting.checkInvariants(), [
      `origin ${A}: 2 entries, counted 1`,
      'entries counted for origins that have none',
    ]);
  });

  it('refuses a key beyond its total cap and an origin beyond its cap, and counts entries per origin', () => {
    const store = new DhtStore(ME, { total: 4, perOrigin: 2 });
    const A = 0x020000000011;
    const B = 0x020000000012;
    const C = 0x020000000013;
    store.set(entry('a1', { origin: A }));
    store.set(entry('a2', { origin: A }));
    assert.equal(store.refusal(Uint8Array.of(0x61, 0x33), A), 'perOrigin', 'a third key of A');
    assert.equal(store.refusal(new TextEncoder().encode('a1'), A), null, 'a new copy of a key A holds');
    assert.equal(store.refusal(new TextEncoder().encode('a1'), B), null, 'another origin takes over a key');
    store.set(entry('b1', { origin: B }));
    store.set(entry('c1', { origin: C }));
    assert.equal(store.refusal(Uint8Array.of(0x7a), C), 'total', 'a fifth key');
    assert.equal(store.refusal(new TextEncoder().encode('c1'), C), null, 'an update of a held key');
    // A copy replaced in place by another origin's moves the count.
    const e = store.get(new TextEncoder().encode('a1'), 0)!;
    store.retag(e, B);
    e.origin = B;
    assert.equal(store.countOf(A), 1);
    assert.equal(store.countOf(B), 2);
    assert.deepEqual(store.checkInvariants(), []);
    store.remove(new TextEncoder().encode('b1'));
    assert.equal(store.countOf(B), 1);
    assert.deepEqual(store.sweep(0), []);
    assert.deepEqual(store.checkInvariants(), []);
  });

  // The per-origin counts decide the caps: every way an entry leaves or changes hands must keep them exact.
  it('keeps the per-origin counts exact through sweep, a remove of an absent key and a retag before set', () => {
    const store = new DhtStore(ME);
    const A = 0x020000000011;
    store.set(entry('a', { origin: A, expiresAt: 100 }));
    store.set(entry('b', { origin: A }));
    assert.equal(store.sweep(100).length, 1);
    assert.equal(store.countOf(A), 1);
    assert.equal(store.remove(Uint8Array.of(0x7a)), false, 'not held');
    assert.equal(store.countOf(A), 1);
    const fresh = entry('c', { origin: 0 });
    store.retag(fresh, A); // not in the table yet: set() counts it
    fresh.origin = A;
    store.set(fresh);
    assert.equal(store.countOf(A), 2);
    assert.equal(store.largestOrigin(), 2);
    assert.deepEqual(store.checkInvariants(), []);
  });

  // The limits are inclusive: a key of DHT_MAX_KEY_BYTES, key + value of DHT_MAX_ENTRY_BYTES, version 2^32 - 1.
  it('takes entries exactly at its bounds', () => {
    const store = new DhtStore(ME);
    store.set(entry('k'.repeat(255)));
    store.set(entry('v', { value: new Uint8Array(1999), version: 0xffffffff }));
    assert.equal(store.size, 2);
    assert.deepEqual(store.checkInvariants(), []);
  });

  it('sets heldUntil exactly on replicas', () => {
    const store = new DhtStore(ME);
    assert.throws(
      () => store.set(entry('r', { role: 'replica', owner: OTHER, heldUntil: null })),
      /heldUntil/,
    );
    assert.throws(() => store.set(entry('o', { heldUntil: 5 })), /heldUntil/);
    store.set(entry('r', { role: 'replica', owner: OTHER }));
    assert.deepEqual(store.checkInvariants(), []);
  });
});
