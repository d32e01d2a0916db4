// NodeContext (src/vrr/node-context.ts), built directly on a fake environment: the node-wide timers and the
// order in which a node draws from its rng when it is built.

import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/vrr/config.ts';
import type { VrrEnv } from '../../../src/vrr/env.ts';
import { NodeContext } from '../../../src/vrr/node-context.ts';
import { createRng, type Rng } from '../../../src/vrr/rng.ts';
import { createOptionRegistry } from '../../../src/vrr/wire/option-registry.ts';
import { TestNet } from './harness.ts';

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

  describe('through whole nodes', () => {
    it('a lone node becomes the first node of a ring after bootstrapHellos periods without an active neighbour', () => {
      const net = new TestNet([ME]).start();
      const c = net.nodes[0].config;
      net.run((c.bootstrapHellos - 0.6) * c.helloMs);
      assert.ok(!net.nodes[0].isActive(), 'not before bootstrapHellos periods');
      net.run(2 * c.helloMs);
      assert.ok(net.nodes[0].isActive());
      const why = net.events.find((e) => e.event.type === 'active');
      assert.ok(why?.event.type === 'active' && /first node of a ring/.test(why.event.why));
    });

    it('a node that hears of a smaller representative waits for it instead of starting a ring of its own', () => {
      // B (larger) next to A (smaller): A starts the ring, B joins it; B never becomes active on its own.
      const net = new TestNet([ME + 0x10, ME]).link(0, 1).start();
      net.run(20_000);
      const firsts = net.events.filter(
        (e) => e.event.type === 'active' && /first node of a ring/.test(e.event.why),
      );
      assert.deepEqual(
        firsts.map((e) => e.node),
        [1],
        'only the smaller node starts a ring',
      );
      assert.ok(net.nodes[0].isActive() && net.nodes[0].vsetMembers().includes(ME));
    });

    it('a period that fires over half a period late is counted', () => {
      const net = new TestNet([ME, ME + 0x10]).link(0, 1).start();
      net.run(10_000);
      const before = net.nodes[0].counters().lateTimers ?? 0;
      net.stall(0, 0.4 * net.nodes[0].config.helloMs);
      net.run(3000);
      assert.equal(net.nodes[0].counters().lateTimers ?? 0, before, 'under half a period late: not counted');
      net.stall(0, 2 * net.nodes[0].config.helloMs);
      net.run(3000);
      assert.ok((net.nodes[0].counters().lateTimers ?? 0) > before);
    });
  });
});
