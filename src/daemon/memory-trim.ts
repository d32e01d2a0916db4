// Memory trimming for a vrrd process, whether it runs one node or hosts many: every TRIM_CHECK_MS, if more than
// BUSY_FRAMES frames went through the process's links and overlays since the last check, traffic is flowing; at
// the first quiet check after that, one full garbage collection frees the frame buffers the burst left behind
// (an idle daemon allocates too little to trigger one: tens of MB of dead buffers would otherwise stay for
// good) and malloc's free pages go back to the system. One trimmer per process: a host of 100 nodes must not
// run 100 full collections after one burst.
//
// The checks take no wake-up of their own while a node runs (issue 18: an idle daemon wakes a few times a second,
// and every wake-up of a node process costs 0.1-0.2 ms of CPU on a loaded 2-core host): the daemon calls poke()
// after each of its nodes' timers (WallEnv's afterTimer), and a check is made there once TRIM_CHECK_MS have passed.
// A slow fallback timer checks a process whose nodes fire no timers (none running, or hellos slower than it).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { trimMemory } from './native/index.ts';
import { monotonicNow } from './wall-env.ts';

const TRIM_CHECK_MS = 5000;
const BUSY_FRAMES = 2000;
/** The fallback check: past the longest hello period (60 s), so a running node's own timers always come first. */
const FALLBACK_CHECK_MS = 61_000;

/** Watches a frame count and collects garbage once traffic stops. */
export class MemoryTrimmer {
  readonly #frames: () => number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #framesAtLastCheck = 0;
  #checkedAt: number;
  #busySinceTrim = true; // start-up leaves garbage behind too: the first quiet check collects it

  /**
   * frames: the process's total frames so far (it may go down when a node stops: that is not traffic); now: a
   * monotonic clock in ms (tests pass their own).
   */
  constructor(frames: () => number, now: () => number = monotonicNow) {
    this.#frames = frames;
    this.#now = now;
    this.#checkedAt = now();
  }

  /** Starts checking: on poke(), and by a slow fallback timer (which does not keep the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#checkedAt = this.#now();
    this.#timer = setInterval(() => this.poke(), FALLBACK_CHECK_MS);
    this.#timer.unref();
  }

  /** Checks if TRIM_CHECK_MS have passed since the last check (cheap otherwise: call it on every wake-up). */
  poke(): void {
    if (this.#timer === null || this.#now() - this.#checkedAt < TRIM_CHECK_MS) return;
    this.check();
  }

  /** One check (made by poke(); callable by hand). */
  check(): void {
    this.#checkedAt = this.#now();
    const frames = this.#frames();
    const busy = frames - this.#framesAtLastCheck > BUSY_FRAMES;
    this.#framesAtLastCheck = frames;
    if (busy) {
      this.#busySinceTrim = true;
    } else if (this.#busySinceTrim) {
      this.#busySinceTrim = false;
      collectGarbage();
      trimMemory();
    }
  }

  /** Stops checking (poke() does nothing from now on); idempotent. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

let gc: (() => void) | null | undefined;

/** A full garbage collection, when the runtime lets one be asked for (V8's gc extension); else nothing. */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      // Exposes gc() to contexts created from now on: the daemon's own is unchanged.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
