// The anti-replay window across large jumps of the counter: frames lost in a burst make the counter jump by 32, 64
// or more at once, and the window must then neither refuse counters it never saw nor admit one twice.

import assert from 'node:assert/strict';
import { REPLAY_WINDOW, ReplayWindow } from '../../../../src/vrr/auth/replay-window.ts';
import { createRng } from '../../../../src/vrr/rng.ts';

/** Feeds counters to a window and to a plain set model; every answer must agree. */
function checkAgainstModel(first: number, counters: number[]): void {
  const w = new ReplayWindow(1, first);
  const seen = new Set([first]);
  let highest = first;
  for (const c of counters) {
    const expected = !seen.has(c) && c > highest - REPLAY_WINDOW;
    assert.equal(w.accept(c), expected, `counter ${c} after highest ${highest} (first ${first})`);
    if (expected) {
      seen.add(c);
      highest = Math.max(highest, c);
    }
  }
}

describe('keyed meshes: ReplayWindow jumps', () => {
  // Pins each branch of the shift: by < 32, exactly 32, 33..63, exactly 64, beyond 64; after each jump the counters
  // left behind are accepted once if they are inside the window and never seen, and refused if seen.
  for (const jump of [1, 31, 32, 33, 40, 63, 64, 65, 100, 1000]) {
    it(`a jump of ${jump} keeps exactly the seen counters marked`, () => {
      const before = [101, 103, 104, 110, 131, 140, 163];
      const after = [];
      const top = 163 + jump;
      for (let c = top; c >= top - REPLAY_WINDOW - 2; c--) after.push(c);
      // Every counter twice: first answer as the model says, the second one a replay.
      checkAgainstModel(100, [...before, top, ...after, ...after]);
    });
  }

  // Pins the same on a random stream with jumps of up to 3 windows and reordering of up to 2 windows.
  it('matches a plain set of accepted counters on a random stream with large jumps', () => {
    const rng = createRng(11);
    const counters: number[] = [];
    let highest = 1000;
    for (let i = 0; i < 20_000; i++) {
      const c = Math.max(0, highest + rng.int(5 * REPLAY_WINDOW) - 2 * REPLAY_WINDOW);
      counters.push(c);
      highest = Math.max(highest, c);
    }
    checkAgainstModel(1000, counters);
  });
});
