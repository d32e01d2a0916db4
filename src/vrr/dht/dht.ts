// Dht: the distributed hash table of protocol-notes §9 as a node extension. Keys live at the node closest to
// hashKey(key) under the one comparator (the owner) and are copied to the owner's virtual neighbours (the nodes
// that take over if it fails). Requests (PUT, GET, DELETE) are routed hop by hop toward the key's hash; answers
// (REPLY) hop by hop toward the requester's address. Copies move between nodes as REPLICATE (owner -> vset
// member), HANDOFF (toward the key's hash: its owner) and RELEASE (to a node that need not keep its copy),
// each acknowledged end to end by a REPLY.
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
// Copies meet by merging: compareCopies (conflict.ts) picks the winner, the same on every node.

import { type Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import type { NodeExtension, NodeServices } from '../extension.ts';
import type { Rng } from '../rng.ts';
import { DHT_MAX_ENTRY_BYTES, DHT_MAX_KEY_BYTES } from '../wire/options/dht-fields.ts';
import { DHT_OPTION_CODECS } from '../wire/options/dht-codecs.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtOption,
  type DhtReplyOption,
  type DhtRequestOption,
  type DhtStatusValue,
  type DhtTransferOption,
  type KnownOption,
} from '../wire/types.ts';
import { compareBytes, compareCopies, type Versioned } from './conflict.ts';
import { hashKey, keyBytes, keyId, type DhtKey } from './hash-key.ts';
import { ReplyCache } from './reply-cache.ts';
import { RequestTable } from './requests.ts';
import { DhtStore, isExpired, type DhtEntry, type DhtRole } from './store.ts';

/** The outcome of a put, get or delete. */
export interface DhtResult {
  ok: boolean;
  /** get/delete: whether the key held a value. */
  found?: boolean;
  value?: Uint8Array;
  version?: number;
  /** Round trip in hops: the request's hops to the owner plus the reply's hops back (0 when owned here). */
  hops?: number;
  /** The node that answered: the key's owner. */
  owner?: Address;
  error?: string;
}

/** Options of a put. */
export interface DhtPutOptions {
  /** Time to live in ms (1 to 2^32 - 1); absent = never expires. */
  ttlMs?: number;
  /** Explicit version (1 to 2^32 - 1): refused unless newer than the stored one. Absent = stored + 1. */
  version?: number;
}

/** Tunables of a Dht. Durations in ms; defaults scale with the node's hello period. */
export interface DhtOptions {
  /** Sends of a request before it fails (default 4). */
  attempts?: number;
  /** Wait for an answer after the first send, doubled after each retry (default one hello period). */
  timeoutMs?: number;
  /** Period of the safety-net reconcile and expiry sweep (default 5 hello periods). */
  checkMs?: number;
  /**
   * A table change is reconciled once the tables have been quiet this long (each change re-arms it), so a burst
   * of changes is handled once (default half a hello period).
   */
  settleMs?: number;
  /** ... but never later than this after the first change of a burst, so a ring that keeps changing is still
   * reconciled (default 3 hello periods). */
  maxSettleMs?: number;
  /** A transfer unacknowledged this long counts as lost; resends wait twice as long, up to 8x (default 3 hellos). */
  transferTimeoutMs?: number;
  /** How long a deleted key's tombstone outlives the delete (default 300 hello periods). */
  tombstoneMs?: number;
  /** Largest key + value accepted by put (default and maximum: DHT_MAX_ENTRY_BYTES, the wire limit). */
  maxEntryBytes?: number;
  /** Answers to writes remembered to recognise retries (default 1024). */
  replyCacheSize?: number;
}

/** One live key as entries() lists it. */
export interface DhtEntryView {
  key: Uint8Array;
  hash: Address;
  value: Uint8Array;
  version: number;
  expiresAt: number | null;
  role: DhtRole;
}

type RequestKind = 'put' | 'get' | 'delete';

/** A REPLICATE, HANDOFF or RELEASE awaiting its acknowledgement. */
interface Transfer {
  kind: 'replicate' | 'handoff' | 'release';
  key: Uint8Array;
  /** The target node (REPLICATE, RELEASE) or 'handoff' (routed to the key's owner). */
  to: Address | 'handoff';
  /** The copy sent. */
  copy: Versioned;
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

/** What a pending request settles with: the reply, or why there is none. */
type RequestOutcome = DhtReplyOption | { type: 'failure'; error: string };

const DHT_TYPES: readonly number[] = Object.values(DhtOptionType);
const MAX_U32 = 0xffffffff;

/** The DHT of one node. Attach with node.attach(new Dht(node.services)). */
export class Dht implements NodeExtension {
  readonly optionTypes: readonly number[] = DHT_TYPES;
  /** Registered by node.attach() in that node's own registry. */
  readonly optionCodecs = DHT_OPTION_CODECS;
  /** The key-value table (read-only outside this class). */
  readonly store: DhtStore;

  private readonly s: NodeServices;
  private readonly me: Address;
  private readonly rng: Rng;
  private readonly opts: Required<DhtOptions>;
  private readonly requests: RequestTable<RequestOutcome>;
  private readonly transfers = new Map<number, Transfer>();
  private readonly replies: ReplyCache;
  private reconcileTimer: TimerHandle | null = null;
  /** When the first table change not yet reconciled happened (null: none pending). */
  private unsettledSince: number | null = null;
  private stopped = false;

  constructor(services: NodeServices, options: DhtOptions = {}) {
    this.s = services;
    this.me = services.address;
    // A stream of its own: the DHT's draws must not shift the node's (one draw here, at attach time).
    this.rng = services.rng.fork('dht');
    const hello = services.config.helloMs;
    this.opts = {
      attempts: options.attempts ?? 4,
      timeoutMs: options.timeoutMs ?? hello,
      checkMs: options.checkMs ?? 5 * hello,
      settleMs: options.settleMs ?? hello / 2,
      maxSettleMs: options.maxSettleMs ?? 3 * hello,
      transferTimeoutMs: options.transferTimeoutMs ?? 3 * hello,
      tombstoneMs: options.tombstoneMs ?? 300 * hello,
      maxEntryBytes: Math.min(options.maxEntryBytes ?? DHT_MAX_ENTRY_BYTES, DHT_MAX_ENTRY_BYTES),
      replyCacheSize: options.replyCacheSize ?? 1024,
    };
    this.store = new DhtStore(this.me);
    this.replies = new ReplyCache(this.opts.replyCacheSize);
    this.requests = new RequestTable(
      { rng: this.rng, setTimer: (ms, fire) => services.setTimer(ms, fire) },
      { attempts: this.opts.attempts, firstTimeoutMs: this.opts.timeoutMs },
    );
    this.schedulePeriodic(this.opts.checkMs * (0.5 + 0.5 * this.rng.next()));
  }

  // ---------------------------------------------------------------- public API

  /**
   * Stores value under key at the key's owner. `done` runs exactly once (possibly before put returns): with
   * the stored version, or ok:false and an error (bad arguments, stale explicit version, timeout).
   */
  put(key: DhtKey, value: Uint8Array, opts: DhtPutOptions, done: (r: DhtResult) => void): void {
    const k = keyBytes(key);
    const error =
      this.checkKey(k) ??
      this.checkValue(k, value) ??
      checkOptionalU32(opts.version, 'version') ??
      checkOptionalU32(opts.ttlMs, 'ttlMs');
    if (error) return done({ ok: false, error });
    const base = {
      key: k.slice(),
      value: value.slice(),
      explicitVersion: opts.version !== undefined,
      version: opts.version ?? 0,
      ttlMs: opts.ttlMs ?? 0,
    };
    this.request('put', DhtOptionType.PUT, base, done);
  }

  /** Reads key from its owner: found with value and version, or found:false. `done` runs exactly once. */
  get(key: DhtKey, done: (r: DhtResult) => void): void {
    const k = keyBytes(key);
    const error = this.checkKey(k);
    if (error) return done({ ok: false, error });
    this.request('get', DhtOptionType.GET, noValue(k), done);
  }

  /** Deletes key at its owner (a tombstone with the next version). `done` runs exactly once. */
  delete(key: DhtKey, done: (r: DhtResult) => void): void {
    const k = keyBytes(key);
    const error = this.checkKey(k);
    if (error) return done({ ok: false, error });
    this.request('delete', DhtOptionType.DELETE, noValue(k), done);
  }

  /** Live keys held here (as owner or replica), tombstones left out. Copies: safe to keep. */
  entries(): DhtEntryView[] {
    const now = this.s.now();
    const out: DhtEntryView[] = [];
    for (const e of this.store.values()) {
      if (e.tombstone || isExpired(e, now)) continue;
      out.push({
        key: e.key.slice(),
        hash: e.hash,
        value: e.value.slice(),
        version: e.version,
        expiresAt: e.expiresAt,
        role: e.role,
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- NodeExtension hooks

  onOption(option: KnownOption, sender: Address): void {
    void sender; // options carry their own source/origin; the previous hop does not matter
    if (this.stopped || !DHT_TYPES.includes(option.type as number)) return;
    this.route(option as DhtOption);
  }

  onVsetChange(): void {
    this.scheduleReconcile();
  }

  onNeighborLost(): void {
    this.scheduleReconcile();
  }

  onNeighborLinked(): void {
    this.scheduleReconcile();
  }

  onStop(): void {
    this.stopped = true;
    this.requests.settleAll(() => ({ type: 'failure', error: 'node stopped' }));
  }

  // ---------------------------------------------------------------- routing

  /**
   * One hop of any DHT option: pass it on toward its target, or handle it here when this node is the closest
   * (the owner, for a key's hash). REPLY, REPLICATE and RELEASE need the exact node: ending anywhere else,
   * they are dropped and counted.
   */
  private route(opt: DhtOption): void {
    if (opt.hopCount < opt.hopLimit) {
      const r = this.s.routeToward(opt.target, { ...opt, hopCount: opt.hopCount + 1 });
      if (r === 'forwarded') return;
      if (r === 'none') {
        this.s.count('dht.drop.noRoute');
        return;
      }
    } else if (this.s.nextHop(opt.target).kind !== 'local') {
      this.s.count('dht.drop.hopLimit');
      return;
    }
    const exact =
      opt.type === DhtOptionType.REPLY ||
      opt.type === DhtOptionType.REPLICATE ||
      opt.type === DhtOptionType.RELEASE;
    if (exact && opt.target !== this.me) {
      this.s.count('dht.drop.notExact');
      return;
    }
    switch (opt.type) {
      case DhtOptionType.PUT:
      case DhtOptionType.GET:
      case DhtOptionType.DELETE:
        return this.onRequest(opt);
      case DhtOptionType.REPLY:
        return this.onReply(opt);
      case DhtOptionType.REPLICATE:
      case DhtOptionType.HANDOFF:
        return this.onTransfer(opt);
      case DhtOptionType.RELEASE:
        return this.onRelease(opt);
    }
  }

  // ---------------------------------------------------------------- requests (origin side)

  private request(
    kind: RequestKind,
    type: DhtRequestOption['type'],
    fields: Pick<DhtRequestOption, 'key' | 'value' | 'explicitVersion' | 'version' | 'ttlMs'>,
    done: (r: DhtResult) => void,
  ): void {
    // A stopped node arms no timers: answer now, or done would never run.
    if (this.stopped) return done({ ok: false, error: 'node stopped' });
    const reqId = this.newReqId();
    const target = hashKey(fields.key);
    let sent = false;
    this.requests.start(
      reqId,
      () => {
        // An inactive node is in no ring: it would answer everything itself. Wait for the next attempt.
        if (!this.s.isActive()) {
          this.s.count('dht.request.notActive');
          return;
        }
        sent = true;
        this.s.count(`dht.request.${kind}`);
        this.route({
          type,
          hopCount: 0,
          hopLimit: this.s.config.hopLimit,
          reqId,
          target,
          origin: this.me,
          ...fields,
        });
      },
      (outcome) => done(toResult(kind, outcome)),
      (attempts) => ({
        type: 'failure',
        error: sent
          ? `${kind}: no answer after ${attempts} attempts`
          : `${kind}: this node has not joined a ring`,
      }),
    );
  }

  private onReply(opt: DhtReplyOption): void {
    if (this.requests.settle(opt.reqId, opt)) return;
    const t = this.transfers.get(opt.reqId);
    if (t) {
      this.transferAcked(opt.reqId, t, opt);
      return;
    }
    this.s.count('dht.reply.unmatched'); // a late answer to a retried request, or to a forgotten transfer
  }

  // ---------------------------------------------------------------- requests (owner side)

  private onRequest(opt: DhtRequestOption): void {
    if (opt.target !== hashKey(opt.key)) {
      this.s.count('dht.drop.badTarget');
      return;
    }
    if (opt.type !== DhtOptionType.GET) {
      const cached = this.replies.get(opt.origin, opt.reqId);
      if (cached) {
        this.s.count('dht.request.retried');
        this.route({ ...cached, hopCount: 0, requestHops: opt.hopCount });
        return;
      }
    }
    const now = this.s.now();
    const cur = this.store.get(opt.key, now);
    const live = cur && !cur.tombstone ? cur : undefined;
    const answer = (status: DhtStatusValue, e?: DhtEntry, value: Uint8Array = EMPTY): void => {
      const reply: DhtReplyOption = {
        type: DhtOptionType.REPLY,
        hopCount: 0,
        hopLimit: this.s.config.hopLimit,
        reqId: opt.reqId,
        target: opt.origin,
        requestHops: opt.hopCount,
        status,
        owner: this.me,
        version: e?.version ?? 0,
        ttlMs: e ? remainingTtl(e, now) : 0,
        value,
      };
      if (opt.type !== DhtOptionType.GET) this.replies.put(opt.origin, opt.reqId, reply);
      this.route(reply);
    };
    switch (opt.type) {
      case DhtOptionType.GET:
        return live ? answer(DhtStatus.OK, live, live.value) : answer(DhtStatus.NOT_FOUND, cur);
      case DhtOptionType.PUT: {
        if (opt.explicitVersion && cur && opt.version <= cur.version) {
          return answer(DhtStatus.STALE_VERSION, cur);
        }
        const version = opt.explicitVersion ? opt.version : (cur?.version ?? 0) + 1;
        if (version < 1 || version > MAX_U32) return answer(DhtStatus.REFUSED, cur);
        const copy = { version, origin: opt.origin, tombstone: false, value: opt.value.slice() };
        const e = this.write(opt.key, copy, opt.ttlMs > 0 ? now + opt.ttlMs : null, 'put');
        return answer(DhtStatus.OK, e);
      }
      case DhtOptionType.DELETE: {
        if (!live) return answer(DhtStatus.NOT_FOUND, cur);
        if (live.version >= MAX_U32) return answer(DhtStatus.REFUSED, cur);
        // The tombstone must outlive every older copy that could come back after a partition heals.
        const expiresAt = Math.max(now + this.opts.tombstoneMs, live.expiresAt ?? 0);
        const copy = { version: live.version + 1, origin: opt.origin, tombstone: true, value: EMPTY };
        return answer(DhtStatus.OK, this.write(opt.key, copy, expiresAt, 'delete'));
      }
    }
  }

  /** Stores a new version written here (this node is where the request ended: the owner) and spreads it. */
  private write(key: Uint8Array, copy: Versioned, expiresAt: number | null, why: string): DhtEntry {
    const cur = this.store.get(key, this.s.now());
    const e = cur ?? this.newEntry(key.slice(), 'owner', this.me);
    this.setCopy(e, copy, expiresAt);
    this.store.set(e);
    this.emitStore(e, why);
    this.reconcile(e);
    return e;
  }

  // ---------------------------------------------------------------- copies in transit

  private onTransfer(opt: DhtTransferOption): void {
    const hash = hashKey(opt.key);
    if (opt.type === DhtOptionType.HANDOFF && opt.target !== hash) {
      this.s.count('dht.drop.badTarget');
      return;
    }
    // (A hand-off of mine may come back to me, if I became the closest meanwhile: then I am its owner.)
    if (opt.version < 1 || (opt.type === DhtOptionType.REPLICATE && opt.source === this.me)) {
      this.s.count('dht.drop.badTransfer');
      return;
    }
    const now = this.s.now();
    const incoming: Versioned = {
      version: opt.version,
      origin: opt.origin,
      tombstone: opt.tombstone,
      value: opt.tombstone ? EMPTY : opt.value.slice(),
    };
    let expiresAt = opt.ttlMs > 0 ? now + opt.ttlMs : null;
    if (opt.tombstone && expiresAt === null) expiresAt = now + this.opts.tombstoneMs;
    const replicate = opt.type === DhtOptionType.REPLICATE;
    let e = this.store.get(opt.key, now);
    let push = false;
    if (!e) {
      // A copy sent to a replica is held for its sender; a hand-off ends at the node closest to the key.
      e = replicate
        ? this.newEntry(opt.key.slice(), 'replica', opt.source)
        : this.newEntry(opt.key.slice(), 'owner', this.me);
      this.setCopy(e, incoming, expiresAt);
      this.store.set(e);
      this.emitStore(e, replicate ? 'replicated' : 'handed off');
    } else {
      const cmp = compareCopies(incoming, e);
      if (cmp > 0) {
        this.setCopy(e, incoming, expiresAt);
        this.emitStore(e, replicate ? 'replicated (newer)' : 'handed off (newer)');
      } else if (cmp < 0) {
        // Mine wins: the sender's side has an older copy. The owner must learn of mine.
        this.s.count('dht.merge.keptMine');
        push = e.role === 'replica';
      }
    }
    if (replicate && e.role === 'replica') {
      // The sender counts on this copy from now on: the answer to a hand-off of mine still pending may have
      // been given before (a NOT_FOUND crossing this REPLICATE), so it no longer decides. reconcile asks again
      // if the sender is not the owner in my eyes.
      e.owner = opt.source;
      e.inFlight.delete('handoff');
    }
    // A hand-off's source holds the same copy as I do now unless mine won: no need to replicate it again.
    const holder = !replicate && compareCopies(e, incoming) === 0 ? opt.source : null;
    this.reconcile(e, push, holder);
    if (replicate) return this.ack(opt, DhtStatus.OK, e.version);
    // The owner decides who keeps copies: its virtual neighbours. Anyone else may drop theirs.
    if (e.role === 'owner' && this.s.vsetMembers().includes(opt.source)) {
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
  private onRelease(opt: DhtTransferOption): void {
    this.ack(opt, DhtStatus.OK, opt.version); // received: whatever this node does with it
    const e = this.store.get(opt.key, this.s.now());
    if (!e || e.role !== 'replica') {
      this.s.count('dht.release.ignored');
      return;
    }
    e.inFlight.delete('handoff');
    this.reconcile(e, true);
  }

  /**
   * Acknowledges a transfer to its source. For a HANDOFF, OK means "keep your copy: you are one of my
   * replicas", NOT_FOUND "I have it, you need not keep it". `version` is the version held here.
   */
  private ack(opt: DhtTransferOption, status: DhtStatusValue, version: number): void {
    this.route({
      type: DhtOptionType.REPLY,
      hopCount: 0,
      hopLimit: this.s.config.hopLimit,
      reqId: opt.reqId,
      target: opt.source,
      requestHops: opt.hopCount,
      status,
      owner: this.me,
      version,
      ttlMs: 0,
      value: EMPTY,
    });
  }

  private transferAcked(reqId: number, t: Transfer, reply: DhtReplyOption): void {
    this.transfers.delete(reqId);
    if (t.kind === 'release') return;
    const e = this.store.get(t.key, this.s.now());
    if (t.kind === 'replicate') {
      if (!e) return;
      // The replica holds t.copy now, whether or not it is still the latest (then the next reconcile sends it).
      if (e.inFlight.get(t.to) === reqId) e.inFlight.delete(t.to);
      if (e.role === 'owner') e.replicas.set(t.to as Address, t.copy);
      return;
    }
    // The owner holds the hand-off's copy or a better one now: release the nodes listed, naming the better of
    // the copy sent and the one held here now (which came from the owner if it changed meanwhile).
    const released = e && compareCopies(e, t.copy) >= 0 ? copyOf(e) : t.copy;
    for (const r of t.release) this.release(t.key, released, r);
    if (!e || e.inFlight.get(t.to) !== reqId) return; // superseded: the owner sent a newer copy meanwhile
    e.inFlight.delete(t.to);
    // Not one of the owner's replicas: drop the copy, unless a newer one arrived meanwhile (from the owner).
    if (e.role === 'replica' && reply.status !== DhtStatus.OK && compareCopies(e, t.copy) <= 0) {
      this.remove(e, 'handed off: not a replica');
    }
  }

  /**
   * Sends a copy of e and remembers it (in e.inFlight too) until acknowledged: REPLICATE to a replica, HANDOFF
   * toward the key (to = 'handoff', with the nodes to release once it is acknowledged).
   */
  private transfer(e: DhtEntry, to: Address | 'handoff', release: Address[] = [], attempt = 1): void {
    const reqId = this.newReqId();
    const copy = copyOf(e);
    const kind = to === 'handoff' ? 'handoff' : 'replicate';
    if (to !== 'handoff') this.cancelRelease(e.key, to); // a replica again: an older release must not land
    const deadline = this.transferDeadline(attempt);
    this.transfers.set(reqId, { kind, key: e.key, to, copy, deadline, attempt, release });
    e.inFlight.set(to, reqId);
    this.s.count(`dht.transfer.${kind}`);
    this.sendCopy(kind, e.key, e.hash, copy, remainingTtl(e, this.s.now()), to, reqId);
  }

  /** Tells `to` it need not keep its copy of key (unless newer than `copy`); sent again until acknowledged. */
  private release(key: Uint8Array, copy: Versioned, to: Address, attempt = 1): void {
    const reqId = this.newReqId();
    const deadline = this.transferDeadline(attempt);
    this.transfers.set(reqId, { kind: 'release', key, to, copy, deadline, attempt, release: [] });
    this.s.count('dht.transfer.release');
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
    this.route({
      type,
      hopCount: 0,
      hopLimit: this.s.config.hopLimit,
      reqId,
      target: to === 'handoff' ? hash : to,
      tombstone: copy.tombstone,
      origin: copy.origin,
      version: copy.version,
      ttlMs,
      source: this.me,
      key,
      value: kind === 'release' || copy.tombstone ? EMPTY : copy.value,
    });
  }

  /** Forgets the RELEASE of key to `to` still awaiting its acknowledgement, if any: it is not sent again. */
  private cancelRelease(key: Uint8Array, to: Address): void {
    for (const [reqId, t] of this.transfers) {
      if (t.kind === 'release' && t.to === to && compareBytes(t.key, key) === 0) this.transfers.delete(reqId);
    }
  }

  /** When a transfer sent now (its attempt-th send) counts as lost: the wait doubles, up to 8 times. */
  private transferDeadline(attempt: number): number {
    return this.s.now() + this.opts.transferTimeoutMs * 2 ** Math.min(attempt - 1, 3);
  }

  /**
   * A transfer went unacknowledged (checked by reconcileAll). A HANDOFF is sent again, with a doubling wait,
   * until acknowledged: while the ring converges acknowledgements get lost, and giving up would leave a stale
   * copy. A RELEASE is sent a few times; a REPLICATE is forgotten (reconcile sends it again if still needed).
   */
  private transferTimedOut(reqId: number, t: Transfer, now: number): void {
    this.transfers.delete(reqId);
    this.s.count('dht.transfer.timeout');
    if (t.kind === 'release') {
      if (t.attempt < MAX_RELEASE_ATTEMPTS) this.release(t.key, t.copy, t.to as Address, t.attempt + 1);
      return;
    }
    const e = this.store.get(t.key, now);
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

  // ---------------------------------------------------------------- ownership

  /** The closest node this node knows to a hash: itself, or the endpoint the forwarding rule picks. */
  private closestKnown(hash: Address): Address {
    const hop = this.s.nextHop(hash);
    return hop.kind === 'forward' ? hop.endpoint : this.me;
  }

  /** Brings one entry's role and copies in line with the current tables (see the header comment). */
  private reconcile(e: DhtEntry, push = false, holder: Address | null = null): void {
    const now = this.s.now();
    if (isExpired(e, now)) {
      this.remove(e, 'expired');
      return;
    }
    const c = this.closestKnown(e.hash);
    const vset = this.s.vsetMembers();
    if (c === this.me) {
      if (e.role !== 'owner') {
        e.role = 'owner';
        e.owner = this.me;
        e.inFlight.delete('handoff');
        this.emitRole(e, 'no closer node known');
      }
      if (holder !== null && vset.includes(holder)) {
        e.replicas.set(holder, copyOf(e));
        this.cancelRelease(e.key, holder);
      }
      // A replica that left my vset is not needed any more (a closer node took its place): release it.
      for (const m of [...e.replicas.keys()]) {
        if (vset.includes(m)) continue;
        e.replicas.delete(m);
        this.release(e.key, copyOf(e), m);
      }
      for (const m of vset) {
        const held = e.replicas.get(m);
        if ((!held || compareCopies(held, e) !== 0) && !e.inFlight.has(m)) this.transfer(e, m);
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
      e.replicas.clear();
      e.inFlight.clear();
      this.emitRole(e, 'a closer node is known');
      this.emitHandoff(e, c, 'ownership moved');
      this.transfer(e, 'handoff', release);
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
      this.emitHandoff(e, c, why);
      this.transfer(e, 'handoff');
    }
  }

  /**
   * Reconciles after the tables settle. While a ring forms, a node's routes and vset change many times a second
   * and the closest known node to a key flips with them; reconciling each change sent a hand-off, replicate or
   * release per key per flip (a 100-node lab holding 300 address mappings spent most of its CPU on that, which
   * starved hellos and kept the ring from forming). Waiting for quiet coalesces a burst into one pass; the
   * bound keeps a ring that never stops changing reconciled.
   */
  private scheduleReconcile(): void {
    if (this.stopped) return;
    const now = this.s.now();
    this.unsettledSince ??= now;
    this.reconcileTimer?.cancel();
    const wait = Math.min(this.opts.settleMs, this.unsettledSince + this.opts.maxSettleMs - now);
    this.reconcileTimer = this.s.setTimer(Math.max(0, wait), () => {
      this.reconcileTimer = null;
      this.unsettledSince = null;
      this.reconcileAll();
    });
  }

  private schedulePeriodic(delay: number): void {
    this.s.setTimer(delay, () => {
      this.reconcileAll();
      this.schedulePeriodic(this.opts.checkMs * (0.9 + 0.2 * this.rng.next()));
    });
  }

  /** Drops expired entries, forgets transfers that were never acknowledged, then reconciles every entry. */
  private reconcileAll(): void {
    if (this.stopped) return;
    const now = this.s.now();
    for (const e of this.store.sweep(now)) this.emitRemove(e, 'expired');
    for (const [reqId, t] of [...this.transfers]) {
      if (now >= t.deadline) this.transferTimedOut(reqId, t, now);
    }
    for (const e of [...this.store.values()]) this.reconcile(e);
  }

  // ---------------------------------------------------------------- helpers

  private newEntry(key: Uint8Array, role: DhtRole, owner: Address): DhtEntry {
    return {
      key,
      hash: hashKey(key),
      value: EMPTY,
      version: 1,
      origin: 0,
      expiresAt: null,
      tombstone: false,
      role,
      owner,
      replicas: new Map(),
      inFlight: new Map(),
    };
  }

  /**
   * Replaces the copy an entry holds. REPLICATEs of the old copy in flight no longer count (reconcile sends the
   * new one); a HANDOFF in flight still does: its answer and the releases it carries are still due, and if it
   * is lost it is sent again with the new copy.
   */
  private setCopy(e: DhtEntry, copy: Versioned, expiresAt: number | null): void {
    e.version = copy.version;
    e.origin = copy.origin;
    e.tombstone = copy.tombstone;
    e.value = copy.value;
    e.expiresAt = expiresAt;
    for (const to of [...e.inFlight.keys()]) if (to !== 'handoff') e.inFlight.delete(to);
  }

  private remove(e: DhtEntry, why: string): void {
    if (this.store.remove(e.key)) this.emitRemove(e, why);
  }

  private newReqId(): number {
    for (;;) {
      const id = this.rng.u32();
      if (id !== 0 && !this.requests.has(id) && !this.transfers.has(id)) return id;
    }
  }

  private checkKey(k: Uint8Array): string | null {
    if (!(k instanceof Uint8Array)) return 'key: expected a string or a Uint8Array';
    if (k.length < 1 || k.length > DHT_MAX_KEY_BYTES) {
      return `key: expected 1-${DHT_MAX_KEY_BYTES} bytes, found ${k.length}`;
    }
    return null;
  }

  private checkValue(k: Uint8Array, value: Uint8Array): string | null {
    if (!(value instanceof Uint8Array)) return 'value: expected a Uint8Array';
    const max = this.opts.maxEntryBytes - k.length;
    if (value.length > max) {
      return `value too large: ${value.length} bytes, at most ${max} with a ${k.length}-byte key`;
    }
    return null;
  }

  private emitStore(e: DhtEntry, why: string): void {
    this.s.emit({
      type: 'dht-store',
      key: keyId(e.key),
      hash: e.hash,
      version: e.version,
      role: e.role,
      why,
    });
  }

  private emitRemove(e: DhtEntry, why: string): void {
    this.s.emit({ type: 'dht-remove', key: keyId(e.key), hash: e.hash, version: e.version, why });
  }

  private emitRole(e: DhtEntry, why: string): void {
    this.s.emit({ type: 'dht-role', key: keyId(e.key), hash: e.hash, role: e.role, owner: e.owner, why });
  }

  private emitHandoff(e: DhtEntry, to: Address, why: string): void {
    this.s.emit({ type: 'dht-handoff', key: keyId(e.key), hash: e.hash, version: e.version, to, why });
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** The identity of the copy an entry holds now (a snapshot: entries are updated in place). */
function copyOf(e: DhtEntry): Versioned {
  return { version: e.version, origin: e.origin, tombstone: e.tombstone, value: e.value };
}

function noValue(
  key: Uint8Array,
): Pick<DhtRequestOption, 'key' | 'value' | 'explicitVersion' | 'version' | 'ttlMs'> {
  return { key: key.slice(), value: EMPTY, explicitVersion: false, version: 0, ttlMs: 0 };
}

/** Milliseconds an entry has left, as the wire carries it: 0 = never expires, else at least 1. */
function remainingTtl(e: Pick<DhtEntry, 'expiresAt'>, now: number): number {
  if (e.expiresAt === null) return 0;
  return Math.min(MAX_U32, Math.max(1, Math.ceil(e.expiresAt - now)));
}

function checkOptionalU32(v: number | undefined, what: string): string | null {
  if (v === undefined) return null;
  return Number.isInteger(v) && v >= 1 && v <= MAX_U32
    ? null
    : `${what}: expected an integer in [1, 2^32 - 1], found ${v}`;
}

/** Maps an answer (or its absence) to what put/get/delete report. */
function toResult(kind: RequestKind, outcome: RequestOutcome): DhtResult {
  if (outcome.type === 'failure') return { ok: false, error: outcome.error };
  const base = { hops: outcome.requestHops + outcome.hopCount, owner: outcome.owner };
  switch (outcome.status) {
    case DhtStatus.OK:
      if (kind === 'get')
        return { ok: true, found: true, value: outcome.value.slice(), version: outcome.version, ...base };
      return { ok: true, ...(kind === 'delete' ? { found: true } : {}), version: outcome.version, ...base };
    case DhtStatus.NOT_FOUND:
      return { ok: true, found: false, ...base };
    case DhtStatus.STALE_VERSION:
      return {
        ok: false,
        version: outcome.version,
        error: `stale version: the owner holds version ${outcome.version}`,
        ...base,
      };
    case DhtStatus.REFUSED:
      return {
        ok: false,
        error: `${kind} refused by the owner: version ${outcome.version} is the last one`,
        ...base,
      };
  }
}
