import assert from 'node:assert/strict';
import { LOOP_GUARD_KEPT, LoopGuard, ROUTED_FAIL, ROUTED_REQ } from '../../../src/vrr/loop-guard.ts';

const A = 0x020000000010;
const B = 0x020000000020;

describe('vrr/loop-guard (routed requests seen lately)', () => {
  it('a second sighting of (kind, source, token) is a loop; another kind or source is not', () => {
    const g = new LoopGuard();
    assert.equal(g.seenBefore(ROUTED_REQ, A, 7), false);
    assert.equal(g.seenBefore(ROUTED_REQ, A, 7), true);
    assert.equal(g.seenBefore(ROUTED_FAIL, A, 7), false, 'a setup_fail is not its request');
    assert.equal(g.seenBefore(ROUTED_REQ, B, 8), false);
    // Another source with the same token takes the slot: the first one's next sighting is not a loop.
    assert.equal(g.seenBefore(ROUTED_REQ, B, 7), false);
    assert.equal(g.seenBefore(ROUTED_REQ, A, 7), false);
    assert.deepEqual(g.checkInvariants(), []);
  });

  it(`keeps the newest ${LOOP_GUARD_KEPT} requests, forgetting the oldest first, map and ring in step`, () => {
    const g = new LoopGuard();
    for (let t = 1; t <= LOOP_GUARD_KEPT + 10; t++) {
      assert.equal(g.seenBefore(ROUTED_REQ, A, t), false);
      assert.deepEqual(g.checkInvariants(), [], `after ${t}`);
    }
    assert.equal(g.size, LOOP_GUARD_KEPT);
    assert.equal(g.seenBefore(ROUTED_REQ, A, LOOP_GUARD_KEPT + 10), true, 'the newest is remembered');
    assert.equal(g.seenBefore(ROUTED_REQ, A, 1), false, 'the oldest was forgotten');
    assert.deepEqual(g.checkInvariants(), []);
  });

  it('keys stay small integers for any u32 token (the low 29 bits and the kind)', () => {
    const g = new LoopGuard();
    for (const token of [0, 1, 0x1fffffff, 0x20000000, 0xffffffff]) {
      g.seenBefore(ROUTED_FAIL, A, token);
      g.seenBefore(ROUTED_REQ, A, token);
    }
    assert.deepEqual(g.checkInvariants(), []);
    // 0x20000000 and 0 agree in their low 29 bits: one key (a loop one chance in a million would look like).
    assert.equal(g.seenBefore(ROUTED_REQ, A, 0x40000000), true);
  });

  // Pins the checker itself (the simulator's fuzzers call it after every step): each way the map and the ring of
  // keys can fall out of step is reported, so a bug that corrupts them cannot pass silently.
  it('checkInvariants reports a map and a ring out of step, too many keys, and a key out of range', () => {
    type Inside = { bySlot: Map<number, number>; order: Int32Array; count: number; next: number };
    const fresh = () => {
      const g = new LoopGuard();
      for (let t = 1; t <= 3; t++) g.seenBefore(ROUTED_REQ, A, t);
      return { g, inside: g as unknown as Inside };
    };
    let { g, inside } = fresh();
    inside.bySlot.set(999, A);
    assert.deepEqual(g.checkInvariants(), ['4 keys, 3 in the ring']);
    ({ g, inside } = fresh());
    inside.bySlot.delete(inside.order[1]);
    inside.bySlot.set(998, A);
    assert.deepEqual(g.checkInvariants(), [`ring key ${inside.order[1]} not in the map`]);
    ({ g, inside } = fresh());
    inside.bySlot.delete(inside.order[0]);
    inside.order[0] = -2;
    inside.bySlot.set(-2, A);
    assert.deepEqual(g.checkInvariants(), ['key -2 is not a small integer']);
    ({ g, inside } = fresh());
    inside.bySlot.delete(inside.order[2]);
    inside.order[2] = 2 ** 30;
    inside.bySlot.set(2 ** 30, A);
    assert.deepEqual(g.checkInvariants(), [`key ${2 ** 30} is not a small integer`]);
    // A full ring starts at `next`: its oldest key; one past the capacity is too many.
    const full = new LoopGuard();
    for (let t = 1; t <= LOOP_GUARD_KEPT + 5; t++) full.seenBefore(ROUTED_REQ, A, t);
    const f = full as unknown as Inside;
    const oldest = f.order[f.next];
    f.bySlot.delete(oldest);
    f.bySlot.set(997, A);
    assert.deepEqual(full.checkInvariants(), [`ring key ${oldest} not in the map`]);
    f.bySlot.delete(997);
    f.bySlot.set(oldest, A);
    f.count = LOOP_GUARD_KEPT + 1;
    f.bySlot.set(996, A);
    assert.ok(
      full.checkInvariants().includes(`${LOOP_GUARD_KEPT + 1} keys kept, at most ${LOOP_GUARD_KEPT}`),
      'too many keys',
    );
  });
});
