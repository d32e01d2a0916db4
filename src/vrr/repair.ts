// Representatives: how separate rings find each other and merge (docs/protocol.md, Partition repair), and how a
// network that starts all at once elects the first node of one ring.
//
// Every ring has exactly one representative once consistent: its smallest address (the only active node with no
// smaller virtual neighbour). A representative advertises itself in its hellos with a sequence number that grows
// every hello; every other node re-advertises the two smallest representatives it holds, learned only from linked
// neighbours, which builds a reverse-path tree toward each representative with no flooding beyond hellos. A
// representative record is a routing candidate for control messages (endpoint = the representative, next hop =
// the neighbour it was heard from; data packets leave it out, data-forwarding.ts says why), so a node of ring A
// that should have a representative of ring B in its virtual set can send a SETUP to it along that tree; the
// virtual sets carried by SETUP and TEARDOWN then cascade the merge around both rings, as in a join. An inactive
// node advertises itself while it knows of nobody smaller: the same slots elect the first node of a ring.
//
// Invariants of the table, RepTable (checked by test/unit/vrr/repair.test.ts):
//  - never holds a record for this node's own address;
//  - a record's heardFrom is a neighbour that was linked when the record was last refreshed; records heard from a
//    neighbour are dropped when that neighbour is lost;
//  - a record is usable for repValidMs after its sequence last increased; it is then kept, unusable, for purgeMs;
//  - `live` holds every usable record (and, until the next expire(), records that went stale since the last);
//  - at most MAX_REPRESENTATIVES records (limits.ts): a new one evicts the record refreshed longest ago;
//  - owned by Repair alone (the forwarding rule and the node's views read it).
// Invariants of its reactions, Repair (checked by test/unit/vrr/repair.test.ts and repair-merge.test.ts):
//  - an active node learns records only from active neighbours (a record is a route, and inactive nodes do not
//    relay); an inactive node learns from every linked neighbour (for it the slots are an election);
//  - an active node asks a representative for a path only when it belongs in its vset (worthAsking), at once
//    when it first hears of it and again every period while it stays usable.

import type { Address } from './address.ts';
import { forwardVia } from './forwarding.ts';
import { MAX_REPRESENTATIVES } from './limits.ts';
import type { NodeContext } from './node-context.ts';
import { seqDiff } from './pset.ts';
import type { HelloOption, RepSlot } from './wire/types.ts';

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
  /** Records dropped to make room (MAX_REPRESENTATIVES), since creation: Repair counts them (cap.reps.evicted). */
  evictions = 0;

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
        if (this.byAddress.size >= MAX_REPRESENTATIVES) this.evictStalest();
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

  // Drops the record refreshed longest ago (unusable ones first: theirs is -Infinity or old) to make room.
  private evictStalest(): void {
    let stalest: RepRecord | null = null;
    for (const r of this.byAddress.values())
      if (stalest === null || r.refreshedAt < stalest.refreshedAt) stalest = r;
    if (stalest === null) return;
    this.byAddress.delete(stalest.address);
    this.live.delete(stalest);
    this.evictions++;
  }

  /** Records held (usable or not). */
  get size(): number {
    return this.byAddress.size;
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

/** The representative side of a node: its RepTable and the reactions to what it learns. */
export class Repair {
  readonly table: RepTable;
  /** Smallest representative in my last hello, to notice when a smaller one must be spread at once. */
  private advertisedSmallest: Address | null = null;

  constructor(private readonly ctx: NodeContext) {
    const c = ctx.config;
    this.table = new RepTable(ctx.address, c.repValidHellos * c.helloMs, ctx.env.rng.u32());
  }

  /** The slots of my next hello (and the smallest of them remembered). */
  advertise(now: number): RepSlot[] {
    const reps = this.table.advertise(this.isRepresentative(), now);
    this.advertisedSmallest = reps.length > 0 ? reps[0].address : null;
    return reps;
  }

  /** A linked neighbour's hello listed representatives. */
  onHelloReps(sender: Address, hello: HelloOption): void {
    const ctx = this.ctx;
    // Active nodes learn representatives only from active neighbours: the record is a route, and inactive nodes
    // do not relay. Inactive nodes learn from everyone: for them it is the bootstrap election.
    if (!hello.active && ctx.active) return;
    const evicted = this.table.evictions;
    const fresh = this.table.learn(sender, hello.reps, ctx.env.now());
    if (this.table.evictions > evicted) ctx.count('cap.reps.evicted', this.table.evictions - evicted);
    if (ctx.active) {
      for (const r of fresh) this.connectDirect(r, 'representative of another ring');
    } else if (fresh.some((r) => this.advertisedSmallest === null || r < this.advertisedSmallest)) {
      ctx.links.scheduleTriggeredHello(); // spread a smaller candidate at once, ahead of any bootstrap timeout
    }
  }

  /**
   * An active node is a representative when no virtual neighbour is smaller (the smallest of its ring). An
   * inactive node advertises itself as a candidate first node while it knows of nobody smaller: a bootstrap
   * election by the same hello slots, so a network that starts all at once forms one ring, not one per region.
   */
  isRepresentative(): boolean {
    if (this.ctx.active) return this.ctx.paths.vset.hasNoSmallerMember();
    return !this.knowsSmallerRep();
  }

  /** Whether a usable record names a node smaller than this one. */
  knowsSmallerRep(): boolean {
    const now = this.ctx.env.now();
    const me = this.ctx.address;
    for (const r of this.table.records()) {
      if (r.address < me && now - r.refreshedAt <= this.table.validMs) return true;
    }
    return false;
  }

  /**
   * Local repair of the ring: a representative of another ring (partition repair) or a linked active neighbour
   * that belongs in my virtual set but is not in it gets a SETUP straight along the known route.
   */
  seekBetterNeighbors(now: number): void {
    const ctx = this.ctx;
    for (const r of this.table.usable(now)) this.connectDirect(r.address, 'representative of another ring');
    for (const n of ctx.links.pset.linkedActive())
      this.connectDirect(n.address, 'linked neighbour belongs in vset');
    // Endpoints of paths through me are nodes of my ring I already know of: if one belongs in my vset, my vset is
    // wrong (in a consistent ring this never fires, so it costs nothing in the steady state).
    const vset = ctx.paths.vset;
    const candidates: Address[] = [];
    for (const e of ctx.paths.routes.endpoints()) if (vset.shouldAdd(e)) candidates.push(e);
    if (candidates.length > 0) ctx.setups.learnCandidates(candidates, 'endpoints of paths through me');
  }

  /** A path straight to target, along the route known to it, unless it is asked already or not worth it. */
  private connectDirect(target: Address, why: string): void {
    const ctx = this.ctx;
    if (!ctx.setups.mayAskDirectly(target)) return;
    const hop = ctx.links.pset.isLinked(target) ? target : forwardVia(ctx.nextHop(target));
    if (hop === null) return;
    ctx.count('directSetups');
    ctx.paths.setupDirect(target, target, `direct setup: ${why}`);
  }
}
