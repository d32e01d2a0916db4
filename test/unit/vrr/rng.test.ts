import assert from 'node:assert/strict';
import { createRng, deriveSeed } from '../../../src/vrr/rng.ts';

describe('vrr/rng', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    for (let i = 0; i < 1000; i++) assert.equal(a.u32(), b.u32());
  });

  it('differs between seeds and stays in range', () => {
    const a = createRng(1);
    const b = createRng(2);
    let same = 0;
    for (let i = 0; i < 100; i++) {
      const x = a.next();
      assert.ok(x >= 0 && x < 1);
      if (x === b.next()) same++;
      const v = a.u48();
      assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 48);
      const k = a.int(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    }
    assert.ok(same < 3);
  });

  it('is roughly uniform', () => {
    const rng = createRng(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(rng.next() * 10)]++;
    for (const b of buckets) assert.ok(b > 9_500 && b < 10_500, `bucket ${b}`);
  });

  it('derives per-name seeds that do not depend on other names', () => {
    assert.equal(deriveSeed(5, 'alpha'), deriveSeed(5, 'alpha'));
    assert.notEqual(deriveSeed(5, 'alpha'), deriveSeed(5, 'beta'));
    assert.notEqual(deriveSeed(5, 'alpha'), deriveSeed(6, 'alpha'));
  });

  it('refuses to pick from an empty list', () => {
    assert.throws(() => createRng(1).pick([]), /non-empty/);
  });
});

describe('vrr/rng composition', () => {
  // Pins how u48 is made: the low 16 bits of one draw above a whole second draw, so it covers [0, 2^48) and the
  // sequence (hence every replayed run) stays the same.
  it('builds u48 from two u32 draws, high part first', () => {
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 50; i++) {
      const high = b.u32() % 2 ** 16;
      const low = b.u32();
      assert.equal(a.u48(), high * 2 ** 32 + low);
    }
  });

  // Pins that seeds beyond 32 bits still count: two run seeds that differ only above bit 32 give different nodes.
  it('derives different seeds from run seeds that differ only above 32 bits', () => {
    assert.notEqual(deriveSeed(2 ** 32 + 5, 'alpha'), deriveSeed(5, 'alpha'));
    assert.notEqual(deriveSeed(3 * 2 ** 32, 'alpha'), deriveSeed(2 ** 32, 'alpha'));
  });
});
