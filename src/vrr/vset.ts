// The virtual neighbour set: the r/2 closest known addresses on each side of this node on the ring.
//
// Invariants (checked by test/unit/vrr/vset.test.ts):
//  - never contains this node's own address; no duplicates;
//  - size <= r, and every member is among the r/2 nearest clockwise or the r/2 nearest counter-clockwise of the
//    members (so adding a closer node evicts exactly the members it pushes out);
//  - owned by paths.ts alone; other modules read `members()`.

import { clockwise, counterClockwise, type Address } from './address.ts';

/**
 * The members of `candidates` a node `me` keeps with vset size r: the r/2 nearest clockwise plus the r/2 nearest
 * counter-clockwise (the two halves overlap when there are few candidates). Shared with the ring checker so that
 * "should be a virtual neighbour" means the same thing in the protocol and in its verification.
 */
export function closestOnEachSide(me: Address, candidates: Iterable<Address>, r: number): Set<Address> {
  const list = [...new Set(candidates)].filter((c) => c !== me);
  const half = r / 2;
  const byCw = [...list].sort((a, b) => clockwise(me, a) - clockwise(me, b));
  const byCcw = [...list].sort((a, b) => counterClockwise(me, a) - counterClockwise(me, b));
  return new Set([...byCw.slice(0, half), ...byCcw.slice(0, half)]);
}

/**
 * Whether c would be among the r/2 nearest on one side of `me` if it joined `known` (c itself and `me` in
 * `known` are ignored): closestOnEachSide's rule, counted in one pass without sorting, since setup.ts asks it
 * for every candidate against every ring node it knows of.
 */
export function nearEnough(me: Address, c: Address, known: Iterable<Address>, r: number): boolean {
  const half = r / 2;
  const cw = clockwise(me, c);
  const ccw = counterClockwise(me, c);
  let closerCw = 0;
  let closerCcw = 0;
  for (const k of known) {
    if (k === c || k === me) continue;
    if (clockwise(me, k) < cw) closerCw++;
    if (counterClockwise(me, k) < ccw) closerCcw++;
    if (closerCw >= half && closerCcw >= half) return false;
  }
  return true;
}

/** The virtual set of one node. */
export class Vset {
  private readonly set = new Set<Address>();

  constructor(
    readonly me: Address,
    readonly r: number,
  ) {}

  /** Current members, in insertion order. */
  members(): Address[] {
    return [...this.set];
  }

  get size(): number {
    return this.set.size;
  }

  has(x: Address): boolean {
    return this.set.has(x);
  }

  /** ShouldAdd: x is not a member, not me, and would be among the r/2 nearest on one side of vset ∪ {x}. */
  shouldAdd(x: Address): boolean {
    if (x === this.me || this.set.has(x)) return false;
    // With fewer than r members every candidate fits on one side or the other (see closestOnEachSide); else
    // nearEnough is closestOnEachSide(me, vset ∪ {x}, r).has(x) counted in one pass (called for every route
    // endpoint once a period).
    return this.set.size < this.r || nearEnough(this.me, x, this.set, this.r);
  }

  /** Inserts x (the caller checked shouldAdd) and returns the members it pushed out. */
  add(x: Address): Address[] {
    if (x === this.me) throw new RangeError('vset.add: a node cannot be its own virtual neighbour');
    this.set.add(x);
    const keep = closestOnEachSide(this.me, this.set, this.r);
    const evicted = [...this.set].filter((m) => !keep.has(m));
    for (const e of evicted) this.set.delete(e);
    return evicted;
  }

  /** Removes x; returns whether it was a member. */
  remove(x: Address): boolean {
    return this.set.delete(x);
  }

  /** A representative candidate: no member has a smaller address (docs/protocol.md, Partition repair). */
  hasNoSmallerMember(): boolean {
    for (const m of this.set) if (m < this.me) return false;
    return true;
  }
}
