// Virtual time for the simulator: an event queue plus "now". Nothing in a simulation reads the wall
// clock; time only moves when the clock runs the next event, so a run is a pure function of its seed.

import type { TimerHandle } from '../vrr/env.ts';
import { EventQueue, type QueuedEvent } from './event-queue.ts';

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

  /** Queues a not yet queued event after `delayMs` (negative counts as 0): `schedule` without a closure. */
  scheduleEvent<E extends QueuedEvent>(delayMs: number, event: E): E {
    return this.queue.insert(event, this.current + Math.max(0, delayMs));
  }

  /** Queues a not yet queued event at absolute time `timeMs` (the past counts as now): `at` without a closure. */
  atEvent<E extends QueuedEvent>(timeMs: number, event: E): E {
    return this.queue.insert(event, Math.max(this.current, timeMs));
  }

  /** Runs the next event, if any; returns false when the queue is empty. */
  step(): boolean {
    const event = this.queue.pop();
    if (!event) return false;
    this.current = event.time;
    this.processed++;
    event.fire();
    return true;
  }

  /** Runs every event due at or before `timeMs`, then sets the clock to `timeMs`. */
  runUntil(timeMs: number): void {
    if (timeMs < this.current) {
      throw new RangeError(`cannot run the clock back: now ${this.current} ms, asked for ${timeMs} ms`);
    }
    const queue = this.queue;
    for (let event = queue.popDue(timeMs); event; event = queue.popDue(timeMs)) {
      this.current = event.time;
      this.processed++;
      event.fire();
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
