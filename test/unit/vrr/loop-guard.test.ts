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
});
