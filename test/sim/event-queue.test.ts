import assert from 'node:assert/strict';
import { EventQueue } from '../../src/sim/event-queue.ts';
import { createRng } from '../../src/vrr/rng.ts';

describe('EventQueue', () => {
  it('pops events in time order', () => {
    const q = new EventQueue();
    const fired: number[] = [];
    for (const t of [5, 1, 4, 2, 3]) q.push(t, () => fired.push(t));
    while (q.size > 0) q.pop()!.fire();
    assert.deepEqual(fired, [1, 2, 3, 4, 5]);
  });

  it('is stable: events at the same time fire in insertion order', () => {
    const q = new EventQueue();
    const fired: string[] = [];
    for (const label of ['a', 'b', 'c', 'd']) q.push(7, () => fired.push(label));
    q.push(3, () => fired.push('early'));
    for (const label of ['e', 'f']) q.push(7, () => fired.push(label));
    while (q.size > 0) q.pop()!.fire();
    assert.deepEqual(fired, ['early', 'a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('skips cancelled events and counts only live ones', () => {
    const q = new EventQueue();
    const fired: number[] = [];
    const events = [1, 2, 3, 4].map((t) => q.push(t, () => fired.push(t)));
    events[0].cancel();
    events[2].cancel();
    events[2].cancel(); // idempotent
    assert.equal(q.size, 2);
    assert.equal(q.peekTime(), 2);
    while (q.size > 0) q.pop()!.fire();
    assert.deepEqual(fired, [2, 4]);
    assert.equal(q.pop(), undefined);
    assert.equal(q.peekTime(), undefined);
  });

  it('ignores cancel() after the event was popped', () => {
    const q = new EventQueue();
    const e = q.push(1, () => {});
    q.push(2, () => {});
    q.pop();
    e.cancel();
    assert.equal(q.size, 1);
  });

  it('matches a sorted reference under heavy mixed push, cancel and pop', () => {
    const rng = createRng(7);
    const q = new EventQueue();
    const live: { time: number; seq: number; cancel(): void }[] = [];
    const reference = new Map<number, number>(); // seq -> time
    let seq = 0;
    const popped: [number, number][] = [];
    for (let i = 0; i < 50_000; i++) {
      const r = rng.next();
      if (r < 0.55) {
        const time = rng.int(1000);
        const s = seq++;
        live.push(q.push(time, () => {}));
        reference.set(s, time);
      } else if (r < 0.8 && live.length > 0) {
        const e = live.splice(rng.int(live.length), 1)[0];
        if (reference.has(e.seq)) {
          e.cancel();
          reference.delete(e.seq);
        }
      } else {
        const e = q.pop();
        if (e) {
          popped.push([e.time, e.seq]);
          assert.ok(reference.has(e.seq), 'a cancelled event surfaced');
          reference.delete(e.seq);
        }
      }
      assert.equal(q.size, reference.size);
    }
    // Whatever is left comes out in (time, seq) order.
    const rest: [number, number][] = [];
    for (let e = q.pop(); e; e = q.pop()) rest.push([e.time, e.seq]);
    const expected = [...reference.entries()].map(([s, t]) => [t, s] as [number, number]);
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(rest, expected);
  });

  it('orders 300,000 events', () => {
    const q = new EventQueue();
    const rng = createRng(1);
    for (let i = 0; i < 300_000; i++) q.push(rng.int(1_000_000), () => {});
    let last = -1;
    let count = 0;
    for (let e = q.pop(); e; e = q.pop()) {
      assert.ok(e.time >= last);
      last = e.time;
      count++;
    }
    assert.equal(count, 300_000);
  });

  it('lets go of a cancelled event’s closure, so a kept handle retains nothing', () => {
    const q = new EventQueue();
    let called = false;
    const e = q.push(1, () => (called = true));
    e.cancel();
    e.fire();
    assert.equal(called, false);
    assert.equal(e.pending, false);
  });

  it('rejects a time that is not finite', () => {
    const q = new EventQueue();
    assert.throws(() => q.push(NaN, () => {}), /finite/);
  });
});
