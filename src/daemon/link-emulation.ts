// In-daemon link emulation: what shapes a testbed link where the kernel has no sch_netem (docs/architecture.md,
// "Impairments"). One LinkEmulator is one direction of one link (used on egress of the AF_PACKET frames,
// optionally on ingress too): seeded delay, jitter, loss, rate, duplicate, reorder and corrupt, settings
// changeable live. Pure logic: the clock, the timers and the random source are injected, so the daemon
// drives it with the wall clock and a per-link seeded Rng, and tests drive it with a fake clock.
//
// Semantics (close to netem's, so that both mechanisms give comparable runs):
// - loss: the frame is dropped (decided first: a lost frame is not duplicated).
// - duplicate: a second copy follows the same path (its own corrupt/reorder/jitter decisions).
// - corrupt: one random bit of a copy is flipped; the caller's bytes are never modified.
// - rate: a serializing transmitter, (bytes + overheadBytes) * 8 / rateBps per frame, frames queue behind
//   each other; at most queueLimit frames wait in the emulator (more are tail-dropped, "overflowed").
// - delay and jitter: each frame arrives delayMs +- jitterMs (uniform) after leaving the transmitter, but
//   never before the frame sent ahead of it: jitter alone does not reorder, as on a real link.
// - reorder: the frame skips delay and jitter and so overtakes the frames still in flight (netem's
//   semantics: with no delay there is nothing to overtake). Counted only when it overtakes one.
// Every frame consumes the same number of random draws whatever is enabled, so turning one impairment on
// does not reshuffle the decisions of the others for the same seed.

import type { LinkParams } from '../topology/types.ts';
import type { TimerHandle } from '../vrr/env.ts';
import type { Rng } from '../vrr/rng.ts';

/** What the emulator needs from its driver: milliseconds, one-shot timers and a seeded random source. */
export interface LinkEmulatorEnv {
  now(): number;
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  rng: Rng;
}

/** Fixed properties of an emulated link direction. */
export interface LinkEmulatorOptions {
  /** Most frames waiting in the emulator (delayed or queued behind the rate); netem's default is 1000. */
  queueLimit?: number;
  /** Bytes counted per frame on top of the submitted bytes for the rate (default 14: the Ethernet header). */
  overheadBytes?: number;
}

/** What the emulator did, frame by frame. */
export interface LinkEmulatorCounters {
  submitted: number;
  delivered: number;
  /** Lost (lossPct). */
  dropped: number;
  /** Tail-dropped because queueLimit frames were already waiting. */
  overflowed: number;
  duplicated: number;
  /** Frames that overtook at least one frame submitted before them. */
  reordered: number;
  corrupted: number;
  /** Frames that waited (delay, jitter or rate) rather than being delivered at once. */
  delayed: number;
  /** Frames still waiting when close() was called, or submitted after it. */
  discarded: number;
}

/** A link with no impairment. */
export const NO_IMPAIRMENT: Readonly<LinkParams> = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  lossPct: 0,
  rateBps: null,
  duplicatePct: 0,
  reorderPct: 0,
  corruptPct: 0,
});

/** Throws a RangeError naming the first field of params that is out of range (and what it holds). */
export function validateLinkParams(params: LinkParams): void {
  const check = (field: keyof LinkParams, ok: boolean, expected: string): void => {
    if (!ok) {
      throw new RangeError(
        `link emulation: expected ${field} to be ${expected}, found ${String(params[field])}`,
      );
    }
  };
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  check('delayMs', isNumber(params.delayMs) && params.delayMs >= 0, 'a number >= 0');
  check('jitterMs', isNumber(params.jitterMs) && params.jitterMs >= 0, 'a number >= 0');
  for (const field of ['lossPct', 'duplicatePct', 'reorderPct', 'corruptPct'] as const) {
    const value = params[field];
    check(field, isNumber(value) && value >= 0 && value <= 100, 'a percentage in [0, 100]');
  }
  check(
    'rateBps',
    params.rateBps === null || (isNumber(params.rateBps) && params.rateBps > 0),
    'null or a number > 0',
  );
}

/** A frame waiting in the emulator. */
interface InFlight {
  at: number;
  /** Submission order: breaks ties so that frames due at the same time leave in order. */
  seq: number;
  frame: Uint8Array;
  deliver: (frame: Uint8Array) => void;
}

/** Random draws of one copy of a frame (see the header: always drawn, used or not). */
interface CopyDraws {
  corrupt: number;
  corruptBit: number;
  reorder: number;
  jitter: number;
}

/** One direction of one emulated link. */
export class LinkEmulator {
  readonly #env: LinkEmulatorEnv;
  readonly #queueLimit: number;
  readonly #overheadBytes: number;
  #params: LinkParams;
  #counters: LinkEmulatorCounters = {
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
  /** Waiting frames, sorted by (at, seq). */
  #queue: InFlight[] = [];
  #seq = 0;
  /** When the (rate-limited) transmitter is free again. */
  #transmitterFreeAt = 0;
  /** Arrival time of the last in-order frame: later frames never arrive before it. */
  #lastArrival = -Infinity;
  #timer: TimerHandle | null = null;
  #timerAt = 0;
  #closed = false;

  /** Starts with params (validated), e.g. NO_IMPAIRMENT. */
  constructor(env: LinkEmulatorEnv, params: LinkParams = NO_IMPAIRMENT, options: LinkEmulatorOptions = {}) {
    validateLinkParams(params);
    const queueLimit = options.queueLimit ?? 1000;
    const overheadBytes = options.overheadBytes ?? 14;
    if (!Number.isInteger(queueLimit) || queueLimit < 1) {
      throw new RangeError(`link emulation: expected queueLimit to be an integer >= 1, found ${queueLimit}`);
    }
    if (!Number.isInteger(overheadBytes) || overheadBytes < 0) {
      throw new RangeError(
        `link emulation: expected overheadBytes to be an integer >= 0, found ${overheadBytes}`,
      );
    }
    this.#env = env;
    this.#params = { ...params };
    this.#queueLimit = queueLimit;
    this.#overheadBytes = overheadBytes;
  }

  /** The settings in force. */
  get params(): Readonly<LinkParams> {
    return { ...this.#params };
  }

  /** A snapshot of the counters. */
  get counters(): Readonly<LinkEmulatorCounters> {
    return { ...this.#counters };
  }

  /** Frames waiting to be delivered. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Changes settings live (validated as a whole). Frames already in flight keep their arrival times; the
   * new settings apply from the next submitted frame, as with `tc qdisc change`.
   */
  update(params: Partial<LinkParams>): void {
    const next = { ...this.#params, ...params };
    validateLinkParams(next);
    this.#params = next;
  }

  /**
   * Passes one frame through the link: deliver is called zero, one or two times, at once or from a timer.
   * The emulator keeps no reference to the caller's bytes past this call (waiting frames are copies).
   */
  submit(frame: Uint8Array, deliver: (frame: Uint8Array) => void): void {
    this.#counters.submitted++;
    const rng = this.#env.rng;
    const loss = rng.next();
    const duplicate = rng.next();
    const first = drawCopy(rng);
    const second = drawCopy(rng);
    if (this.#closed) {
      this.#counters.discarded++;
      return;
    }
    if (loss * 100 < this.#params.lossPct) {
      this.#counters.dropped++;
      return;
    }
    const isDuplicated = duplicate * 100 < this.#params.duplicatePct;
    this.#emit(frame, deliver, first);
    if (isDuplicated) {
      this.#counters.duplicated++;
      this.#emit(frame, deliver, second);
    }
  }

  /** Cancels the timer and discards the waiting frames; later submissions are discarded too. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    this.#counters.discarded += this.#queue.length;
    this.#queue = [];
  }

  /** Schedules (or delivers at once) one copy of a frame. */
  #emit(original: Uint8Array, deliver: (frame: Uint8Array) => void, draws: CopyDraws): void {
    if (this.#queue.length >= this.#queueLimit) {
      this.#counters.overflowed++;
      return;
    }
    const p = this.#params;
    const now = this.#env.now();
    let frame = original;
    if (draws.corrupt * 100 < p.corruptPct && original.length > 0) {
      frame = Uint8Array.from(original);
      const bit = Math.floor(draws.corruptBit * original.length * 8);
      frame[bit >>> 3] ^= 1 << (bit & 7);
      this.#counters.corrupted++;
    }

    // Leaves the transmitter: at once, or after the frames ahead of it and its own serialization time.
    let sent = now;
    if (p.rateBps !== null) {
      const start = Math.max(now, this.#transmitterFreeAt);
      sent = start + ((original.length + this.#overheadBytes) * 8 * 1000) / p.rateBps;
      this.#transmitterFreeAt = sent;
    }

    let at: number;
    if (draws.reorder * 100 < p.reorderPct) {
      at = sent;
      const last = this.#queue[this.#queue.length - 1];
      if (last !== undefined && last.at > at) this.#counters.reordered++;
    } else {
      const jitter = (draws.jitter * 2 - 1) * p.jitterMs;
      at = Math.max(sent + p.delayMs + jitter, sent, this.#lastArrival);
      this.#lastArrival = at;
    }

    // Due now and nothing waiting is due before it: no reason to go through a timer.
    const head = this.#queue[0];
    if (at <= now && (head === undefined || head.at > at)) {
      this.#counters.delivered++;
      deliver(frame);
      return;
    }
    this.#counters.delayed++;
    this.#insert({
      at,
      seq: this.#seq++,
      frame: frame === original ? Uint8Array.from(original) : frame,
      deliver,
    });
    this.#arm();
  }

  /** Inserts in (at, seq) order, searching from the tail: most frames arrive after all waiting ones. */
  #insert(item: InFlight): void {
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1].at > item.at) i--;
    this.#queue.splice(i, 0, item);
  }

  /** Keeps one timer armed for the earliest waiting frame. */
  #arm(): void {
    const head = this.#queue[0];
    if (head === undefined) {
      this.#timer?.cancel();
      this.#timer = null;
      return;
    }
    if (this.#timer !== null && this.#timerAt === head.at) return;
    this.#timer?.cancel();
    this.#timerAt = head.at;
    this.#timer = this.#env.setTimer(Math.max(0, head.at - this.#env.now()), () => this.#fire());
  }

  /** Delivers every frame that is due, then re-arms for the next one. */
  #fire(): void {
    this.#timer = null;
    const now = this.#env.now();
    try {
      while (this.#queue.length > 0 && this.#queue[0].at <= now) {
        const item = this.#queue.shift()!;
        this.#counters.delivered++;
        item.deliver(item.frame);
      }
    } finally {
      if (!this.#closed) this.#arm();
    }
  }
}

function drawCopy(rng: Rng): CopyDraws {
  return { corrupt: rng.next(), corruptBit: rng.next(), reorder: rng.next(), jitter: rng.next() };
}
