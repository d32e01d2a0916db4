// One direction of a simulated link: what happens to a frame between the sender's port and the
// receiver's. It mirrors what netem does on a real lab (the same LinkParams drive both): loss at
// enqueue, duplication, corruption of one byte, a FIFO serializing frames at `rateBps`, then the
// propagation delay with uniform jitter (never negative); a reordered frame skips the delay and so
// overtakes the frames queued before it. Every random draw comes from this direction's own seeded rng,
// so the fate of each frame depends only on the run seed, the link's names and the frames sent on it.

import type { Rng } from '../vrr/rng.ts';
import type { LinkAddress } from '../vrr/env.ts';
import type { LinkParams } from '../topology/types.ts';
import type { SimClock } from './sim-clock.ts';
import { QueuedEvent } from './event-queue.ts';

/** Counters of one link direction. */
export interface LinkDirectionStats {
  /** Frames handed to the link by the sender. */
  framesIn: number;
  /** Bytes handed to the link by the sender. */
  bytesIn: number;
  /** Frames that reached the far end (duplicates included). */
  framesDelivered: number;
  /** Frames dropped by the loss probability. */
  lost: number;
  /** Extra copies made by the duplicate probability. */
  duplicated: number;
  /** Frames sent without the propagation delay (they overtake earlier ones). */
  reordered: number;
  /** Frames with one byte flipped. */
  corrupted: number;
  /** Frames dropped because the serialization queue was full. */
  queueDropped: number;
  /** Frames dropped because the link was down when sent or went down while they were in flight. */
  downDropped: number;
}

/** Receives a frame at the far end of a link direction; `to` is the link address it was sent to. */
export type FrameSink = (frame: Uint8Array, to: LinkAddress | null) => void;

/** Link-model tuning that is not part of LinkParams. */
export interface LinkModelOptions {
  /** Bytes the serialization FIFO may hold before tail-dropping (only with a rate). Default 1,000,000. */
  queueLimitBytes?: number;
}

/** Parameters of an ideal direction: no delay, no loss, unlimited rate. */
export const IDEAL_LINK: Readonly<LinkParams> = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  lossPct: 0,
  rateBps: null,
  duplicatePct: 0,
  reorderPct: 0,
  corruptPct: 0,
});

/** One direction of a link: impairments from LinkParams, a seeded rng, delivery via the sim clock. */
export class LinkDirection {
  readonly stats: LinkDirectionStats = {
    framesIn: 0,
    bytesIn: 0,
    framesDelivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    queueDropped: 0,
    downDropped: 0,
  };
  private params: LinkParams;
  private up = true;
  // Bumped when the link goes down: frames in flight carry the epoch they were sent in and vanish
  // if it changed (a cut cable loses what was on it).
  private epoch = 0;
  // Virtual time at which the serializer finishes the last queued frame.
  private busyUntil = 0;
  private readonly queueLimitBytes: number;

  constructor(
    params: LinkParams,
    private readonly rng: Rng,
    private readonly clock: SimClock,
    private readonly sink: FrameSink,
    options: LinkModelOptions = {},
  ) {
    this.params = validateLinkParams(params);
    this.queueLimitBytes = options.queueLimitBytes ?? 1_000_000;
  }

  /** Current impairments. */
  get linkParams(): Readonly<LinkParams> {
    return this.params;
  }

  /** Changes some impairments from now on (frames already in flight keep their fate). */
  impair(changes: Partial<LinkParams>): void {
    this.params = validateLinkParams({ ...this.params, ...changes });
  }

  /** True while frames can cross. */
  get isUp(): boolean {
    return this.up;
  }

  /** Brings the direction up or down; going down loses every frame queued or in flight. */
  setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    if (!up) {
      this.epoch++;
      this.busyUntil = 0;
    }
  }

  /** Hands a frame to the link. The frame is not copied unless it gets corrupted: do not reuse it. */
  transmit(frame: Uint8Array, to: LinkAddress | null): void {
    const s = this.stats;
    s.framesIn++;
    s.bytesIn += frame.length;
    if (!this.up) {
      s.downDropped++;
      return;
    }
    const p = this.params;
    // Draws happen in a fixed order and only for impairments that are set, so an ideal link costs
    // no randomness and a given configuration always consumes the same stream.
    if (p.lossPct > 0 && this.rng.next() * 100 < p.lossPct) {
      s.lost++;
      return;
    }
    let copies = 1;
    if (p.duplicatePct > 0 && this.rng.next() * 100 < p.duplicatePct) {
      copies = 2;
      s.duplicated++;
    }
    for (let i = 0; i < copies; i++) this.sendCopy(frame, to);
  }

  private sendCopy(original: Uint8Array, to: LinkAddress | null): void {
    const p = this.params;
    const s = this.stats;
    let frame = original;
    if (p.corruptPct > 0 && frame.length > 0 && this.rng.next() * 100 < p.corruptPct) {
      frame = original.slice();
      // XOR with 1..255 so the byte always changes.
      frame[this.rng.int(frame.length)] ^= 1 + this.rng.int(255);
      s.corrupted++;
    }
    const now = this.clock.now();
    let departure = now;
    if (p.rateBps !== null) {
      const start = Math.max(now, this.busyUntil);
      const backlogBytes = ((start - now) * p.rateBps) / 8000;
      if (backlogBytes + frame.length > this.queueLimitBytes) {
        s.queueDropped++;
        return;
      }
      departure = start + (frame.length * 8 * 1000) / p.rateBps;
      this.busyUntil = departure;
    }
    let delay = p.delayMs;
    if (p.jitterMs > 0) delay = Math.max(0, delay + (this.rng.next() * 2 - 1) * p.jitterMs);
    if (p.reorderPct > 0 && this.rng.next() * 100 < p.reorderPct) {
      delay = 0;
      s.reordered++;
    }
    this.clock.atEvent(departure + delay, new FrameArrival(this, frame, to, this.epoch));
  }

  /** @internal a frame sent in `epoch` reaches the far end (FrameArrival.fire). */
  arrive(frame: Uint8Array, to: LinkAddress | null, epoch: number): void {
    if (epoch !== this.epoch || !this.up) {
      this.stats.downDropped++;
      return;
    }
    this.stats.framesDelivered++;
    this.sink(frame, to);
  }
}

// A frame in flight: the queued event and what it carries in one object, so a frame costs no closure.
class FrameArrival extends QueuedEvent {
  constructor(
    private readonly direction: LinkDirection,
    private readonly frame: Uint8Array,
    private readonly to: LinkAddress | null,
    /** The direction's epoch when it was sent: a link that went down since loses it. */
    private readonly epoch: number,
  ) {
    super();
  }

  fire(): void {
    this.direction.arrive(this.frame, this.to, this.epoch);
  }
}

/** Returns the params if every field is in range; throws a RangeError naming the field otherwise. */
export function validateLinkParams(params: LinkParams): LinkParams {
  const nonNegative: (keyof LinkParams)[] = ['delayMs', 'jitterMs'];
  for (const key of nonNegative) {
    const v = params[key] as number;
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`link ${key} must be a finite number >= 0, found ${v}`);
    }
  }
  const percents: (keyof LinkParams)[] = ['lossPct', 'duplicatePct', 'reorderPct', 'corruptPct'];
  for (const key of percents) {
    const v = params[key] as number;
    if (!Number.isFinite(v) || v < 0 || v > 100) {
      throw new RangeError(`link ${key} must be a percentage in 0..100, found ${v}`);
    }
  }
  if (params.rateBps !== null && !(Number.isFinite(params.rateBps) && params.rateBps > 0)) {
    throw new RangeError(
      `link rateBps must be a positive number of bits per second or null, found ${params.rateBps}`,
    );
  }
  return params;
}
