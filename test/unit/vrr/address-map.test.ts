import assert from 'node:assert/strict';
import { AddressMap } from '../../../src/vrr/address-map.ts';
import { createRng } from '../../../src/vrr/rng.ts';

/** Checks the map against a Map (same entries, same insertion order). */
function assertSame(m: AddressMap<number>, ref: Map<number, number>, step: number): void {
  assert.equal(m.size, ref.size, `size at step ${step}`);
  assert.deepEqual([...m.values()], [...ref.values()], `values in insertion order at step ${step}`);
  assert.deepEqual(m.valueList(), [...ref.values()]);
  for (const [k, v] of ref) assert.equal(m.get(k), v, `get(${k}) at step ${step}`);
}

describe('vrr/address-map', () => {
  it('behaves as a Map keyed by 48-bit addresses, below and above the scan limit, for a seeded random workload', () => {
    const seed = 20261203;
    const rng = createRng(seed);
    // A small key space so that sets overwrite and deletes hit; 48-bit values like real addresses.
    const keys = Array.from({ length: 24 }, (_, i) => 0x0200_0000_0000 + i * 0x1_0000_0001);
    const m = new AddressMap<number>();
    const ref = new Map<number, number>();
    for (let step = 0; step < 5000; step++) {
      const k = keys[rng.int(keys.length)];
      if (rng.next() < 0.6) {
        m.set(k, step);
        ref.set(k, step);
      } else {
        assert.equal(m.delete(k), ref.delete(k), `delete(${k}) at step ${step} (seed ${seed})`);
      }
      assert.equal(m.has(k), ref.has(k));
      if (step % 50 === 0) assertSame(m, ref, step);
    }
    assertSame(m, ref, 5000);
    assert.equal(m.get(0x0300_0000_0000), undefined, 'a key never set');
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.get(keys[0]), undefined);
  });
});

describe('vrr/address-map valueList', () => {
  // Pins that valueList returns a copy: a caller that edits the list (sorts, splices) does not change the map.
  it('returns a new array each time, detached from the map', () => {
    const m = new AddressMap<string>();
    m.set(0x020000000001, 'a');
    m.set(0x020000000002, 'b');
    const list = m.valueList();
    assert.notEqual(list, m.valueList());
    list.length = 0;
    list.push('z');
    assert.deepEqual([...m.values()], ['a', 'b']);
    assert.deepEqual(m.valueList(), ['a', 'b']);
  });
});
