// The loop guard of routed requests: setup_req and setup_fail travel greedily over tables that may still be
// changing, and can loop. Each (kind, source, token) seen lately is remembered; a second sighting is a loop.
//
// Invariants (checkInvariants; test/unit/vrr/loop-guard.test.ts):
//  - `bySlot` and the ring `order` hold the same keys, at most LOOP_GUARD_KEPT, the newest ones;
//  - a key is (token mod 2^29) * 2 + kind, below 2^30: V8's small integers. This is looked up on every routed
//    hop, and a larger number is boxed for every Map lookup. (Two live tokens of one source that agree in their
//    low 29 bits look like a loop: about one chance in a million per request.);
//  - owned by setup.ts alone.

import type { Address } from './address.ts';
import { LOOP_GUARD_KEPT } from './limits.ts';

// Routed requests remembered for loop detection: LOOP_GUARD_KEPT (limits.ts).
export { LOOP_GUARD_KEPT };
/** Kinds of routed request in the guard's keys. */
export const ROUTED_REQ = 0;
export const ROUTED_FAIL = 1;

/** Routed requests seen recently: key -> source. */
export class LoopGuard {
  private readonly bySlot = new Map<number, Address>();
  /** bySlot's keys as a ring, oldest at `next` once full (see seenBefore). */
  private readonly order = new Int32Array(LOOP_GUARD_KEPT);
  private next = 0;
  private count = 0;

  /** Records a routed request; true if it was already seen here (it looped back). */
  seenBefore(kind: number, src: Address, token: number): boolean {
    const key = (token & 0x1fffffff) * 2 + kind;
    const seen = this.bySlot.get(key);
    if (seen === src) return true;
    if (seen === undefined) {
      // The oldest key gives way. A ring of keys, not the Map's own order: taking a Map's first key walks past
      // every entry deleted before it, and this runs once per routed hop.
      const ring = this.order;
      if (this.count === LOOP_GUARD_KEPT) this.bySlot.delete(ring[this.next]);
      else this.count++;
      ring[this.next] = key;
      this.next = (this.next + 1) % LOOP_GUARD_KEPT;
    }
    // Another source with the same token (one chance in 2^32) takes the slot: at worst a loop goes unnoticed once.
    this.bySlot.set(key, src);
    return false;
  }

  /** Requests remembered. */
  get size(): number {
    return this.bySlot.size;
  }

  /** Every invariant violation (empty when all hold). */
  checkInvariants(): string[] {
    const out: string[] = [];
    if (this.bySlot.size !== this.count) out.push(`${this.bySlot.size} keys, ${this.count} in the ring`);
    if (this.count > LOOP_GUARD_KEPT) out.push(`${this.count} keys kept, at most ${LOOP_GUARD_KEPT}`);
    const start = this.count === LOOP_GUARD_KEPT ? this.next : 0;
    for (let i = 0; i < this.count; i++) {
      const key = this.order[(start + i) % LOOP_GUARD_KEPT];
      if (!this.bySlot.has(key)) out.push(`ring key ${key} not in the map`);
      if (key < 0 || key >= 2 ** 30) out.push(`key ${key} is not a small integer`);
    }
    return out;
  }
}
