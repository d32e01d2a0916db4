// NodeContext (src/vrr/node-context.ts), built directly on a fake environment: the node-wide timers and the
// order in which a node draws from its rng when it is built.

import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/vrr/config.ts';
import type { VrrEnv } from '../../../src/vrr/env.ts';
import { NodeContext } from '../../../src/vrr/node-context.ts';
import { createRng, type Rng } from '../../../src/vrr/rng.ts';
import { createOptionRegistry } from '../../../src/vrr/wire/option-registry.ts';

const ME = 0x020000000010;

/** A fake env whose timers wait in a list and whose rng records each draw's method. */
function fakeEnv(draws: string[] = []) {
  const timers: { fire: () => void; dead: boolean }[] = [];
  const inner = createRng(5);
  const rng: Rng = {
    next: () => (draws.push('next'), inner.next()),
    int: (n) => (draws.push('int'), inner.int(n)),
    u32: () => (draws.push('u32'), inner.u32()),
    u48: () => (draws.push('u48'), inner.u48()),
    pick: (items) => (draws.push('pick'), inner.pick(items)),
    fork: (label) => (draws.push('fork'), inner.fork(label)),
  };
  const env: VrrEnv = {
    now: () => 0,
    setTimer: (_ms, fire) => {
      const t = { fire, dead: false };
      timers.push(t);
      return { cancel: () => void (t.dead = true) };
    },
    rng,
    send: () => {},
    deliver: () => {},
    emit: () => {},
  };
  const fireAll = () => {
    for (const t of timers.splice(0)) if (!t.dead) t.fire();
  };
  return { env, timers, fireAll };
}

describe('vrr/node-context', () => {
  it('draws from the node rng in a fixed order when built: representatives, hellos, reliability', () => {
    const draws: string[] = [];
    const { env } = fakeEnv(draws);
    new NodeContext(resolveConfig({ address: ME }), env, createOptionRegistry());
    assert.deepEqual(draws, ['u32', 'int', 'u32']);
  });

  it('tracks its timers until they fire or are cancelled, and runs none once stopped', () => {
    const { env, fireAll } = fakeEnv();
    const ctx = new NodeContext(resolveConfig({ address: ME }), env, createOptionRegistry());
    ctx.start();
    const fired: string[] = [];
    ctx.timer(10, () => fired.push('a'));
    const b = ctx.timer(10, () => fired.push('b'));
    ctx.timer(-5, () => fired.push('c')); // a negative delay is armed as 0
    assert.equal(ctx.armedTimers, 3);
    b.cancel();
    assert.equal(ctx.armedTimers, 2);
    fireAll();
    assert.deepEqual(fired, ['a', 'c']);
    assert.equal(ctx.armedTimers, 0, 'a fired timer forgets itself');

    ctx.timer(10, () => fired.push('d'));
    ctx.timer(10, () => fired.push('e'));
    ctx.stopTimers();
    assert.equal(ctx.armedTimers, 0);
    ctx.running = false;
    ctx.timer(10, () => fired.push('f'));
    fireAll();
    assert.deepEqual(fired, ['a', 'c'], 'cancelled timers and a stopped node run nothing');
  });

  it('counts into one record, in the order counters first appear', () => {
    const { env } = fakeEnv();
    const ctx = new NodeContext(resolveConfig({ address: ME }), env, createOptionRegistry());
    ctx.count('b');
    ctx.count('a', 3);
    ctx.count('b');
    assert.deepEqual(Object.entries(ctx.stats), [
      ['b', 2],
      ['a', 3],
    ]);
  });
});
