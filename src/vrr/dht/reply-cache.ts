// The owner's memory of its recent answers to writes, so that a retried PUT or DELETE (its reply was lost, or
// slow) is answered again rather than applied twice: a retried PUT without a version would otherwise bump it.
//
// Invariant: at most `capacity` answers, the oldest evicted first; keyed by (origin, request id).

import type { Address } from '../address.ts';
import type { DhtReplyOption } from '../wire/types.ts';

/** Recent answers by (origin, request id). */
export class ReplyCache {
  private readonly map = new Map<string, DhtReplyOption>();

  constructor(private readonly capacity: number) {}

  /** The answer already given to this request, if remembered. */
  get(origin: Address, reqId: number): DhtReplyOption | undefined {
    return this.map.get(`${origin}/${reqId}`);
  }

  /** Remembers an answer, evicting the oldest beyond capacity. */
  put(origin: Address, reqId: number, reply: DhtReplyOption): void {
    const id = `${origin}/${reqId}`;
    this.map.delete(id);
    this.map.set(id, reply);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}
