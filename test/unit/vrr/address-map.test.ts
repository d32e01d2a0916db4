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
