// A simulated node's timer (SimNetwork's env.setTimer): one queued event per timer, no wrapping closure.

import { QueuedEvent } from './event-queue.ts';
import type { SimClock } from './sim-clock.ts';

/** What a timer needs of its node's record: which incarnation runs, and until when the node is stalled. */
export interface TimerOwner {
  readonly incarnation: number;
  readonly stalledUntil: number;
}

/**
 * A node's timer: fires only while the incarnation that armed it runs (the event carries the check, so a
 * timer costs no wrapping closure), and waits for the end of a stall of its node (queued again, the same event:
 * its handle still cancels it).
 */
export class NodeTimer extends QueuedEvent {
  constructor(
    private readonly rec: TimerOwner,
    private readonly incarnation: number,
    private callback: (() => void) | null,
    private readonly clock: SimClock,
    private readonly totals: { eventsHeldBack: number },
  ) {
    super();
  }

  fire(): void {
    if (this.rec.stalledUntil > this.clock.now() && this.rec.incarnation === this.incarnation) {
      this.totals.eventsHeldBack++;
      this.clock.atEvent(this.rec.stalledUntil, this);
      return;
    }
    const callback = this.callback;
    this.callback = null; // a fired timer's handle may be kept, its captures need not be
    if (callback !== null && this.rec.incarnation === this.incarnation) callback();
  }

  protected override release(): void {
    this.callback = null;
  }
}
