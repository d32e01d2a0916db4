import assert from 'node:assert/strict';
import { LinkDirection, IDEAL_LINK } from '../../src/sim/link-model.ts';
import { SimClock } from '../../src/sim/sim-clock.ts';
import { createRng } from '../../src/vrr/rng.ts';
import type { LinkParams } from '../../src/topology/types.ts';

interface Arrival {
  t: number;
  id: number;
  frame: Uint8Array;
}

// Sends `count` 100-byte frames, one every `spacingMs`, and records what arrives and when.
function run(
  params: Partial<LinkParams>,
  seed: number,
  count: number,
  spacingMs = 1,
): { arrivals: Arrival[]; link: LinkDirection } {
  const clock = new SimClock();
  const arrivals: Arrival[] = [];
  const link = new LinkDirection({ ...IDEAL_LINK, ...params }, createRng(seed), clock, (frame) =>
    arrivals.push({ t: clock.now(), id: new DataView(frame.buffer, frame.byteOffset).getUint32(0), frame }),
  );
  for (let i = 0; i < count; i++) {
    clock.at(i * spacingMs, () => {
      const frame = new Uint8Array(100);
      new DataView(frame.buffer).setUint32(0, i);
      link.transmit(frame, null);
    });
  }
  clock.runUntil(count * spacingMs + 100_000);
  return { arrivals, link };
}

describe('LinkDirection', () => {
  it('delays every frame by exactly the delay when there is no jitter', () => {
    const { arrivals } = run({ delayMs: 5 }, 1, 10, 2);
    assert.deepEqual(
      arrivals.map((a) => a.t),
      Array.from({ length: 10 }, (_, i) => i * 2 + 5),
    );
  });

  it('spreads jitter uniformly within ±jitter and never below zero delay', () => {
    const { arrivals } = run({ delayMs: 10, jitterMs: 4 }, 2, 10_000, 1);
    const delays = arrivals.map((a) => a.t - a.id);
    assert.ok(delays.every((d) => d >= 6 && d <= 14));
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
    assert.ok(Math.abs(mean - 10) < 0.1, `mean delay ${mean}`);
    const variance = delays.reduce((s, d) => s + (d - mean) ** 2, 0) / delays.length;
    assert.ok(Math.abs(variance - 16 / 3) < 0.3, `variance ${variance}, uniform ±4 gives 5.33`);

    const clipped = run({ delayMs: 1, jitterMs: 5 }, 3, 1000).arrivals.map((a) => a.t - a.id);
    assert.ok(clipped.every((d) => d >= 0));
    assert.ok(
      clipped.some((d) => d === 0),
      'jitter below -delay clips to zero',
    );
  });

  it('loses about lossPct of the frames', () => {
    const { arrivals, link } = run({ lossPct: 10 }, 4, 20_000);
    const lossRate = 1 - arrivals.length / 20_000;
    assert.ok(Math.abs(lossRate - 0.1) < 0.01, `loss ${lossRate}`);
    assert.equal(link.stats.lost, 20_000 - arrivals.length);
  });

  it('duplicates, reorders and corrupts at the configured rates', () => {
    const dup = run({ duplicatePct: 20 }, 5, 10_000);
    assert.ok(Math.abs(dup.arrivals.length / 10_000 - 1.2) < 0.02);

    const reorder = run({ delayMs: 10, reorderPct: 25 }, 6, 10_000);
    const early = reorder.arrivals.filter((a) => a.t === a.id).length;
    assert.ok(Math.abs(early / 10_000 - 0.25) < 0.02);
    const order = reorder.arrivals.map((a) => a.id);
    assert.ok(
      order.some((id, i) => i > 0 && id < order[i - 1]),
      'some frames overtake earlier ones',
    );

    const corrupt = run({ corruptPct: 30 }, 7, 10_000);
    // A flip may hit the id bytes, so compare against the frame whose id was sent at that time.
    const differs = corrupt.arrivals.filter((a, i) => {
      const sent = new Uint8Array(100);
      new DataView(sent.buffer).setUint32(0, i);
      return a.frame.some((b, j) => b !== sent[j]);
    }).length;
    assert.equal(differs, corrupt.link.stats.corrupted);
    assert.ok(Math.abs(corrupt.link.stats.corrupted / 10_000 - 0.3) < 0.02);
  });

  it('flips exactly one byte of a corrupted frame and leaves the sender’s buffer alone', () => {
    const clock = new SimClock();
    const got: Uint8Array[] = [];
    const link = new LinkDirection({ ...IDEAL_LINK, corruptPct: 100 }, createRng(8), clock, (f) =>
      got.push(f),
    );
    const sent = new Uint8Array(64).fill(0xaa);
    link.transmit(sent, null);
    clock.runUntil(1);
    assert.ok(sent.every((b) => b === 0xaa));
    assert.equal(got[0].filter((b) => b !== 0xaa).length, 1);
  });

  it('serializes frames at the rate through a FIFO', () => {
    // 100-byte frames at 80 kbit/s take 10 ms each; five sent at once leave 10 ms apart.
    const clock = new SimClock();
    const times: number[] = [];
    const link = new LinkDirection({ ...IDEAL_LINK, delayMs: 2, rateBps: 80_000 }, createRng(9), clock, () =>
      times.push(clock.now()),
    );
    for (let i = 0; i < 5; i++) link.transmit(new Uint8Array(100), null);
    clock.runUntil(1000);
    assert.deepEqual(times, [12, 22, 32, 42, 52]);
  });

  it('tail-drops when the serialization queue is full', () => {
    const clock = new SimClock();
    let delivered = 0;
    const link = new LinkDirection(
      { ...IDEAL_LINK, rateBps: 8000 },
      createRng(10),
      clock,
      () => delivered++,
      {
        queueLimitBytes: 1000,
      },
    );
    for (let i = 0; i < 20; i++) link.transmit(new Uint8Array(100), null);
    clock.runUntil(100_000);
    assert.equal(delivered, 10);
    assert.equal(link.stats.queueDropped, 10);
  });

  it('loses frames in flight when the link goes down, and carries new ones when it is back up', () => {
    const clock = new SimClock();
    let delivered = 0;
    const link = new LinkDirection({ ...IDEAL_LINK, delayMs: 10 }, createRng(11), clock, () => delivered++);
    link.transmit(new Uint8Array(10), null);
    clock.runUntil(5);
    link.setUp(false);
    link.transmit(new Uint8Array(10), null);
    link.setUp(true);
    clock.runUntil(100);
    assert.equal(delivered, 0);
    assert.equal(link.stats.downDropped, 2, 'one in flight, one sent while down');
    link.transmit(new Uint8Array(10), null);
    clock.runUntil(200);
    assert.equal(delivered, 1);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const params = { delayMs: 5, jitterMs: 3, lossPct: 5, duplicatePct: 2, reorderPct: 2, corruptPct: 1 };
    const a = run(params, 42, 2000).arrivals.map((x) => [x.t, x.id]);
    const b = run(params, 42, 2000).arrivals.map((x) => [x.t, x.id]);
    const c = run(params, 43, 2000).arrivals.map((x) => [x.t, x.id]);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('draws no randomness on an ideal link', () => {
    const rng = createRng(12);
    const reference = createRng(12);
    const clock = new SimClock();
    const link = new LinkDirection({ ...IDEAL_LINK, delayMs: 3 }, rng, clock, () => {});
    for (let i = 0; i < 10; i++) link.transmit(new Uint8Array(10), null);
    assert.equal(rng.u32(), reference.u32());
  });

  it('applies new impairments to later frames and rejects impossible ones', () => {
    const clock = new SimClock();
    const times: number[] = [];
    const link = new LinkDirection({ ...IDEAL_LINK, delayMs: 1 }, createRng(13), clock, () =>
      times.push(clock.now()),
    );
    link.transmit(new Uint8Array(1), null);
    link.impair({ delayMs: 50 });
    link.transmit(new Uint8Array(1), null);
    clock.runUntil(100);
    assert.deepEqual(times, [1, 50]);
    assert.throws(() => link.impair({ lossPct: 120 }), /lossPct must be a percentage in 0..100, found 120/);
    assert.throws(() => link.impair({ delayMs: -1 }), /delayMs must be a finite number >= 0/);
  });
});
