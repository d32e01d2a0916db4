// A priority queue of timed events: a binary min-heap keyed by (time, insertion sequence).
// The sequence makes the order total and stable: two events at the same time fire in the order they
// were scheduled, on every run. That tie rule is what keeps simulations byte-for-byte replayable.
// Cancellation is lazy (the entry is marked and skipped when it surfaces); when cancelled entries
// outnumber live ones the heap is rebuilt, so a workload that arms and cancels many timers (hello
// timeouts) keeps the heap small.

const PENDING = 0;
const NOOP = (): void => {};
const DONE = 1;
const CANCELLED = 2;

/** One scheduled event. `cancel()` is idempotent and harmless after the event fired. */
export class QueuedEvent {
  /** @internal heap bookkeeping */
  state = PENDING;

  constructor(
    /** Virtual time at which the event fires. */
    readonly time: number,
    /** Insertion sequence: the tie-breaker between events at the same time. */
    readonly seq: number,
    /** What to run when the event fires (replaced by a no-op once it fired or was cancelled). */
    public fire: () => void,
    private readonly queue: EventQueue,
  ) {}

  /** Prevents the event from firing. */
  cancel(): void {
    if (this.state !== PENDING) return;
    this.state = CANCELLED;
    // Owners often keep handles of dead timers around: let go of the closure (and all it captures).
    this.fire = NOOP;
    this.queue.noteCancelled();
  }

  /** True until the event fired or was cancelled. */
  get pending(): boolean {
    return this.state === PENDING;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Binary min-heap of events ordered by (time, insertion sequence). */
export class EventQueue {
  private heap: QueuedEvent[] = [];
  private nextSeq = 0;
  private cancelledInHeap = 0;

  /** Schedules `fire` at absolute virtual time `time`. */
  push(time: number, fire: () => void): QueuedEvent {
    if (!Number.isFinite(time)) {
      throw new RangeError(`event time must be a finite number of ms, found ${time}`);
    }
    const event = new QueuedEvent(time, this.nextSeq++, fire, this);
    this.heap.push(event);
    this.siftUp(this.heap.length - 1);
    return event;
  }

  /** Time of the earliest live event, or undefined when none is left. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  /**
   * Removes and returns the earliest live event (marked done), or undefined when none is left. The caller
   * runs its `fire` (SimClock.step does, dropping the closure first).
   */
  pop(): QueuedEvent | undefined {
    this.dropCancelledTop();
    const top = this.removeTop();
    if (top) top.state = DONE;
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
    while (this.heap.length > 0 && this.heap[0].state === CANCELLED) {
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
    this.heap = this.heap.filter((e) => e.state === PENDING);
    this.cancelledInHeap = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index];
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }
}
