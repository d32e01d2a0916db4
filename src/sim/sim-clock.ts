// Virtual time for the simulator: an event queue plus "now". Nothing in a simulation reads the wall
// clock; time only moves when the clock runs the next event, so a run is a pure function of its seed.

import type { TimerHandle } from '../vrr/env.ts';
import { EventQueue } from './event-queue.ts';

/** The simulator's clock and scheduler: virtual milliseconds, events run in (time, order scheduled). */
export class SimClock {
  private readonly queue = new EventQueue();
  private current = 0;
  private processed = 0;

  /** Current virtual time in ms. */
  now(): number {
    return this.current;
  }

  /** Runs `fire` after `delayMs` of virtual time (negative delays count as 0). */
  schedule(delayMs: number, fire: () => void): TimerHandle {
    return this.queue.push(this.current + Math.max(0, delayMs), fire);
  }

  /** Runs `fire` at absolute virtual time `timeMs` (a time in the past counts as now). */
  at(timeMs: number, fire: () => void): TimerHandle {
    return this.queue.push(Math.max(this.current, timeMs), fire);
  }

  /** Runs the next event, if any; returns false when the queue is empty. */
  step(): boolean {
    const event = this.queue.pop();
    if (!event) return false;
    this.current = event.time;
    this.processed++;
    const fire = event.fire;
    // Drop the closure before running it: a fired timer's handle may be kept, its captures need not be.
    event.fire = () => {};
    fire();
    return true;
  }

  /** Runs every event due at or before `timeMs`, then sets the clock to `timeMs`. */
  runUntil(timeMs: number): void {
    if (timeMs < this.current) {
      throw new RangeError(`cannot run the clock back: now ${this.current} ms, asked for ${timeMs} ms`);
    }
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > timeMs) break;
      this.step();
    }
    this.current = timeMs;
  }

  /** Events run so far. */
  get eventsProcessed(): number {
    return this.processed;
  }

  /** Events scheduled and not yet run or cancelled. */
  get pendingEvents(): number {
    return this.queue.size;
  }
}
