import assert from 'node:assert/strict';
import { SimClock } from '../../src/sim/sim-clock.ts';

describe('SimClock', () => {
  it('advances virtual time only through events', () => {
    const clock = new SimClock();
    const seen: number[] = [];
    clock.schedule(10, () => seen.push(clock.now()));
    clock.schedule(5, () => {
      seen.push(clock.now());
      clock.schedule(1, () => seen.push(clock.now()));
    });
    clock.runUntil(8);
    assert.deepEqual(seen, [5, 6]);
    assert.equal(clock.now(), 8);
    clock.runUntil(20);
    assert.deepEqual(seen, [5, 6, 10]);
    assert.equal(clock.eventsProcessed, 3);
  });

  it('cancels timers', () => {
    const clock = new SimClock();
    let fired = false;
    const t = clock.schedule(5, () => (fired = true));
    t.cancel();
    clock.runUntil(10);
    assert.equal(fired, false);
    assert.equal(clock.pendingEvents, 0);
  });

  it('runs events scheduled exactly at the stop time, and refuses to go back', () => {
    const clock = new SimClock();
    let fired = false;
    clock.at(10, () => (fired = true));
    clock.runUntil(10);
    assert.equal(fired, true);
    assert.throws(() => clock.runUntil(5), /cannot run the clock back/);
  });

  it('treats negative delays as zero', () => {
    const clock = new SimClock();
    clock.runUntil(3);
    let at = -1;
    clock.schedule(-5, () => (at = clock.now()));
    clock.step();
    assert.equal(at, 3);
  });
});
