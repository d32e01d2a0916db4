// Placement: which node holds which key, and in which role (docs/protocol.md, DHT). Keys live at the node closest to
// hashKey(key) under the one comparator (the owner) and are copied to the owner's virtual neighbours (the nodes
// that take over if it fails).
//
// INVARIANT (placement): a node other than the owner keeps a copy exactly while the owner counts on it. Only
// the owner knows who that is (its vset), and it keeps count in e.replicas. So a copy leaves a non-owner only
// on the owner's word: the answer to the holder's own latest hand-off, given by the node the hand-off reached
// (the owner, as routing knows it), which records in the same step whether it counts on that copy (OK: keep,
// NOT_FOUND: drop). Nothing else drops a copy but expiry: a RELEASE, from whoever sends it, only makes the
// holder ask (hand off its copy), and a message from an owner that crosses a pending hand-off makes that
// hand-off's answer stale (a REPLICATE answers it: keep; a RELEASE asks again). Once the ring settles, a key is
// held by exactly its owner and the owner's virtual neighbours, every copy the winner of the copies that met
// (one value everywhere). Before, a RELEASE dropped the copy when its sender looked as close to the key as the
// closest node the holder knew: a stale former owner then removed copies the real owner counted on (a replica
// missing for good), and a holder that knew a closer node that was not the owner either kept a copy no owner
// counted on, in a stale version (issue #3).
//
// Ownership is hard state, re-checked (reconcile) only when something changes: the vset changed, a neighbour
// came or went, a copy arrived; and every few hello periods as a safety net. In a stable ring the DHT sends
// nothing. Per entry, reconcile asks "who is the closest node I know to this key?" (the forwarding rule's
// answer, so it agrees with where requests end):
//  - me: I am the owner. Replicate to every vset member that has not acknowledged this copy; release the
//    replicas that left my vset.
//  - someone else, and I was the owner: hand the entry off toward the key; once acknowledged, release every
//    node that may hold a copy from me (each asks the new owner in turn).
//  - someone else, and I am a replica: keep the copy while nothing changes. When the owner changed in my eyes,
//    when it is not a virtual neighbour of mine (then I may not be one of its replicas), when my copy beat
//    the one I was sent, or when I was released, hand the copy off.
// The owner answers every hand-off with whether its source is one of its replicas (one of its virtual
// neighbours): a node that is not drops its copy then. So the owner decides where copies live, and a copy
// leaves a node only after the owner acknowledged holding it (or it expired). Hand-offs are sent again until
// acknowledged (while the ring converges, answers get lost), with a doubling wait.
//
// Replicas expire: a replica's copy lapses replicaHoldMs (REPLICA_HOLD_HELLOS periods, limits.ts) after its owner
// last confirmed it (a REPLICATE, or OK to a hand-off), and owners send every replica their copy again every third
// of that, so a copy planted by a node that is not (or no longer) the owner does not stay for good. A holder that
// is the closest node to the key is its owner: its copy does not lapse (reconcile makes it the owner's first).
//
// Invariants: the placement invariant above (test/unit/vrr/dht/placement.test.ts, figures.test.ts); an old
// owner hands a key off toward its hash and releases the nodes that may hold its copies only once the hand-off is
// acknowledged (handoff.test.ts); a burst of table changes is reconciled once, at most maxSettleMs after its first
// change; owned by dht.ts alone.

import type { Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import { compareCopies } from './conflict.ts';
import type { DhtContext } from './context.ts';
import { copyOf, isExpired, type DhtEntry } from './store.ts';

/** Ownership re-checks of one node's entries. */
export class Placement {
  private reconcileTimer: TimerHandle | null = null;
  /** When the first table change not yet reconciled happened (null: none pending). */
  private unsettledSince: number | null = null;

  constructor(private readonly ctx: DhtContext) {}

  /** The closest node this node knows to a hash: itself, or the endpoint the forwarding rule picks. */
  private closestKnown(hash: Address): Address {
    const hop = this.ctx.s.nextHop(hash);
    return hop.kind === 'forward' ? hop.endpoint : this.ctx.me;
  }

  /** Brings one entry's role and copies in line with the current tables (see the header comment). */
  reconcile(e: DhtEntry, push = false, holder: Address | null = null): void {
    const now = this.ctx.s.now();
    if (isExpired(e, now)) {
      this.ctx.remove(e, 'expired');
      return;
    }
    const c = this.closestKnown(e.hash);
    if (c !== this.ctx.me && e.heldUntil !== null && e.heldUntil <= now) {
      // No owner confirmed this copy for replicaHoldMs: whoever it was held for no longer counts on it. (At the
      // closest node the copy is the owner's now, whatever it was before: a hand-off or a write may just have
      // landed in it, and was answered as stored.)
      this.ctx.s.count('dht.replica.lapsed');
      this.ctx.remove(e, 'replica lapsed');
      return;
    }
    const vset = this.ctx.s.vsetMembers();
    if (c === this.ctx.me) {
      if (e.role !== 'owner') {
        e.role = 'owner';
        e.owner = this.ctx.me;
        e.heldUntil = null;
        e.confirmedAt = now;
        e.inFlight.delete('handoff');
        this.ctx.emitRole(e, 'no closer node known');
      }
      // Every third of the replicas' hold, each gets the copy again whatever it acknowledged: their hold moves on.
      const refresh = now - e.confirmedAt >= this.ctx.opts.replicaHoldMs / 3;
      if (refresh) e.confirmedAt = now;
      if (holder !== null && vset.includes(holder)) {
        e.replicas.set(holder, copyOf(e));
        this.ctx.transfers.cancelRelease(e.key, holder);
      }
      // A replica that left my vset is not needed any more (a closer node took its place): release it.
      for (const m of [...e.replicas.keys()]) {
        if (vset.includes(m)) continue;
        e.replicas.delete(m);
        this.ctx.transfers.release(e.key, copyOf(e), m);
      }
      for (const m of vset) {
        const held = e.replicas.get(m);
        if ((refresh || !held || compareCopies(held, e) !== 0) && !e.inFlight.has(m))
          this.ctx.transfers.transfer(e, m);
      }
      return;
    }
    if (e.role === 'owner') {
      // A closer node owns the key now: hand it over (its answer says whether I stay one of its replicas).
      // Once it is acknowledged, release every node that may hold a copy from me: my former replicas, those a
      // copy is on its way to, and my vset. Each asks the new owner in turn (hands its copy off), and keeps it
      // if the owner counts on it.
      const sentTo = [...e.inFlight.keys()].filter((k): k is Address => k !== 'handoff');
      const release = [...new Set([...e.replicas.keys(), ...sentTo, ...vset])].filter((m) => m !== c);
      e.role = 'replica';
      e.owner = c;
      e.heldUntil = now + this.ctx.opts.replicaHoldMs;
      e.replicas.clear();
      e.inFlight.clear();
      this.ctx.emitRole(e, 'a closer node is known');
      this.ctx.emitHandoff(e, c, 'ownership moved');
      this.ctx.transfers.transfer(e, 'handoff', release);
      return;
    }
    // A replica: when its view of the owner changed, or the owner is not a virtual neighbour (so I may not be
    // among its replicas: vsets are symmetric), or when told to (push: my copy won, or I was released), it
    // hands the copy to the owner, whose answer says whether to keep it.
    let why = push ? 'asking the owner' : null;
    if (e.owner !== c) {
      e.owner = c;
      why = 'owner changed';
    }
    if (why === null && !vset.includes(c)) why = 'owner not a virtual neighbour';
    if (why !== null && !e.inFlight.has('handoff')) {
      this.ctx.emitHandoff(e, c, why);
      this.ctx.transfers.transfer(e, 'handoff');
    }
  }

  /**
   * Reconciles after the tables settle. While a ring forms, a node's routes and vset change many times a second
   * and the closest known node to a key flips with them; reconciling each change sent a hand-off, replicate or
   * release per key per flip (a 100-node lab holding 300 address mappings spent most of its CPU on that, which
   * starved hellos and kept the ring from forming). Waiting for quiet coalesces a burst into one pass; the
   * bound keeps a ring that never stops changing reconciled.
   */
  scheduleReconcile(): void {
    if (this.ctx.stopped) return;
    const now = this.ctx.s.now();
    this.unsettledSince ??= now;
    this.reconcileTimer?.cancel();
    const wait = Math.min(this.ctx.opts.settleMs, this.unsettledSince + this.ctx.opts.maxSettleMs - now);
    this.reconcileTimer = this.ctx.s.setTimer(Math.max(0, wait), () => {
      this.reconcileTimer = null;
      this.unsettledSince = null;
      this.reconcileAll();
    });
  }

  schedulePeriodic(delay: number): void {
    this.ctx.s.setTimer(delay, () => {
      this.reconcileAll();
      this.schedulePeriodic(this.ctx.opts.checkMs * (0.9 + 0.2 * this.ctx.rng.next()));
    });
  }

  /** Drops expired entries, forgets transfers that were never acknowledged, then reconciles every entry. */
  private reconcileAll(): void {
    if (this.ctx.stopped) return;
    const now = this.ctx.s.now();
    for (const e of this.ctx.store.sweep(now)) this.ctx.emitRemove(e, 'expired');
    this.ctx.transfers.sweep(now);
    for (const e of [...this.ctx.store.values()]) this.reconcile(e);
  }
}
