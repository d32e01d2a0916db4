// Memory trimming for a vrrd process, whether it runs one node or hosts many: every TRIM_CHECK_MS, if more than
// BUSY_FRAMES frames went through the process's links and overlays since the last check, traffic is flowing; at
// the first quiet check after that, one full garbage collection frees the frame buffers the burst left behind
// (an idle daemon allocates too little to trigger one: tens of MB of dead buffers would otherwise stay for
// good) and malloc's free pages go back to the system. One trimmer per process: a host of 100 nodes must not
// run 100 full collections after one burst.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { trimMemory } from './native/index.ts';

const TRIM_CHECK_MS = 5000;
const BUSY_FRAMES = 2000;

/** Watches a frame count and collects garbage once traffic stops. */
export class MemoryTrimmer {
  readonly #frames: () => number;
  #timer: NodeJS.Timeout | null = null;
  #framesAtLastCheck = 0;
  #busySinceTrim = true; // start-up leaves garbage behind too: the first quiet check collects it

  /** frames: the process's total frames so far (it may go down when a node stops: that is not traffic). */
  constructor(frames: () => number) {
    this.#frames = frames;
  }

  /** Starts the periodic check (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.check(), TRIM_CHECK_MS);
    this.#timer.unref();
  }

  /** One check (exported for the interval; callable by hand). */
  check(): void {
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

  /** Stops checking; idempotent. */
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
