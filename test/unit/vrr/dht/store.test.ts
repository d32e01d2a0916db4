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
});
