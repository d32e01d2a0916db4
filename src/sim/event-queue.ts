// A priority queue of timed events: a binary min-heap keyed by (time, insertion sequence).
// The sequence makes the order total and stable: two events at the same time fire in the order they
// were scheduled, on every run. That tie rule is what keeps simulations byte-for-byte replayable.
// Cancellation is lazy (the entry is marked and skipped when it surfaces); when cancelled entries
// outnumber live ones the heap is rebuilt, so a workload that arms and cancels many timers (hello
// timeouts, ACK timers) keeps the heap small.
//
// An event is one object: the heap entry, the cancellation handle and the action in one allocation.
// `push` wraps a closure (CallbackEvent); hot producers (frame arrivals, node timers) subclass QueuedEvent
// and hand it to `insert`, which saves the closure a frame or a timer would otherwise capture its state in.

const PENDING = 0;
const DONE = 1;
const CANCELLED = 2;
const NOOP = (): void => {};

/** One scheduled event. `cancel()` is idempotent and harmless after the event fired. */
export abstract class QueuedEvent {
  /** Virtual time at which the event fires (set by EventQueue.insert). */
  time = 0;
  /** Insertion sequence: the tie-breaker between events at the same time (set by EventQueue.insert). */
  seq = 0;
  /** @internal heap bookkeeping */
  state = PENDING;
  /** @internal the queue holding it, told about cancellations */
  queue: EventQueue | null = null;

  /** Runs the event's action: SimClock calls it once, when due (the queue never hands out a cancelled one). */
  abstract fire(): void;

  /** Drops what the action would have used: called once when the event is cancelled. */
  protected release(): void {}

  /** Prevents the event from firing. */
  cancel(): void {
    if (this.state !== PENDING) return;
    this.state = CANCELLED;
    // Owners often keep handles of dead timers around: let go of what the action captures.
    this.release();
    this.queue!.noteCancelled();
  }

  /** True until the event fired or was cancelled. */
  get pending(): boolean {
    return this.state === PENDING;
  }
}

/** An event whose action is a closure (the general case: `EventQueue.push`). */
export class CallbackEvent extends QueuedEvent {
  constructor(private callback: () => void) {
    super();
  }

  /** Runs the closure once, dropping it first: a fired timer's handle may be kept, its captures need not be. */
  fire(): void {
    const callback = this.callback;
    this.callback = NOOP;
    callback();
  }

  protected override release(): void {
    this.callback = NOOP;
  }
}

/** Binary min-heap of events ordered by (time, insertion sequence). */
export class EventQueue {
  private heap: QueuedEvent[] = [];
  private nextSeq = 0;
  private cancelledInHeap = 0;

  /** Schedules `fire` at absolute virtual time `time`. */
  push(time: number, fire: () => void): QueuedEvent {
    return this.insert(new CallbackEvent(fire), time);
  }

  /** Schedules an event not in the queue (new, or one that fired) at absolute virtual time `time`; returns it. */
  insert<E extends QueuedEvent>(event: E, time: number): E {
    if (!Number.isFinite(time)) {
      throw new RangeError(`event time must be a finite number of ms, found ${time}`);
    }
    event.time = time;
    event.seq = this.nextSeq++;
    event.queue = this;
    event.state = PENDING; // an event that fired may be queued again (a timer held back by a stalled node)
    // Sift up from a new last slot (inlined: this runs for every event of a simulation).
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p.time < time || (p.time === time && p.seq < event.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  /** Time of the earliest live event, or undefined when none is left. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  /**
   * Removes and returns the earliest live event (marked done), or undefined when none is left. The caller
   * runs its `fire` (SimClock.step does).
   */
  pop(): QueuedEvent | undefined {
    this.dropCancelledTop();
    const top = this.removeTop();
    if (top) top.state = DONE;
    return top;
  }

  /**
   * Removes and returns the earliest live event if it is due at or before `timeMs` (marked done), else
   * undefined: peekTime and pop in one pass, for the clock's run loop.
   */
  popDue(timeMs: number): QueuedEvent | undefined {
    this.dropCancelledTop();
    const heap = this.heap;
    if (heap.length === 0 || heap[0].time > timeMs) return undefined;
    const top = this.removeTop()!;
    top.state = DONE;
    return top;
  }

  /** Number of live (not cancelled, not yet fired) events. */
  get size(): number {
    return this.heap.length - this.cancelledInHeap;
  }

  /** @internal called by QueuedEvent.cancel */
  noteCancelled(): void {
    this.cancelledInHeap++;
    if (this.cancelledInHeap > 1024 && this.cancelledInHeap * 2 > this.heap.length) this.rebuild();
  }

  private dropCancelledTop(): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].state === CANCELLED) {
      this.removeTop();
      this.cancelledInHeap--;
    }
  }

  private removeTop(): QueuedEvent | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  // Drops every cancelled entry and re-heapifies (Floyd, O(n)). Order is unaffected: it is fully
  // determined by (time, seq), not by the heap's shape.
  private rebuild(): void {
    const heap = this.heap;
    let n = 0;
    for (let i = 0; i < heap.length; i++) if (heap[i].state === PENDING) heap[n++] = heap[i];
    heap.length = n;
    this.cancelledInHeap = 0;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index];
    const time = item.time;
    const seq = item.seq;
    let i = index;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let c = heap[child];
      const right = child + 1;
      if (right < n) {
        const r = heap[right];
        if (r.time < c.time || (r.time === c.time && r.seq < c.seq)) {
          child = right;
          c = r;
        }
      }
      if (time < c.time || (time === c.time && seq < c.seq)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}
