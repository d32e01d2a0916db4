// WallEnv's timers: afterTimer (the process's housekeeping) runs after each timer the node's core set has fired,
// also after a late one (which runs after the loop's next poll), and never for a cancelled one.

import assert from 'node:assert/strict';
import { WallEnv } from '../../src/daemon/wall-env.ts';
import { createRng } from '../../src/vrr/rng.ts';

describe('WallEnv', () => {
  it('runs afterTimer after every timer that fires, never for a cancelled one', async () => {
    const order: string[] = [];
    const env = new WallEnv(createRng(1), () => order.push('after'));
    env.setTimer(5, () => order.push('a'));
    const cancelled = env.setTimer(5, () => order.push('cancelled'));
    cancelled.cancel();
    env.setTimer(10, () => order.push('b'));
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(order, ['a', 'after', 'b', 'after']);
  });

  it('runs afterTimer after a late timer too', async () => {
    const order: string[] = [];
    const env = new WallEnv(createRng(1), () => order.push('after'));
    env.setTimer(1, () => order.push('late'));
    const until = performance.now() + 50; // the loop is blocked past LATE_MS: the timer fires late
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, ['late', 'after']);
  });

  it('has no housekeeping unless given one', async () => {
    const env = new WallEnv(createRng(1));
    let fired = 0;
    env.setTimer(1, () => fired++);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired, 1);
  });
});
