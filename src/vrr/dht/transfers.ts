// Copies in transit: REPLICATE (owner -> vset member), HANDOFF (toward the key's hash: its owner) and RELEASE (to
// a node that need not keep its copy), each acknowledged end to end by a REPLY, and the reactions to those that
// arrive here. A hand-off's answer is the owner's word on the holder's copy (placement.ts): OK "keep it, you are
// one of my replicas", NOT_FOUND "I have it, you need not keep it".
//
// Invariants (test/unit/vrr/dht/handoff.test.ts, placement.test.ts):
//  - every transfer awaiting its REPLY is in `pending` under its request id, with the time it counts as lost; the
//    RELEASEs among them are indexed in `releases` by (target, key), exactly;
//  - an entry's inFlight names a pending transfer of its current copy (REPLICATE) or any HANDOFF of it;
//  - a HANDOFF is sent again until acknowledged, with its release list; the nodes on that list are released only
//    once it is acknowledged (or superseded by a newer copy from the owner);
//  - a RELEASE never drops a copy by itself: the holder asks the owner (hands its copy off);
//  - a copy the caps or the write rule refuse (context.ts, refusal) is answered REFUSED and not stored; a REFUSED
//    REPLICATE does not count as held, a REFUSED HANDOFF as unanswered (sent again when its wait runs out);
//  - a replica's heldUntil moves on whenever its owner confirms the copy (REPLICATE, or OK to a hand-off);
//  - owned by dht.ts alone.

import type { Address } from '../address.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtReplyOption,
  type DhtStatusValue,
  type DhtTransferOption,
} from '../wire/types.ts';
import { compareCopies, type Versioned } from './conflict.ts';
import type { DhtContext } from './context.ts';
import { hashKey, keyId } from './hash-key.ts';
import { copyOf, EMPTY, remainingTtl, type DhtEntry } from './store.ts';
import { RoundTrip } from '../round-trip.ts';

/** A REPLICATE, HANDOFF or RELEASE awaiting its acknowledgement. */
interface Transfer {
  kind: 'replicate' | 'handoff' | 'release';
  key: Uint8Array;
  /** The target node (REPLICATE, RELEASE) or 'handoff' (routed to the key's owner). */
  to: Address | 'handoff';
  /** The copy sent. */
  copy: Versioned;
  /** When it was sent (local clock): its REPLY's round trip is a sample of the transfers' timeout. */
  sentAt: number;
  /** The learnt timeout it got (timeoutMs then): what a back-off doubles when it goes unanswered. */
  base: number;
  /** Considered lost after this time (local clock). */
  deadline: number;
  /** Sends so far: HANDOFF is sent again on timeout with a doubling wait, RELEASE up to MAX_RELEASE_ATTEMPTS. */
  attempt: number;
  /** HANDOFF: nodes to RELEASE once acknowledged. */
  release: Address[];
}

/**
 * Sends of one RELEASE before giving up: with the doubling wait (3, 6, 12, 24, 24, ... s at 1 s hellos) they
 * span the couple of minutes a ring takes to settle after a merge. A RELEASE never acknowledged leaves at most
 * a stale copy behind, which gets no requests.
 */
const MAX_RELEASE_ATTEMPTS = 8;

/**
 * How long a transfer's wait may grow, in transferTimeoutMs: a forming 1,024-node lab on two cores took tens of
 * seconds per round trip (round-trip.ts), and a transfer sent again every few seconds there only added to the load.
 * No more: transfers sent during a partition back the wait off to this, and at 20 the keys of a healed 100-node
 * graph settled in 60 s instead of 35 (dht/figures.test.ts).
 */
const MAX_TIMEOUT_FACTOR = 8;

/** The transfers of one node awaiting their acknowledgement, and the handling of those that arrive. */
export class Transfers {
  private readonly pending = new Map<number, Transfer>();
  /** The REPLYs' round trips: each reqId is sent once, so every matched REPLY is a clean sample (Karn). */
  private readonly rtt = new RoundTrip();
  /**
   * The pending RELEASEs by (target, key): cancelRelease runs for every transfer, and a scan of `pending` there made
   * a table of n keys cost n^2 per reconcile (a DHT flood turned that into minutes of CPU).
   */
  private readonly releases = new Map<string, number[]>();

  constructor(private readonly ctx: DhtContext) {}

  /** Whether a transfer with this request id awaits its REPLY. */
  has(reqId: number): boolean {
    return this.pending.has(reqId);
  }

  /** A REPLY arrived: true when it acknowledges one of this node's transfers (now handled). */
  onReply(reply: DhtReplyOption): boolean {
    const t = this.pending.get(reply.reqId);
    if (!t) return false;
    this.rtt.sample(this.ctx.s.now() - t.sentAt);
    if (reply.status === DhtStatus.REFUSED && t.kind === 'handoff') {
      // The owner's table is full (or the copy broke a rule there): keep the copy, ask again when the wait runs out.
      this.ctx.s.count('dht.handoff.refused');
      return true;
    }
    this.transferAcked(reply.reqId, t, reply);
    return true;
  }

  /** Handles the transfers unacknowledged at `now` (resent or forgotten). */
  sweep(now: number): void {
    for (const [reqId, t] of [...this.pending]) {
      if (now >= t.deadline) this.transferTimedOut(reqId, t, now);
    }
  }

  onTransfer(opt: DhtTransferOption): void {
    const hash = hashKey(opt.key);
    if (opt.type === DhtOptionType.HANDOFF && opt.target !== hash) {
      this.ctx.s.count('dht.drop.badTarget');
      return;
    }
    // (A hand-off of mine may come back to me, if I became the closest meanwhile: then I am its owner.)
    if (opt.version < 1 || (opt.type === DhtOptionType.REPLICATE && opt.source === this.ctx.me)) {
      this.ctx.s.count('dht.drop.badTransfer');
      return;
    }
    const now = this.ctx.s.now();
    const incoming: Versioned = {
      version: opt.version,
      origin: opt.origin,
      tombstone: opt.tombstone,
      value: opt.tombstone ? EMPTY : opt.value.slice(),
    };
    let expiresAt = opt.ttlMs > 0 ? now + opt.ttlMs : null;
    if (opt.tombstone && expiresAt === null) expiresAt = now + this.ctx.opts.tombstoneMs;
    const replicate = opt.type === DhtOptionType.REPLICATE;
    let e = this.ctx.store.get(opt.key, now);
    let push = false;
    if (!e) {
      if (this.ctx.refusal(opt.key, incoming, undefined, false) !== null)
        return this.ack(opt, DhtStatus.REFUSED, 0);
      // A copy sent to a replica is held for its sender; a hand-off ends at the node closest to the key.
      e = replicate
        ? this.ctx.newEntry(opt.key.slice(), 'replica', opt.source)
        : this.ctx.newEntry(opt.key.slice(), 'owner', this.ctx.me);
      this.ctx.setCopy(e, incoming, expiresAt);
      this.ctx.store.set(e);
      this.ctx.emitStore(e, replicate ? 'replicated' : 'handed off');
    } else {
      const cmp = compareCopies(incoming, e);
      if (cmp > 0 && this.ctx.refusal(opt.key, incoming, e, false) !== null)
        return this.ack(opt, DhtStatus.REFUSED, e.version);
      if (cmp > 0) {
        this.ctx.setCopy(e, incoming, expiresAt);
        this.ctx.emitStore(e, replicate ? 'replicated (newer)' : 'handed off (newer)');
      } else if (cmp < 0) {
        // Mine wins: the sender's side has an older copy. The owner must learn of mine; an owner must not trust
        // its record that the sender holds mine (it may have lost it and got an older one since): reconcile then
        // sends it mine at once, not a third of the hold later.
        this.ctx.s.count('dht.merge.keptMine');
        push = e.role === 'replica';
        if (e.role === 'owner') e.replicas.delete(opt.source);
      }
    }
    if (replicate && e.role === 'replica') {
      // The sender counts on this copy from now on: the answer to a hand-off of mine still pending may have
      // been given before (a NOT_FOUND crossing this REPLICATE), so it no longer decides. reconcile asks again
      // if the sender is not the owner in my eyes.
      e.owner = opt.source;
      e.inFlight.delete('handoff');
      e.heldUntil = now + this.ctx.opts.replicaHoldMs; // the owner confirms the copy
    }
    // A hand-off's source holds the same copy as I do now unless mine won: no need to replicate it again.
    const holder = !replicate && compareCopies(e, incoming) === 0 ? opt.source : null;
    this.ctx.placement.reconcile(e, push, holder);
    if (replicate) return this.ack(opt, DhtStatus.OK, e.version);
    // The owner decides who keeps copies: its virtual neighbours. Anyone else may drop theirs.
    if (e.role === 'owner' && this.ctx.s.vsetMembers().includes(opt.source)) {
      this.ack(opt, DhtStatus.OK, e.version);
    } else {
      e.replicas.delete(opt.source);
      this.ack(opt, DhtStatus.NOT_FOUND, e.version);
    }
  }

  /**
   * A RELEASE: its sender no longer counts on this node's copy. Others may (the sender may be a stale former
   * owner, or not know of a newer copy here), and only the owner knows: ask it by handing the copy off, and
   * let its answer decide. A hand-off already pending was answered before this release was sent, maybe: send
   * a fresh one (the old one's releases are still due when it is acknowledged or lost).
   */
  onRelease(opt: DhtTransferOption): void {
    this.ack(opt, DhtStatus.OK, opt.version); // received: whatever this node does with it
    const e = this.ctx.store.get(opt.key, this.ctx.s.now());
    if (!e || e.role !== 'replica') {
      this.ctx.s.count('dht.release.ignored');
      return;
    }
    e.inFlight.delete('handoff');
    this.ctx.placement.reconcile(e, true);
  }

  /**
   * Acknowledges a transfer to its source. For a HANDOFF, OK means "keep your copy: you are one of my
   * replicas", NOT_FOUND "I have it, you need not keep it". `version` is the version held here.
   */
  private ack(opt: DhtTransferOption, status: DhtStatusValue, version: number): void {
    this.ctx.route({
      type: DhtOptionType.REPLY,
      hopCount: 0,
      hopLimit: this.ctx.s.config.hopLimit,
      reqId: opt.reqId,
      target: opt.source,
      requestHops: opt.hopCount,
      status,
      owner: this.ctx.me,
      version,
      ttlMs: 0,
      value: EMPTY,
    });
  }

  private transferAcked(reqId: number, t: Transfer, reply: DhtReplyOption): void {
    this.drop(reqId, t);
    if (t.kind === 'release') return;
    const e = this.ctx.store.get(t.key, this.ctx.s.now());
    if (t.kind === 'replicate') {
      if (!e) return;
      // The replica holds t.copy now, whether or not it is still the latest (then the next reconcile sends it).
      if (e.inFlight.get(t.to) === reqId) e.inFlight.delete(t.to);
      // REFUSED: the replica's table is full; reconcile sends the copy again later.
      if (e.role === 'owner' && reply.status === DhtStatus.OK) e.replicas.set(t.to as Address, t.copy);
      return;
    }
    // The owner holds the hand-off's copy or a better one now: release the nodes listed, naming the better of
    // the copy sent and the one held here now (which came from the owner if it changed meanwhile).
    const released = e && compareCopies(e, t.copy) >= 0 ? copyOf(e) : t.copy;
    for (const r of t.release) this.release(t.key, released, r);
    if (!e || e.inFlight.get(t.to) !== reqId) return; // superseded: the owner sent a newer copy meanwhile
    e.inFlight.delete(t.to);
    if (e.role === 'replica' && reply.status === DhtStatus.OK)
      e.heldUntil = this.ctx.s.now() + this.ctx.opts.replicaHoldMs; // the owner counts on this copy
    // Not one of the owner's replicas: drop the copy, unless a newer one arrived meanwhile (from the owner).
    if (e.role === 'replica' && reply.status !== DhtStatus.OK && compareCopies(e, t.copy) <= 0) {
      this.ctx.remove(e, 'handed off: not a replica');
    }
  }

  /**
   * Sends a copy of e and remembers it (in e.inFlight too) until acknowledged: REPLICATE to a replica, HANDOFF
   * toward the key (to = 'handoff', with the nodes to release once it is acknowledged).
   */
  transfer(e: DhtEntry, to: Address | 'handoff', release: Address[] = [], attempt = 1): void {
    const reqId = this.ctx.newReqId();
    const copy = copyOf(e);
    const kind = to === 'handoff' ? 'handoff' : 'replicate';
    if (to !== 'handoff') this.cancelRelease(e.key, to); // a replica again: an older release must not land
    this.pending.set(reqId, { kind, key: e.key, to, copy, ...this.wait(kind, attempt), attempt, release });
    e.inFlight.set(to, reqId);
    this.ctx.s.count(`dht.transfer.${kind}`);
    this.sendCopy(kind, e.key, e.hash, copy, remainingTtl(e, this.ctx.s.now()), to, reqId);
  }

  /** Tells `to` it need not keep its copy of key (unless newer than `copy`); sent again until acknowledged. */
  release(key: Uint8Array, copy: Versioned, to: Address, attempt = 1): void {
    const reqId = this.ctx.newReqId();
    this.pending.set(reqId, {
      kind: 'release',
      key,
      to,
      copy,
      ...this.wait('release', attempt),
      attempt,
      release: [],
    });
    const k = releaseKey(to, key);
    const list = this.releases.get(k);
    if (list === undefined) this.releases.set(k, [reqId]);
    else list.push(reqId);
    this.ctx.s.count('dht.transfer.release');
    this.sendCopy('release', key, hashKey(key), copy, 0, to, reqId);
  }

  private sendCopy(
    kind: Transfer['kind'],
    key: Uint8Array,
    hash: Address,
    copy: Versioned,
    ttlMs: number,
    to: Address | 'handoff',
    reqId: number,
  ): void {
    const type =
      kind === 'replicate'
        ? DhtOptionType.REPLICATE
        : kind === 'handoff'
          ? DhtOptionType.HANDOFF
          : DhtOptionType.RELEASE;
    this.ctx.route({
      type,
      hopCount: 0,
      hopLimit: this.ctx.s.config.hopLimit,
      reqId,
      target: to === 'handoff' ? hash : to,
      tombstone: copy.tombstone,
      origin: copy.origin,
      version: copy.version,
      ttlMs,
      source: this.ctx.me,
      key,
      value: kind === 'release' || copy.tombstone ? EMPTY : copy.value,
    });
  }

  /** Forgets the RELEASE of key to `to` still awaiting its acknowledgement, if any: it is not sent again. */
  cancelRelease(key: Uint8Array, to: Address): void {
    const k = releaseKey(to, key);
    const list = this.releases.get(k);
    if (list === undefined) return;
    this.releases.delete(k);
    for (const reqId of list) this.pending.delete(reqId);
  }

  // Forgets a pending transfer (and its index entry, for a RELEASE).
  private drop(reqId: number, t: Transfer): void {
    this.pending.delete(reqId);
    if (t.kind !== 'release') return;
    const k = releaseKey(t.to as Address, t.key);
    const list = this.releases.get(k);
    const at = list?.indexOf(reqId) ?? -1;
    if (at < 0) return;
    list!.splice(at, 1);
    if (list!.length === 0) this.releases.delete(k);
  }

  /**
   * The wait of a transfer sent now (its attempt-th send): transferTimeoutMs doubled with each attempt up to 8
   * times, or for a REPLICATE or HANDOFF the learnt timeout when that is longer; the deadline is when it counts as
   * lost. A RELEASE keeps the fixed waits: it is sent a bounded number of times anyway, and a release held back by
   * a timeout learnt during a partition left stale copies for twice as long after the heal (dht/figures.test.ts).
   */
  private wait(kind: Transfer['kind'], attempt: number): Pick<Transfer, 'sentAt' | 'base' | 'deadline'> {
    const base = this.timeoutMs;
    const sentAt = this.ctx.s.now();
    const doubled = this.ctx.opts.transferTimeoutMs * 2 ** Math.min(attempt - 1, 3);
    return { sentAt, base, deadline: sentAt + (kind === 'release' ? doubled : Math.max(base, doubled)) };
  }

  /** The learnt timeout (ms): transferTimeoutMs until REPLYs or unanswered transfers say otherwise. */
  get timeoutMs(): number {
    const floor = this.ctx.opts.transferTimeoutMs;
    return this.rtt.timeout(floor, floor * MAX_TIMEOUT_FACTOR);
  }

  /**
   * A transfer went unacknowledged (checked by reconcileAll). A HANDOFF is sent again, with a doubling wait,
   * until acknowledged: while the ring converges acknowledgements get lost, and giving up would leave a stale
   * copy. A RELEASE is sent a few times; a REPLICATE is forgotten (reconcile sends it again if still needed).
   */
  private transferTimedOut(reqId: number, t: Transfer, now: number): void {
    this.drop(reqId, t);
    this.ctx.s.count('dht.transfer.timeout');
    // Slow, or lost: later transfers wait longer until a REPLY comes. Not for a RELEASE: its target may have left
    // the ring (nobody answers for it), which says nothing of how long an answer takes.
    if (t.kind !== 'release') this.rtt.backOff(t.base, this.ctx.opts.transferTimeoutMs * MAX_TIMEOUT_FACTOR);
    if (t.kind === 'release') {
      if (t.attempt < MAX_RELEASE_ATTEMPTS) this.release(t.key, t.copy, t.to as Address, t.attempt + 1);
      return;
    }
    const e = this.ctx.store.get(t.key, now);
    if (e && e.inFlight.get(t.to) === reqId) {
      e.inFlight.delete(t.to);
      // The release list travels with the hand-off: losing it would leave stale copies behind.
      if (t.kind === 'handoff') this.transfer(e, 'handoff', t.release, t.attempt + 1);
      return;
    }
    // Superseded: the owner sent a newer copy, or released mine (so it holds one). The releases are still due.
    if (t.kind === 'handoff') {
      const released = e && compareCopies(e, t.copy) >= 0 ? copyOf(e) : t.copy;
      for (const r of t.release) this.release(t.key, released, r);
    }
  }
}

/** The index key of a pending RELEASE. */
function releaseKey(to: Address, key: Uint8Array): string {
  return `${to}/${keyId(key)}`;
}
