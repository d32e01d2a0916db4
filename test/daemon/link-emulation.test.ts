// LinkEmulator under a fake clock: each impairment's statistics for a fixed seed, determinism, live updates.

import assert from 'node:assert/strict';
import { LinkEmulator, NO_IMPAIRMENT, validateLinkParams } from '../../src/daemon/link-emulation.ts';
import type { LinkParams } from '../../src/topology/types.ts';
import type { TimerHandle } from '../../src/vrr/env.ts';
import { createRng } from '../../src/vrr/rng.ts';

/** A virtual clock with one-shot timers, fired in time order by advance(). */
class FakeClock {
  time = 0;
  #timers: { at: number; seq: number; fire: () => void; cancelled: boolean }[] = [];
  #seq = 0;

  now = (): number => this.time;

  setTimer = (delayMs: number, fire: () => void): TimerHandle => {
    const timer = { at: this.time + delayMs, seq: this.#seq++, fire, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  };

  get armed(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by ms, firing due timers in order (timers armed while firing included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers.splice(this.#timers.indexOf(due), 1);
      this.time = Math.max(this.time, due.at);
      due.fire();
    }
    this.time = end;
  }
}

interface Delivery {
  at: number;
  index: number;
  bytes: Uint8Array;
}

/** An emulator on a fake clock that records every delivery. */
function harness(params: Partial<LinkParams>, seed = 1, options = {}) {
  const clock = new FakeClock();
  const emulator = new LinkEmulator(
    { now: clock.now, setTimer: clock.setTimer, rng: createRng(seed) },
    { ...NO_IMPAIRMENT, ...params },
    options,
  );
  const deliveries: Delivery[] = [];
  // The index travels in the closure, not in the bytes, which corruption may change.
  const submit = (index: number, size = 100): void => {
    emulator.submit(new Uint8Array(size).fill(index & 0xff), (bytes) =>
      deliveries.push({ at: clock.time, index, bytes }),
    );
  };
  return { clock, emulator, deliveries, submit };
}

/** Submits n frames, one every spacingMs, then lets everything arrive. */
function run(params: Partial<LinkParams>, n: number, spacingMs = 1, seed = 1) {
  const h = harness(params, seed);
  for (let i = 0; i < n; i++) {
    h.submit(i);
    h.clock.advance(spacingMs);
  }
  h.clock.advance(60_000);
  return h;
}

function within(value: number, low: number, high: number, what: string): void {
  assert.ok(value >= low && value <= high, `${what}: ${value} not in [${low}, ${high}]`);
}

describe('daemon/link-emulation', () => {
  it('without impairment delivers every frame at once, unchanged, arming no timer', () => {
    const h = harness({});
    const frame = Uint8Array.from([1, 2, 3, 4, 5]);
    const got: Uint8Array[] = [];
    h.emulator.submit(frame, (bytes) => got.push(bytes));
    assert.deepEqual(got, [frame]);
    assert.equal(h.clock.armed, 0);
    assert.deepEqual(h.emulator.counters, { ...zeroCounters(), submitted: 1, delivered: 1 });
  });

  it('loss: drops lossPct of frames (30% of 10,000 within 2.7-3.3k)', () => {
    const h = run({ lossPct: 30 }, 10_000, 0);
    within(h.emulator.counters.dropped, 2700, 3300, 'dropped');
    assert.equal(h.deliveries.length, 10_000 - h.emulator.counters.dropped);
    assert.equal(run({ lossPct: 0 }, 1000, 0).deliveries.length, 1000);
    assert.equal(run({ lossPct: 100 }, 1000, 0).deliveries.length, 0);
  });

  it('delay: every frame arrives exactly delayMs after submission, in order', () => {
    const h = harness({ delayMs: 50 });
    for (let i = 0; i < 10; i++) {
      h.submit(i);
      h.clock.advance(1);
    }
    h.clock.advance(38); // t = 48: nothing yet
    assert.equal(h.deliveries.length, 0);
    assert.equal(h.emulator.pending, 10);
    h.clock.advance(100);
    assert.deepEqual(
      h.deliveries.map((d) => [d.index, d.at]),
      Array.from({ length: 10 }, (_, i) => [i, i + 50]),
    );
    assert.equal(h.emulator.counters.delayed, 10);
  });

  it('jitter: delays spread uniformly within delay +- jitter', () => {
    // Frames 50 ms apart: farther than the spread (40 ms), so no frame waits for the one ahead of it.
    const h = harness({ delayMs: 100, jitterMs: 20 });
    const submittedAt: number[] = [];
    for (let i = 0; i < 2000; i++) {
      submittedAt.push(h.clock.time);
      h.submit(i);
      h.clock.advance(50);
    }
    h.clock.advance(1000);
    const delays = h.deliveries.map((d) => d.at - submittedAt[d.index]);
    assert.deepEqual(
      h.deliveries.map((d) => d.index),
      Array.from({ length: 2000 }, (_, i) => i),
    );
    within(Math.min(...delays), 80, 85, 'min delay');
    within(Math.max(...delays), 115, 120, 'max delay');
    within(delays.reduce((a, b) => a + b, 0) / delays.length, 99, 101, 'mean delay');
  });

  it('jitter: never reorders, even with frames closer together than the spread', () => {
    const h = run({ delayMs: 100, jitterMs: 20 }, 2000, 1);
    assert.deepEqual(
      h.deliveries.map((d) => d.index),
      Array.from({ length: 2000 }, (_, i) => i),
    );
    assert.equal(h.emulator.counters.reordered, 0);
  });

  it('rate: serializes frames at rateBps (125-byte frames at 1 Mbit/s: one per ms)', () => {
    // 111 bytes + 14 bytes of Ethernet header = 1,000 bits.
    const h = harness({ rateBps: 1_000_000 });
    for (let i = 0; i < 100; i++) h.submit(i, 111);
    h.clock.advance(1000);
    assert.deepEqual(
      h.deliveries.map((d) => d.at),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  it('rate: tail-drops beyond queueLimit frames waiting', () => {
    const h = harness({ rateBps: 1_000_000 }, 1, { queueLimit: 100 });
    for (let i = 0; i < 150; i++) h.submit(i, 111);
    h.clock.advance(1000);
    assert.equal(h.deliveries.length, 100);
    assert.equal(h.emulator.counters.overflowed, 50);
  });

  it('rate and delay add up: serialization, then propagation', () => {
    const h = harness({ rateBps: 1_000_000, delayMs: 10 });
    for (let i = 0; i < 3; i++) h.submit(i, 111);
    h.clock.advance(100);
    assert.deepEqual(
      h.deliveries.map((d) => d.at),
      [11, 12, 13],
    );
  });

  it('duplicate: sends a second copy of duplicatePct of frames (20% of 5,000 within 900-1,100)', () => {
    const h = run({ duplicatePct: 20 }, 5000, 0);
    const { duplicated, delivered } = h.emulator.counters;
    within(duplicated, 900, 1100, 'duplicated');
    assert.equal(delivered, 5000 + duplicated);
    const seen = new Map<number, number>();
    for (const d of h.deliveries) seen.set(d.index, (seen.get(d.index) ?? 0) + 1);
    assert.equal([...seen.values()].filter((n) => n === 2).length, duplicated);
  });

  it('reorder: reorderPct of frames skip the delay and overtake those in flight', () => {
    const h = run({ delayMs: 10, reorderPct: 25 }, 4000, 1);
    within(h.emulator.counters.reordered, 900, 1100, 'reordered');
    let outOfOrder = 0;
    for (let i = 1; i < h.deliveries.length; i++)
      if (h.deliveries[i].index < h.deliveries[i - 1].index) outOfOrder++;
    assert.ok(outOfOrder > 0);
    assert.equal(h.deliveries.length, 4000);
    // Without delay there is nothing to overtake (netem's semantics).
    assert.equal(run({ reorderPct: 25 }, 1000, 1).emulator.counters.reordered, 0);
  });

  it("corrupt: flips exactly one bit in corruptPct of frames, never in the caller's bytes", () => {
    const h = harness({ corruptPct: 10 });
    const originals: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) {
      const frame = new Uint8Array(64).fill(0x5a);
      originals.push(frame);
      h.emulator.submit(frame, (bytes) => h.deliveries.push({ at: h.clock.time, index: i, bytes }));
    }
    within(h.emulator.counters.corrupted, 400, 600, 'corrupted');
    let changed = 0;
    for (const d of h.deliveries) {
      let bits = 0;
      for (const byte of d.bytes) bits += popcount(byte ^ 0x5a);
      assert.ok(bits <= 1, `frame ${d.index} differs in ${bits} bits`);
      changed += bits;
    }
    assert.equal(changed, h.emulator.counters.corrupted);
    assert.ok(originals.every((frame) => frame.every((byte) => byte === 0x5a)));
  });

  it("keeps no reference to the caller's bytes: a buffer reused after submit() does not change what arrives", () => {
    const h = harness({ delayMs: 5 });
    const scratch = new Uint8Array(8);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      scratch.fill(i);
      h.emulator.submit(scratch, (bytes) => got.push(bytes[0]));
    }
    h.clock.advance(10);
    assert.deepEqual(got, [0, 1, 2]);
  });

  it('is deterministic: same seed, same deliveries; another seed, others', () => {
    const params = {
      delayMs: 20,
      jitterMs: 5,
      lossPct: 10,
      duplicatePct: 5,
      reorderPct: 5,
      corruptPct: 5,
      rateBps: 10_000_000,
    };
    const trace = (seed: number) =>
      run(params, 2000, 0.5, seed).deliveries.map(
        (d) => `${d.at.toFixed(6)}:${d.index}:${Buffer.from(d.bytes).toString('hex')}`,
      );
    assert.deepEqual(trace(42), trace(42));
    assert.notDeepEqual(trace(42), trace(43));
  });

  it('turning one impairment on does not change the decisions of the others', () => {
    const lost = (params: Partial<LinkParams>) => {
      const h = run({ lossPct: 20, ...params }, 2000, 0, 7);
      const delivered = new Set(h.deliveries.map((d) => d.index));
      return Array.from({ length: 2000 }, (_, i) => i).filter((i) => !delivered.has(i));
    };
    assert.deepEqual(lost({ corruptPct: 30 }), lost({}));
  });

  it('applies live updates to the next frames; frames in flight keep their arrival times', () => {
    const h = harness({});
    for (let i = 0; i < 100; i++) h.submit(i);
    assert.equal(h.deliveries.length, 100);

    h.emulator.update({ lossPct: 100 });
    for (let i = 100; i < 200; i++) h.submit(i);
    assert.equal(h.deliveries.length, 100);
    assert.equal(h.emulator.counters.dropped, 100);

    h.emulator.update({ lossPct: 0, delayMs: 30 });
    h.submit(200); // due at t = 30
    h.clock.advance(10);
    h.emulator.update({ delayMs: 5 });
    h.submit(201); // due at t = 15, but never before frame 200: arrives with it
    h.clock.advance(10); // t = 20
    assert.equal(h.deliveries.length, 100);
    h.clock.advance(10); // t = 30
    assert.deepEqual(
      h.deliveries.slice(100).map((d) => [d.index, d.at]),
      [
        [200, 30],
        [201, 30],
      ],
    );
    assert.deepEqual(h.emulator.params, { ...NO_IMPAIRMENT, delayMs: 5 });
  });

  it('close() cancels the timer and discards frames in flight and after', () => {
    const h = harness({ delayMs: 10 });
    for (let i = 0; i < 5; i++) h.submit(i);
    h.emulator.close();
    h.submit(5);
    h.clock.advance(100);
    assert.equal(h.deliveries.length, 0);
    assert.equal(h.clock.armed, 0);
    assert.equal(h.emulator.counters.discarded, 6);
    h.emulator.close();
  });

  it('rejects out-of-range settings, naming the field, what was expected and what was found', () => {
    assert.throws(
      () => validateLinkParams({ ...NO_IMPAIRMENT, lossPct: 120 }),
      /expected lossPct to be a percentage in \[0, 100\], found 120/,
    );
    assert.throws(
      () => validateLinkParams({ ...NO_IMPAIRMENT, rateBps: 0 }),
      /expected rateBps to be null or a number > 0, found 0/,
    );
    assert.throws(
      () => validateLinkParams({ ...NO_IMPAIRMENT, delayMs: -1 }),
      /expected delayMs to be a number >= 0, found -1/,
    );
    assert.throws(() => validateLinkParams({ ...NO_IMPAIRMENT, jitterMs: Number.NaN }), /jitterMs/);
    const h = harness({ delayMs: 10 });
    assert.throws(() => h.emulator.update({ corruptPct: -5 }), /corruptPct/);
    assert.equal(h.emulator.params.delayMs, 10, 'a rejected update changes nothing');
  });
});

function zeroCounters() {
  return {
    submitted: 0,
    delivered: 0,
    dropped: 0,
    overflowed: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    delayed: 0,
    discarded: 0,
  };
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}
