// timeline.jsonl: one JSON line per event of the run, from every daemon (their `subscribe` streams) and from
// the controller (faults, steps), in time order: `{t, at?, source, type, ...}` with t in ms since the run
// started and source a node name or 'controller'.
//
// Daemons' events come over several subscriptions and interleave slightly out of order, so the writer holds
// events back for a reorder window and writes them sorted once nothing older can still be on its way (the file
// grows while the run runs, and memory stays bounded). An event older than what was already written (later
// than the window) is still written, and close() then sorts the whole file once, so the result is in order.

import { closeSync, mkdirSync, openSync, readFileSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One line of timeline.jsonl. */
export interface TimelineEvent {
  /** Ms since the run started. */
  t: number;
  /** ISO wall-clock time, when the event had one. */
  at?: string;
  /** Node name, or 'controller'. */
  source: string;
  type: string;
  [field: string]: unknown;
}

/** An event as handed to the writer: t in ms since the start, or an ISO time (converted with startedAtMs). */
export interface TimelineInput {
  t: number | string;
  at?: string;
  source: string;
  type: string;
  [field: string]: unknown;
}

/** Options of the writer. */
export interface TimelineOptions {
  /** Epoch ms the run started: ISO times become ms since then. Needed for ISO times. */
  startedAtMs?: number;
  /** How long an event is held back for older ones to arrive. Default 2000 ms. */
  reorderWindowMs?: number;
}

/** What close() did. */
export interface TimelineSummary {
  path: string;
  events: number;
  /** Events that arrived after newer ones had been written (beyond the window): close() sorted the file. */
  late: number;
}

/** Writes timeline.jsonl in time order from events that arrive roughly in order. */
export class TimelineWriter {
  readonly path: string;
  readonly #startedAtMs: number | undefined;
  readonly #windowMs: number;
  #fd: number | null;
  #held: { event: TimelineEvent; seq: number }[] = [];
  #seq = 0;
  #newest = -Infinity;
  #written = -Infinity;
  #events = 0;
  #late = 0;

  /** Creates (truncates) dir/timeline.jsonl, creating dir. */
  constructor(dir: string, options: TimelineOptions = {}) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'timeline.jsonl');
    this.path = path;
    this.#startedAtMs = options.startedAtMs;
    this.#windowMs = options.reorderWindowMs ?? 2000;
    this.#fd = openSync(path, 'w');
  }

  /** Adds one event (any source). */
  add(input: TimelineInput): void {
    if (this.#fd === null) throw new Error(`timeline ${this.path} is closed`);
    const event = this.#normalize(input);
    this.#events++;
    if (event.t < this.#written) this.#late++;
    this.#held.push({ event, seq: this.#seq++ });
    if (event.t > this.#newest) this.#newest = event.t;
    this.#flush(this.#newest - this.#windowMs);
  }

  /** Adds a daemon's event line as `subscribe` delivers it ({t: ISO, node, type, ...}). */
  addDaemonEvent(event: { t: string; node: string; type: string; [field: string]: unknown }): void {
    const { node, ...rest } = event;
    this.add({ ...rest, source: node });
  }

  /** Adds a controller event (a fault applied, a step started, a check result) at t ms since the start. */
  addController(t: number, type: string, fields: Record<string, unknown> = {}): void {
    this.add({ ...fields, t, source: 'controller', type });
  }

  /** Writes what is held back, sorts the file if events came too late for the window, closes it. */
  close(): TimelineSummary {
    if (this.#fd !== null) {
      this.#flush(Infinity);
      closeSync(this.#fd);
      this.#fd = null;
      if (this.#late > 0) sortFile(this.path);
    }
    return { path: this.path, events: this.#events, late: this.#late };
  }

  // The same key order on every line: t, at, source, type, then the event's own fields.
  #normalize(input: TimelineInput): TimelineEvent {
    const { t, at, source, type, ...rest } = input;
    if (typeof t === 'number') return { t, ...(at !== undefined ? { at } : {}), source, type, ...rest };
    const wall = Date.parse(t);
    if (Number.isNaN(wall)) throw new RangeError(`timeline event t: expected an ISO time, found ${t}`);
    if (this.#startedAtMs === undefined) {
      throw new RangeError('timeline event with an ISO time, but the writer was given no startedAtMs');
    }
    return { t: wall - this.#startedAtMs, at: t, source, type, ...rest };
  }

  // Writes, sorted, every held event with t <= upTo.
  #flush(upTo: number): void {
    const ready = this.#held.filter((h) => h.event.t <= upTo);
    if (ready.length === 0) return;
    this.#held = this.#held.filter((h) => h.event.t > upTo);
    ready.sort(byTime);
    writeSync(this.#fd!, ready.map((h) => `${JSON.stringify(h.event)}\n`).join(''));
    this.#written = Math.max(this.#written, ready[ready.length - 1].event.t);
  }
}

function byTime(x: { event: TimelineEvent; seq: number }, y: { event: TimelineEvent; seq: number }): number {
  return x.event.t - y.event.t || x.seq - y.seq;
}

// Stable sort of a written timeline by t (file order breaks ties).
function sortFile(path: string): void {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const events = lines.map((line, seq) => ({ event: JSON.parse(line) as TimelineEvent, seq, line }));
  events.sort(byTime);
  writeFileSync(path, events.map((e) => `${e.line}\n`).join(''));
}
