// Representatives: how separate rings find each other and merge (protocol-notes §8).
//
// Every ring has exactly one representative once consistent: its smallest address (the only active node with no
// smaller virtual neighbour). A representative advertises itself in its hellos with a sequence number that grows
// every hello; every other node re-advertises the two smallest representatives it holds, learned only from linked
// neighbours, which builds a reverse-path tree toward each representative with no flooding beyond hellos. A
// representative record is a routing candidate for control messages (endpoint = the representative, next hop =
// the neighbour it was heard from; data packets leave it out, node.ts says why), so a node of ring A that should
// have a representative of ring B in its virtual set can send a SETUP to it along that tree; the virtual sets
// carried by SETUP and TEARDOWN then cascade the merge around both rings, as in a join.
//
// Invariants (checked by test/unit/vrr/repair.test.ts):
//  - never holds a record for this node's own address;
//  - a record's heardFrom is a neighbour that was linked when the record was last refreshed; records heard from a
//    neighbour are dropped when that neighbour is lost;
//  - a record is usable for repValidMs after its sequence last increased; it is then kept, unusable, for purgeMs;
//  - `live` holds every usable record (and, until the next expire(), records that went stale since the last);
//  - owned by node.ts alone.

import type { Address } from './address.ts';
import { seqDiff } from './pset.ts';
import type { RepSlot } from './wire/types.ts';

/** What this node knows of one representative. */
export interface RepRecord {
  readonly address: Address;
  seq: number;
  heardFrom: Address;
  /** When seq last increased. */
  refreshedAt: number;
}

/** Ascending address order (one comparator for every sort here: no closure per call). */
function ascendingAddress(a: { address: Address }, b: { address: Address }): number {
  return a.address - b.address;
}

/** Representatives this node knows, and its own advertisement sequence. */
export class RepTable {
  private readonly byAddress = new Map<Address, RepRecord>();
  /**
   * The records that may be usable: what the forwarding rule walks on every packet. Unusable records are kept for
   * purgeMs (20 minutes by default): while a large ring forms, every node hears of dozens of short-lived rings'
   * representatives, and walking all of them per packet was a twentieth of the simulator's time.
   */
  private readonly live = new Set<RepRecord>();
  private selfSeq: number;

  constructor(
    private readonly me: Address,
    readonly validMs: number,
    initialSeq: number,
    /** Records are kept this long after they stop being usable, so a stale advertisement cannot revive them. */
    private readonly purgeMs = 200 * validMs,
  ) {
    this.selfSeq = initialSeq & 0xffff;
  }

  /** Learns the reps a linked neighbour advertised; returns the addresses that are new or freshened. */
  learn(from: Address, reps: readonly RepSlot[], now: number): Address[] {
    const fresh: Address[] = [];
    for (const slot of reps) {
      if (slot.address === this.me) continue;
      const rec = this.byAddress.get(slot.address);
      if (!rec) {
        const created = { address: slot.address, seq: slot.seq, heardFrom: from, refreshedAt: now };
        this.byAddress.set(slot.address, created);
        this.live.add(created);
        fresh.push(slot.address);
      } else if (seqDiff(slot.seq, rec.seq) > 0) {
        rec.seq = slot.seq;
        rec.heardFrom = from;
        rec.refreshedAt = now;
        this.live.add(rec);
        fresh.push(slot.address);
      }
    }
    return fresh;
  }

  /**
   * Purges records long unusable. An unusable record is kept (with its sequence) until then: two neighbours
   * that still hold a representative that stopped advertising would otherwise hand it back and forth as "new",
   * each refreshing the other forever (count to infinity), and a forwarding loop would follow the record.
   */
  expire(now: number): void {
    for (const r of this.live) if (now - r.refreshedAt > this.validMs) this.live.delete(r);
    for (const [a, r] of this.byAddress) if (now - r.refreshedAt > this.purgeMs) this.byAddress.delete(a);
  }

  /** Makes every record unusable until its representative advertises a newer sequence. */
  invalidateAll(): void {
    for (const r of this.byAddress.values()) r.refreshedAt = -Infinity;
    this.live.clear();
  }

  /** Makes records whose reverse path went through a lost neighbour unusable (until a newer sequence). */
  forgetVia(neighbor: Address): void {
    for (const r of this.byAddress.values()) {
      if (r.heardFrom !== neighbor) continue;
      r.refreshedAt = -Infinity;
      this.live.delete(r);
    }
  }

  /** Usable records, smallest address first. */
  usable(now: number): RepRecord[] {
    const out: RepRecord[] = [];
    for (const r of this.live) if (now - r.refreshedAt <= this.validMs) out.push(r);
    return out.length > 1 ? out.sort(ascendingAddress) : out;
  }

  /**
   * Every usable record and perhaps a few that went stale lately, in no particular order: the forwarding hot path
   * checks validMs itself.
   */
  records(): IterableIterator<RepRecord> {
    return this.live.values();
  }

  /** The next hop toward representative a, if a usable record exists. */
  nextHopToward(a: Address, now: number): Address | null {
    const r = this.byAddress.get(a);
    return r && now - r.refreshedAt <= this.validMs ? r.heardFrom : null;
  }

  /** The (at most two) slots for my next hello: myself when I am a representative, then the smallest known. */
  advertise(selfIsRep: boolean, now: number): RepSlot[] {
    const slots: RepSlot[] = [];
    if (selfIsRep) {
      this.selfSeq = (this.selfSeq + 1) & 0xffff;
      slots.push({ address: this.me, seq: this.selfSeq });
    }
    // The two smallest of myself and what I know: every ring's rep stays visible until the merge completes.
    // One pass for the two smallest usable records (addresses are distinct: they key the table).
    let first: RepRecord | null = null;
    let second: RepRecord | null = null;
    for (const r of this.live) {
      if (now - r.refreshedAt > this.validMs) continue;
      if (first === null || r.address < first.address) {
        second = first;
        first = r;
      } else if (second === null || r.address < second.address) {
        second = r;
      }
    }
    if (first !== null) slots.push({ address: first.address, seq: first.seq });
    if (second !== null) slots.push({ address: second.address, seq: second.seq });
    if (slots.length > 1) slots.sort(ascendingAddress);
    if (slots.length > 2) slots.length = 2;
    return slots;
  }
}
