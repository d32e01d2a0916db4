// The DHT's requests (PUT, GET, DELETE). The requests a node has sent and not yet seen answered are in a
// RequestTable: each is retried with exponential backoff and seeded jitter, and its callback runs exactly once,
// with the answer or with a timeout error. The owner of a key (where a request's routing ends) answers it, and
// remembers its answers to writes (ReplyCache) so that a retried write is answered again, not applied twice.
//
// Invariants (test/unit/vrr/dht/requests.test.ts, dht.test.ts): a request id is in the table from send until it
// settles, then never again; settle() runs the callback only for a request still in the table, so a late or
// duplicated reply cannot run it twice; a write is answered only by the node where its routing ended, after the
// new version is stored and its replication started; a write the caps or the write rule refuse (context.ts,
// refusal) is answered REFUSED and changes nothing; owned by dht.ts alone.

import type { Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import type { Rng } from '../rng.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtReplyOption,
  type DhtRequestOption,
  type DhtStatusValue,
} from '../wire/types.ts';
import type { Versioned } from './conflict.ts';
import type { DhtContext } from './context.ts';
import { MAX_VERSION_JUMP } from '../limits.ts';
import { hashKey } from './hash-key.ts';
import { ReplyCache } from './reply-cache.ts';
import { EMPTY, remainingTtl, type DhtEntry } from './store.ts';

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

/** Which operation a request is. */
export type RequestKind = 'put' | 'get' | 'delete';

/** What a pending request settles with: the reply, or why there is none. */
type RequestOutcome = DhtReplyOption | { type: 'failure'; error: string };

const MAX_U32 = 0xffffffff;

/** The requests of one node's DHT: those it makes, and its answers as the owner of a key. */
export class DhtRequests {
  private readonly table: RequestTable<RequestOutcome>;
  private readonly replies: ReplyCache;

  constructor(private readonly ctx: DhtContext) {
    this.replies = new ReplyCache(ctx.opts.replyCacheSize);
    this.table = new RequestTable(
      { rng: ctx.rng, setTimer: (ms, fire) => ctx.s.setTimer(ms, fire) },
      { attempts: ctx.opts.attempts, firstTimeoutMs: ctx.opts.timeoutMs },
    );
  }

  /** Whether a request with this id is outstanding. */
  has(reqId: number): boolean {
    return this.table.has(reqId);
  }

  /** Fails every outstanding request (the node stopped). */
  stop(): void {
    this.table.settleAll(() => ({ type: 'failure', error: 'node stopped' }));
  }

  /** Sends a request toward the key's owner; `done` runs once, with the answer or a failure. */
  request(
    kind: RequestKind,
    type: DhtRequestOption['type'],
    fields: Pick<DhtRequestOption, 'key' | 'value' | 'explicitVersion' | 'version' | 'ttlMs'>,
    done: (r: DhtResult) => void,
  ): void {
    // A stopped node arms no timers: answer now, or done would never run.
    if (this.ctx.stopped) return done({ ok: false, error: 'node stopped' });
    const reqId = this.ctx.newReqId();
    const target = hashKey(fields.key);
    let sent = false;
    this.table.start(
      reqId,
      () => {
        // An inactive node is in no ring: it would answer everything itself. Wait for the next attempt.
        if (!this.ctx.s.isActive()) {
          this.ctx.s.count('dht.request.notActive');
          return;
        }
        sent = true;
        this.ctx.s.count(`dht.request.${kind}`);
        this.ctx.route({
          type,
          hopCount: 0,
          hopLimit: this.ctx.s.config.hopLimit,
          reqId,
          target,
          origin: this.ctx.me,
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

  /** A REPLY arrived here: it settles a request of mine, or acknowledges a transfer. */
  onReply(opt: DhtReplyOption): void {
    if (this.table.settle(opt.reqId, opt)) return;
    if (this.ctx.transfers.onReply(opt)) return;
    this.ctx.s.count('dht.reply.unmatched'); // a late answer to a retried request, or to a forgotten transfer
  }

  /** A request ended here: this node is the key's owner. */
  onRequest(opt: DhtRequestOption): void {
    if (opt.target !== hashKey(opt.key)) {
      this.ctx.s.count('dht.drop.badTarget');
      return;
    }
    if (opt.type !== DhtOptionType.GET) {
      const cached = this.replies.get(opt.origin, opt.reqId);
      if (cached) {
        this.ctx.s.count('dht.request.retried');
        this.ctx.route({ ...cached, hopCount: 0, requestHops: opt.hopCount });
        return;
      }
    }
    const now = this.ctx.s.now();
    const cur = this.ctx.store.get(opt.key, now);
    const live = cur && !cur.tombstone ? cur : undefined;
    const answer = (status: DhtStatusValue, e?: DhtEntry, value: Uint8Array = EMPTY): void => {
      const reply: DhtReplyOption = {
        type: DhtOptionType.REPLY,
        hopCount: 0,
        hopLimit: this.ctx.s.config.hopLimit,
        reqId: opt.reqId,
        target: opt.origin,
        requestHops: opt.hopCount,
        status,
        owner: this.ctx.me,
        version: e?.version ?? 0,
        ttlMs: e ? remainingTtl(e, now) : 0,
        value,
      };
      if (opt.type !== DhtOptionType.GET) this.replies.put(opt.origin, opt.reqId, reply);
      this.ctx.route(reply);
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
        const copy = { version, origin: opt.origin, tombstone: false, value: opt.value };
        // The caps (a full table, an origin at its cap, a version too far ahead) and the write rule.
        if (this.ctx.refusal(opt.key, copy, cur, true) !== null) return answer(DhtStatus.REFUSED, cur);
        copy.value = opt.value.slice();
        const e = this.write(opt.key, copy, opt.ttlMs > 0 ? now + opt.ttlMs : null, 'put');
        return answer(DhtStatus.OK, e);
      }
      case DhtOptionType.DELETE: {
        if (!live) return answer(DhtStatus.NOT_FOUND, cur);
        if (live.version >= MAX_U32) return answer(DhtStatus.REFUSED, cur);
        // The tombstone must outlive every older copy that could come back after a partition heals.
        const expiresAt = Math.max(now + this.ctx.opts.tombstoneMs, live.expiresAt ?? 0);
        const copy = { version: live.version + 1, origin: opt.origin, tombstone: true, value: EMPTY };
        if (this.ctx.refusal(opt.key, copy, cur, true) !== null) return answer(DhtStatus.REFUSED, cur);
        return answer(DhtStatus.OK, this.write(opt.key, copy, expiresAt, 'delete'));
      }
    }
  }

  /** Stores a new version written here (this node is where the request ended: the owner) and spreads it. */
  private write(key: Uint8Array, copy: Versioned, expiresAt: number | null, why: string): DhtEntry {
    const cur = this.ctx.store.get(key, this.ctx.s.now());
    const e = cur ?? this.ctx.newEntry(key.slice(), 'owner', this.ctx.me);
    this.ctx.setCopy(e, copy, expiresAt);
    this.ctx.store.set(e);
    this.ctx.emitStore(e, why);
    this.ctx.placement.reconcile(e);
    return e;
  }
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
        version: outcome.version,
        error:
          `${kind} refused by the owner, which holds version ${outcome.version}: the last version, a version ` +
          `more than ${MAX_VERSION_JUMP} ahead of it, a full table or the application's write rule`,
        ...base,
      };
  }
}
