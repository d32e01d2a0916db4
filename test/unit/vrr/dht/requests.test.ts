import assert from 'node:assert/strict';
import { RequestTable } from '../../../../src/vrr/dht/requests.ts';
import { createRng } from '../../../../src/vrr/rng.ts';

/** A clock of armed timers that the test fires by hand. */
function manualClock() {
  const timers: { at: number; fire: () => void; dead: boolean }[] = [];
  let now = 0;
  return {
    rng: createRng(7),
    setTimer(ms: number, fire: () => void) {
      const t = { at: now + ms, fire, dead: false };
      timers.push(t);
      return { cancel: () => (t.dead = true) };
    },
    /** Fires the next live timer; returns its delay from the previous time, or null. */
    next(): number | null {
      timers.sort((a, b) => a.at - b.at);
      const i = timers.findIndex((t) => !t.dead);
      if (i < 0) return null;
      const [t] = timers.splice(i, 1);
      const delay = t.at - now;
      now = t.at;
      t.fire();
      return delay;
    },
  };
}

describe('RequestTable', () => {
  it('retries with doubling, jittered waits and fails once after the last attempt', () => {
    const clock = manualClock();
    const table = new RequestTable<string>(clock, { attempts: 4, firstTimeoutMs: 100 });
    const sends: number[] = [];
    const results: string[] = [];
    table.start(
      1,
      (attempt) => sends.push(attempt),
      (r) => results.push(r),
      (n) => `timeout after ${n}`,
    );
    const waits: number[] = [];
    for (let d = clock.next(); d !== null; d = clock.next()) waits.push(d);
    assert.deepEqual(sends, [1, 2, 3, 4]);
    assert.deepEqual(results, ['timeout after 4']);
    waits.forEach((w, i) => {
      const base = 100 * 2 ** i;
      assert.ok(w >= 0.75 * base && w < 1.25 * base, `wait ${i}: ${w}`);
    });
    assert.equal(table.size, 0);
  });

  it('runs done exactly once: a late or duplicate answer is ignored', () => {
    const clock = manualClock();
    const table = new RequestTable<string>(clock, { attempts: 3, firstTimeoutMs: 100 });
    const results: string[] = [];
    table.start(
      9,
      () => {},
      (r) => results.push(r),
      () => 'timeout',
    );
    assert.ok(table.settle(9, 'answer'));
    assert.ok(!table.settle(9, 'again'));
    while (clock.next() !== null);
    assert.deepEqual(results, ['answer']);
  });

  it('settles a request answered synchronously by its first send, and refuses a duplicate id', () => {
    const clock = manualClock();
    const table = new RequestTable<string>(clock, { attempts: 3, firstTimeoutMs: 100 });
    const results: string[] = [];
    table.start(
      5,
      () => table.settle(5, 'local'),
      (r) => results.push(r),
      () => 'timeout',
    );
    assert.deepEqual(results, ['local']);
    assert.equal(clock.next(), null, 'the retry timer was cancelled');
    table.start(
      6,
      () => {},
      () => {},
      () => 'x',
    );
    assert.throws(
      () =>
        table.start(
          6,
          () => {},
          () => {},
          () => 'x',
        ),
      /already outstanding/,
    );
    table.settleAll(() => 'stopped');
    assert.equal(table.size, 0);
  });
});
