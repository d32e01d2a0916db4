import assert from 'node:assert/strict';
import { RING_SIZE } from '../../../src/vrr/address.ts';
import { createRng } from '../../../src/vrr/rng.ts';
import { closestOnEachSide, nearEnough, Vset } from '../../../src/vrr/vset.ts';

/** Checks the vset invariants of src/vrr/vset.ts. */
function assertInvariants(v: Vset): void {
  const m = v.members();
  assert.ok(!m.includes(v.me), 'never contains me');
  assert.equal(new Set(m).size, m.length, 'no duplicates');
  assert.ok(m.length <= v.r, 'size <= r');
  const keep = closestOnEachSide(v.me, m, v.r);
  for (const x of m) assert.ok(keep.has(x), `${x} is among the r/2 nearest on a side`);
}

describe('vrr/vset', () => {
  it('accepts anyone while it has fewer than r members', () => {
    const v = new Vset(1000, 4);
    for (const x of [5000, 900_000, 2000]) {
      assert.ok(v.shouldAdd(x));
      assert.deepEqual(v.add(x), []);
      assertInvariants(v);
    }
    assert.ok(v.shouldAdd(10 ** 12), 'a far node still fits while size < r');
    assert.ok(!v.shouldAdd(1000), 'never me');
    assert.ok(!v.shouldAdd(5000), 'never a member');
  });

  it('keeps r/2 per side and evicts the one a closer node pushes out', () => {
    const v = new Vset(1000, 4);
    for (const x of [1100, 1200, 900, 800]) v.add(x);
    assert.ok(!v.shouldAdd(1300), 'farther than both clockwise members');
    assert.ok(!v.shouldAdd(700), 'farther than both counter-clockwise members');
    assert.ok(v.shouldAdd(1050));
    assert.deepEqual(v.add(1050), [1200]);
    assert.ok(v.shouldAdd(950));
    assert.deepEqual(v.add(950), [800]);
    assert.deepEqual(new Set(v.members()), new Set([1100, 1050, 900, 950]));
    assertInvariants(v);
  });

  it('works on both sides of the wrap (node just above 0)', () => {
    const top = RING_SIZE - 100;
    const v = new Vset(50, 4);
    for (const x of [60, 70, top, top - 50]) v.add(x);
    assertInvariants(v);
    // top + 10 is 140 counter-clockwise of 50, closer than top - 50 (200 away): it must get in.
    assert.ok(v.shouldAdd(top + 10));
    assert.deepEqual(v.add(top + 10), [top - 50]);
    assert.ok(!v.shouldAdd(top - 10), 'farther counter-clockwise than both members');
    assert.ok(v.shouldAdd(55));
  });

  it('works on both sides of the wrap (node just below 2^48)', () => {
    const me = RING_SIZE - 10;
    const v = new Vset(me, 4);
    for (const x of [5, 20, me - 5, me - 20]) v.add(x);
    assertInvariants(v);
    assert.ok(v.shouldAdd(1), 'clockwise across the wrap');
    assert.deepEqual(v.add(1), [20]);
    assert.ok(!v.shouldAdd(30));
  });

  it('lets a small ring be on both sides at once', () => {
    const v = new Vset(100, 4);
    v.add(200);
    v.add(300);
    assertInvariants(v);
    assert.deepEqual(closestOnEachSide(100, [200, 300], 4), new Set([200, 300]));
  });

  it('reports whether it is the smallest of its ring', () => {
    const v = new Vset(100, 4);
    assert.ok(v.hasNoSmallerMember());
    v.add(200);
    v.add(RING_SIZE - 5);
    assert.ok(v.hasNoSmallerMember(), 'the wrap-around member is numerically larger');
    const w = new Vset(300, 4);
    w.add(200);
    assert.ok(!w.hasNoSmallerMember());
  });

  it('nearEnough agrees with closestOnEachSide on random sets, around the wrap and with few candidates', () => {
    const rng = createRng(17);
    for (let trial = 0; trial < 2000; trial++) {
      const r = 2 * (1 + rng.int(3));
      const me = trial % 3 === 0 ? rng.int(1000) : rng.int(RING_SIZE);
      const known = Array.from({ length: rng.int(12) }, () =>
        trial % 3 === 0 ? RING_SIZE - 1 - rng.int(1000) : rng.int(RING_SIZE),
      );
      const c = rng.int(RING_SIZE);
      const expected = closestOnEachSide(me, [...known, c], r).has(c);
      assert.equal(
        nearEnough(me, c, new Set(known), r),
        expected,
        `me ${me}, c ${c}, r ${r}, known ${known}`,
      );
    }
  });

  it('refuses to hold its own node, counts and removes members', () => {
    const v = new Vset(1000, 4);
    assert.throws(() => v.add(1000), /cannot be its own virtual neighbour/);
    assert.equal(v.size, 0);
    v.add(2000);
    v.add(3000);
    assert.equal(v.size, 2);
    assert.ok(v.remove(2000));
    assert.ok(!v.remove(2000), 'not a member any more');
    assert.equal(v.size, 1);
    assert.deepEqual(v.members(), [3000]);
    assert.ok(!v.has(2000) && v.has(3000));
  });

  it('with r members, shouldAdd takes only a node nearer than a member on one side', () => {
    const v = new Vset(1000, 2);
    v.add(1100);
    v.add(900);
    assert.equal(v.size, 2);
    assert.ok(v.shouldAdd(1050) && v.shouldAdd(950), 'nearer on either side');
    assert.ok(!v.shouldAdd(1200) && !v.shouldAdd(800), 'farther on either side');
  });
});
