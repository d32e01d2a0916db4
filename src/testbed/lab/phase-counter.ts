// Progress of a long phase counted in steps (namespaces created, daemons started): N/M as a bar redrawn in place
// on a terminal (ProgressSink.live), plain lines elsewhere (CI logs) at each quarter only, so a 1,000-node lab
// prints a handful of lines, not a thousand. The phase's end is always one plain line with its duration.

import type { ProgressSink } from '../runtime/runtime.ts';

/** Redraws at most this often. */
const LIVE_INTERVAL_MS = 100;
const BAR_WIDTH = 24;

/** The counter of one phase. */
export class PhaseCounter {
  readonly #sink: ProgressSink;
  readonly #label: string;
  readonly #total: number;
  readonly #started: number;
  readonly #now: () => number;
  #done = 0;
  #lastLive = 0;
  #lastQuarter = 0;
  #ended = false;

  /** label: what is counted ("vrrd started"); total: how many steps make the phase. */
  constructor(sink: ProgressSink, label: string, total: number, now: () => number = Date.now) {
    this.#sink = sink;
    this.#label = label;
    this.#total = Math.max(0, total);
    this.#now = now;
    this.#started = now();
  }

  /** One more step done. */
  tick(): void {
    this.set(this.#done + 1);
  }

  /** done steps so far (never goes back). */
  set(done: number): void {
    if (this.#ended || done <= this.#done) return;
    this.#done = Math.min(done, this.#total);
    const live = this.#sink.live;
    if (live) {
      const t = this.#now();
      if (t - this.#lastLive >= LIVE_INTERVAL_MS || this.#done === this.#total) {
        this.#lastLive = t;
        live(formatBar(this.#label, this.#done, this.#total));
      }
      return;
    }
    // Plain lines: at each quarter passed (not the last: end() says that).
    const quarter = this.#total === 0 ? 4 : Math.floor((4 * this.#done) / this.#total);
    if (quarter > this.#lastQuarter && quarter < 4) {
      this.#lastQuarter = quarter;
      this.#sink(`  ${this.#label} ${this.#done}/${this.#total}`);
    }
  }

  /** Ends the phase: one plain line, done/total and how long it took. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const s = ((this.#now() - this.#started) / 1000).toFixed(1);
    this.#sink(`  ${this.#label} ${this.#done}/${this.#total} in ${s} s`);
  }
}

/** "label [#########...............] 9/25". */
export function formatBar(label: string, done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((BAR_WIDTH * done) / total);
  return `  ${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}
