// What the parts of one node's DHT share: the node's services, the DHT's own rng stream, the resolved tunables,
// the key-value table (store.ts), the helpers that change an entry and report it, and the one routing step every
// DHT option takes (route), which hands an option that ends here to the module that handles it:
//
//   requests.ts   PUT, GET and DELETE: the requests this node makes, and its answers as a key's owner
//   transfers.ts  REPLICATE, HANDOFF and RELEASE: copies in transit, each acknowledged by a REPLY
//   placement.ts  who holds which key: ownership re-checked when the tables change
//
// Invariants (test/unit/vrr/dht/*.test.ts):
//  - a request id names at most one outstanding request or transfer (newReqId);
//  - REPLY, REPLICATE and RELEASE are handled only at their exact target; the rest where routing ends;
//  - nothing is sent or armed once `stopped`;
//  - a copy is stored only if refusal() allows it: the caps of limits.ts (MAX_DHT_ENTRIES, per origin,
//    MAX_VERSION_JUMP) and the application's write rule; each refusal is counted.

import type { Address } from '../address.ts';
import type { NodeServices } from '../extension.ts';
import type { Rng } from '../rng.ts';
import {
  MAX_DHT_ENTRIES,
  MAX_DHT_ENTRIES_PER_ORIGIN,
  MAX_VERSION_JUMP,
  REPLICA_HOLD_HELLOS,
} from '../limits.ts';
import { DHT_MAX_ENTRY_BYTES } from '../wire/options/dht-fields.ts';
import { DhtOptionType, type DhtOption } from '../wire/types.ts';
import type { Versioned } from './conflict.ts';
import { hashKey, keyId } from './hash-key.ts';
import type { Placement } from './placement.ts';
import type { DhtRequests } from './requests.ts';
import { DhtStore, EMPTY, type DhtEntry, type DhtRole } from './store.ts';
import type { Transfers } from './transfers.ts';

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
  /** A replica's copy lapses this long after its owner last confirmed it (default REPLICA_HOLD_HELLOS periods). */
  replicaHoldMs?: number;
  /** Entries held at most (default and maximum MAX_DHT_ENTRIES: tests pass smaller caps). */
  maxEntries?: number;
  /** Entries whose copy one origin put, at most (default and maximum MAX_DHT_ENTRIES_PER_ORIGIN). */
  maxEntriesPerOrigin?: number;
  /**
   * Which copies this node accepts for a key (its application's rule, e.g. vrrd's address mappings: only from the
   * node they name): the reason a copy is refused, or null. Asked for every PUT, DELETE and transfer stored here.
   */
  writePolicy?: DhtWritePolicy;
}

/** A write rule: why `copy` may not replace `held` (undefined: the key is not held here), or null. */
export type DhtWritePolicy = (key: Uint8Array, copy: Versioned, held: Versioned | undefined) => string | null;

/** Why a copy was not stored (each counted: cap.dht.* for the caps, dht.refused.policy for the write rule). */
export type DhtRefusal = 'total' | 'perOrigin' | 'versionJump' | 'policy';

/** The shared state of one node's DHT. */
export class DhtContext {
  readonly me: Address;
  readonly rng: Rng;
  readonly opts: Required<Omit<DhtOptions, 'writePolicy'>> & Pick<DhtOptions, 'writePolicy'>;
  /** The key-value table. */
  readonly store: DhtStore;
  stopped = false;
  /** Set by Dht's constructor, before anything runs. */
  requests!: DhtRequests;
  transfers!: Transfers;
  placement!: Placement;

  constructor(
    readonly s: NodeServices,
    options: DhtOptions,
  ) {
    this.me = s.address;
    // A stream of its own: the DHT's draws must not shift the node's (one draw here, at attach time).
    this.rng = s.rng.fork('dht');
    const hello = s.config.helloMs;
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
      replicaHoldMs: options.replicaHoldMs ?? REPLICA_HOLD_HELLOS * hello,
      maxEntries: Math.min(options.maxEntries ?? MAX_DHT_ENTRIES, MAX_DHT_ENTRIES),
      maxEntriesPerOrigin: Math.min(
        options.maxEntriesPerOrigin ?? MAX_DHT_ENTRIES_PER_ORIGIN,
        MAX_DHT_ENTRIES_PER_ORIGIN,
      ),
      writePolicy: options.writePolicy,
    };
    this.store = new DhtStore(this.me, {
      total: this.opts.maxEntries,
      perOrigin: this.opts.maxEntriesPerOrigin,
    });
  }

  /**
   * Why `copy` of key may not be stored here over `held` (undefined: not held), or null; a refusal is counted. The
   * caps (limits.ts): a key not held while the table is full, an origin at its cap; a version more than
   * MAX_VERSION_JUMP ahead of the held one (`bounded`: of 0 when none is held, for PUTs; a transfer of a key not
   * held carries its history from the node that held it, and is taken at its version); then the write rule.
   */
  refusal(key: Uint8Array, copy: Versioned, held: DhtEntry | undefined, bounded: boolean): DhtRefusal | null {
    let why: DhtRefusal | null = this.store.refusal(key, copy.origin);
    if (
      why === null &&
      (held !== undefined || bounded) &&
      copy.version > (held?.version ?? 0) + MAX_VERSION_JUMP
    )
      why = 'versionJump';
    if (why === null && this.opts.writePolicy?.(key, copy, held) != null) why = 'policy';
    if (why !== null) this.s.count(why === 'policy' ? 'dht.refused.policy' : `cap.dht.${why}`);
    return why;
  }

  /**
   * One hop of any DHT option: pass it on toward its target, or handle it here when this node is the closest
   * (the owner, for a key's hash). REPLY, REPLICATE and RELEASE need the exact node: ending anywhere else,
   * they are dropped and counted.
   */
  route(opt: DhtOption): void {
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
        return this.requests.onRequest(opt);
      case DhtOptionType.REPLY:
        return this.requests.onReply(opt);
      case DhtOptionType.REPLICATE:
      case DhtOptionType.HANDOFF:
        return this.transfers.onTransfer(opt);
      case DhtOptionType.RELEASE:
        return this.transfers.onRelease(opt);
    }
  }

  /** A new entry for key, empty until setCopy. */
  newEntry(key: Uint8Array, role: DhtRole, owner: Address): DhtEntry {
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
      heldUntil: role === 'replica' ? this.s.now() + this.opts.replicaHoldMs : null,
      confirmedAt: this.s.now(),
    };
  }

  /**
   * Replaces the copy an entry holds. REPLICATEs of the old copy in flight no longer count (reconcile sends the
   * new one); a HANDOFF in flight still does: its answer and the releases it carries are still due, and if it
   * is lost it is sent again with the new copy.
   */
  setCopy(e: DhtEntry, copy: Versioned, expiresAt: number | null): void {
    this.store.retag(e, copy.origin);
    e.version = copy.version;
    e.origin = copy.origin;
    e.tombstone = copy.tombstone;
    e.value = copy.value;
    e.expiresAt = expiresAt;
    for (const to of [...e.inFlight.keys()]) if (to !== 'handoff') e.inFlight.delete(to);
  }

  /** Removes an entry and reports it. */
  remove(e: DhtEntry, why: string): void {
    if (this.store.remove(e.key)) this.emitRemove(e, why);
  }

  /** A request id not in use by a request or a transfer. */
  newReqId(): number {
    for (;;) {
      const id = this.rng.u32();
      if (id !== 0 && !this.requests.has(id) && !this.transfers.has(id)) return id;
    }
  }

  emitStore(e: DhtEntry, why: string): void {
    this.s.emit({
      type: 'dht-store',
      key: keyId(e.key),
      hash: e.hash,
      version: e.version,
      role: e.role,
      why,
    });
  }

  emitRemove(e: DhtEntry, why: string): void {
    this.s.emit({ type: 'dht-remove', key: keyId(e.key), hash: e.hash, version: e.version, why });
  }

  emitRole(e: DhtEntry, why: string): void {
    this.s.emit({ type: 'dht-role', key: keyId(e.key), hash: e.hash, role: e.role, owner: e.owner, why });
  }

  emitHandoff(e: DhtEntry, to: Address, why: string): void {
    this.s.emit({ type: 'dht-handoff', key: keyId(e.key), hash: e.hash, version: e.version, to, why });
  }
}
