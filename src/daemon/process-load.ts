// How far behind a vrrd process runs: its event loop's delay and its garbage collector's pauses, since the last
// look. A host of hundreds of nodes shares one event loop; when it runs seconds late every hosted node answers,
// acknowledges and probes seconds late, and links and paths that work look broken. host.status reports this so
// that a lab that does not converge shows whether its hosts were starved (and by what) or the protocol was wrong.

import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

/** One look at a process's lag since the previous look. */
export interface ProcessLoadSample {
  /** Over how long (ms) the figures were gathered. */
  windowMs: number;
  /** The event loop's delay (ms): how late a timer due now would run. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Garbage collections: how many, their total and longest pause (ms). */
  gc: { count: number; totalMs: number; maxMs: number };
}

/** Event-loop delay resolution (ms): fine enough for hello periods of a second, cheap enough to run always. */
const RESOLUTION_MS = 20;

/** Watches this process's event loop and GC; sample() reads and resets. */
export class ProcessLoad {
  readonly #delay: IntervalHistogram;
  readonly #gcObserver: PerformanceObserver;
  #since = performance.now();
  #gcCount = 0;
  #gcTotal = 0;
  #gcMax = 0;

  constructor() {
    this.#delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#delay.enable();
    this.#gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.#gcCount++;
        this.#gcTotal += entry.duration;
        if (entry.duration > this.#gcMax) this.#gcMax = entry.duration;
      }
    });
    this.#gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** The figures since the previous sample (or since start), then starts a new window. */
  sample(): ProcessLoadSample {
    const now = performance.now();
    // The histogram counts in ns, and includes the resolution itself: a loop that is never late reads ~RESOLUTION_MS.
    const ms = (ns: number): number => round(Math.max(0, ns / 1e6 - RESOLUTION_MS));
    const out: ProcessLoadSample = {
      windowMs: Math.round(now - this.#since),
      loopDelayMs:
        this.#delay.count === 0
          ? { p50: 0, p99: 0, max: 0 }
          : {
              p50: ms(this.#delay.percentile(50)),
              p99: ms(this.#delay.percentile(99)),
              max: ms(this.#delay.max),
            },
      gc: { count: this.#gcCount, totalMs: round(this.#gcTotal), maxMs: round(this.#gcMax) },
    };
    this.#delay.reset();
    this.#since = now;
    this.#gcCount = 0;
    this.#gcTotal = 0;
    this.#gcMax = 0;
    return out;
  }

  /** Stops watching. */
  stop(): void {
    this.#delay.disable();
    this.#gcObserver.disconnect();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
