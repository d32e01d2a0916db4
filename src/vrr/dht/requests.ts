// The requests a node has sent and not yet seen answered: each is retried with exponential backoff and seeded
// jitter, and its callback runs exactly once, with the answer or with a timeout error.
//
// Invariants: a request id is in the table from send until it settles, then never again; settle() runs the
// callback only for a request still in the table, so a late or duplicated reply cannot run it twice.

import type { TimerHandle } from '../env.ts';
import type { Rng } from '../rng.ts';

/** How a request is retried. */
export interface RetryPolicy {
  /** Sends in all (the first one included). */
  attempts: number;
  /** Wait after the first send; doubles after each retry, times a jitter factor in [0.75, 1.25). */
  firstTimeoutMs: number;
}

/** What the table needs from its node. */
export interface RequestClock {
  rng: Rng;
  setTimer(delayMs: number, fire: () => void): TimerHandle;
}

interface Pending<R> {
  attempt: number;
  timer: TimerHandle | null;
  send: (attempt: number) => void;
  done: (result: R) => void;
  timeout: (attempts: number) => R;
}

/** Outstanding requests by request id. */
export class RequestTable<R> {
  private readonly pending = new Map<number, Pending<R>>();

  constructor(
    private readonly clock: RequestClock,
    private readonly policy: RetryPolicy,
  ) {}

  /** Number of outstanding requests. */
  get size(): number {
    return this.pending.size;
  }

  /** True while the request id is outstanding. */
  has(reqId: number): boolean {
    return this.pending.has(reqId);
  }

  /**
   * Registers a request and sends it (send(1)); retries call send(2), send(3), ... When attempts are exhausted,
   * done(timeout(attempts)) runs. `send` may settle the request synchronously (a local answer).
   */
  start(
    reqId: number,
    send: (attempt: number) => void,
    done: (result: R) => void,
    timeout: (attempts: number) => R,
  ): void {
    if (this.pending.has(reqId)) throw new RangeError(`request id ${reqId} is already outstanding`);
    this.pending.set(reqId, { attempt: 0, timer: null, send, done, timeout });
    this.attempt(reqId);
  }

  /** Settles a request with its answer; false (nothing runs) when it is not outstanding. */
  settle(reqId: number, result: R): boolean {
    const p = this.pending.get(reqId);
    if (!p) return false;
    p.timer?.cancel();
    this.pending.delete(reqId);
    p.done(result);
    return true;
  }

  /** Settles every outstanding request with the same result (the node stopped). */
  settleAll(result: (reqId: number) => R): void {
    for (const reqId of [...this.pending.keys()]) this.settle(reqId, result(reqId));
  }

  private attempt(reqId: number): void {
    const p = this.pending.get(reqId);
    if (!p) return;
    if (p.attempt >= this.policy.attempts) {
      this.settle(reqId, p.timeout(p.attempt));
      return;
    }
    p.attempt++;
    const delay = this.policy.firstTimeoutMs * 2 ** (p.attempt - 1) * (0.75 + 0.5 * this.clock.rng.next());
    // Arm the timer before sending: a synchronous answer settles the request and cancels it.
    p.timer = this.clock.setTimer(delay, () => {
      p.timer = null;
      this.attempt(reqId);
    });
    p.send(p.attempt);
  }
}
