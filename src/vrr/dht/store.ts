// DhtStore: the key-value table of one node's DHT, owned by its Dht (context.ts creates it; placement, transfers
// and requests change its entries; other code reads it).
//
// Invariants (checkInvariants returns every violation; test/unit/vrr/dht/store.test.ts checks them):
//  - entries are keyed by their key bytes (keyId); an entry's hash is hashKey(key);
//  - key: 1-255 bytes; key + value <= DHT_MAX_ENTRY_BYTES; version: an integer in [1, 2^32 - 1];
//  - role 'owner' <=> owner === this node; a replica has no `replicas`; neither `replicas` nor `inFlight`
//    names this node;
//  - a tombstone (a deleted key, kept so that older copies cannot bring it back) has an empty value and expires;
//  - lookups never return an expired entry (expiresAt <= now); sweep() removes them;
//  - at most `caps.total` entries (MAX_DHT_ENTRIES), at most `caps.perOrigin` (MAX_DHT_ENTRIES_PER_ORIGIN) whose copy
//    one origin put (limits.ts): the DHT asks refusal() before it stores a copy, and refuses it when full (a key
//    not held, or a copy by another origin); `originCount` counts the entries per origin (retag() keeps it right
//    when a copy is replaced in place);
//  - heldUntil is set exactly on replicas: a replica's copy lapses then unless its owner confirms it again
//    (REPLICA_HOLD_HELLOS; placement.ts removes it).

import type { Address } from '../address.ts';
import { MAX_DHT_ENTRIES, MAX_DHT_ENTRIES_PER_ORIGIN } from '../limits.ts';
import { DHT_MAX_ENTRY_BYTES, DHT_MAX_KEY_BYTES } from '../wire/options/dht-fields.ts';
import type { Versioned } from './conflict.ts';
import { hashKey, keyId } from './hash-key.ts';

/** Whether this node holds a key as its owner (the closest node) or as a replica for the owner. */
export type DhtRole = 'owner' | 'replica';

/** One stored copy of a key, with the replication bookkeeping the DHT keeps for it. */
export interface DhtEntry {
  /** The key's bytes (the store's own copy). */
  key: Uint8Array;
  /** hashKey(key): the ring position the key is routed to. */
  hash: Address;
  value: Uint8Array;
  version: number;
  /** The node that put this version (conflict tie-break). */
  origin: Address;
  /** Local clock time (ms) at which the copy expires; null = never. */
  expiresAt: number | null;
  /** A deletion marker: the key reads as absent until the marker expires. */
  tombstone: boolean;
  role: DhtRole;
  /** The node this node believes owns the key: itself for role owner. */
  owner: Address;
  /**
   * Owner: the nodes that acknowledged holding a copy, with the copy they acknowledged (up to date when it
   * compares equal to this entry's). Kept across versions, so that every holder can be released.
   */
  replicas: Map<Address, Versioned>;
  /** Transfers of this version awaiting acknowledgement: replica address (REPLICATE) or 'handoff' -> reqId. */
  inFlight: Map<Address | 'handoff', number>;
  /** Replica: local time at which the copy lapses unless the owner confirms it again; null on the owner. */
  heldUntil: number | null;
  /** Owner: when it last sent its copy to every replica whatever they acknowledged (the replicas' refresh). */
  confirmedAt: number;
}

/** The table's caps (limits.ts; tests pass smaller ones). */
export interface DhtStoreCaps {
  total: number;
  perOrigin: number;
}

/** The table. */
export class DhtStore {
  private readonly map = new Map<string, DhtEntry>();
  /** Entries per origin (the node that put their copy). */
  private readonly originCount = new Map<Address, number>();

  constructor(
    readonly me: Address,
    readonly caps: DhtStoreCaps = { total: MAX_DHT_ENTRIES, perOrigin: MAX_DHT_ENTRIES_PER_ORIGIN },
  ) {}

  /**
   * The cap that storing a copy of key put by `origin` would break, or null when it fits: 'total' for a key not
   * held while the table is full, 'perOrigin' when origin's entries are at their cap (and the key's copy is not
   * origin's already).
   */
  refusal(key: Uint8Array, origin: Address): 'total' | 'perOrigin' | null {
    const held = this.map.get(keyId(key));
    if (held === undefined && this.map.size >= this.caps.total) return 'total';
    if (held?.origin !== origin && this.countOf(origin) >= this.caps.perOrigin) return 'perOrigin';
    return null;
  }

  /** The most entries any one origin put. */
  largestOrigin(): number {
    let most = 0;
    for (const n of this.originCount.values()) most = Math.max(most, n);
    return most;
  }

  /** Entries whose copy origin put. */
  countOf(origin: Address): number {
    return this.originCount.get(origin) ?? 0;
  }

  /** The entry's copy is about to be replaced by one that origin put (keeps the per-origin count right). */
  retag(e: DhtEntry, origin: Address): void {
    if (e.origin === origin || this.map.get(keyId(e.key)) !== e) return;
    this.bump(e.origin, -1);
    this.bump(origin, 1);
  }

  private bump(origin: Address, by: 1 | -1): void {
    const n = this.countOf(origin) + by;
    if (n === 0) this.originCount.delete(origin);
    else this.originCount.set(origin, n);
  }

  /** Number of entries, expired and tombstones included (until sweep()). */
  get size(): number {
    return this.map.size;
  }

  /** The live (unexpired) entry for a key, tombstones included, or undefined. */
  get(key: Uint8Array, now: number): DhtEntry | undefined {
    const e = this.map.get(keyId(key));
    return e && !isExpired(e, now) ? e : undefined;
  }

  /** Inserts or replaces the entry for its key; throws a RangeError if it breaks an invariant. */
  set(entry: DhtEntry): void {
    const problems = this.problemsOf(entry);
    if (problems.length > 0) throw new RangeError(`DhtStore.set: ${problems.join('; ')}`);
    const id = keyId(entry.key);
    const before = this.map.get(id);
    if (before !== undefined) this.bump(before.origin, -1);
    this.bump(entry.origin, 1);
    this.map.set(id, entry);
  }

  /** Removes the entry for a key; true if there was one. */
  remove(key: Uint8Array): boolean {
    const id = keyId(key);
    const e = this.map.get(id);
    if (e === undefined) return false;
    this.bump(e.origin, -1);
    return this.map.delete(id);
  }

  /** Every entry (expired ones too, until sweep()), in insertion order. */
  values(): IterableIterator<DhtEntry> {
    return this.map.values();
  }

  /** Removes and returns the entries expired at `now`. */
  sweep(now: number): DhtEntry[] {
    const gone: DhtEntry[] = [];
    for (const [id, e] of this.map) {
      if (isExpired(e, now)) {
        this.map.delete(id);
        this.bump(e.origin, -1);
        gone.push(e);
      }
    }
    return gone;
  }

  /** Every invariant violation in the table (empty when all hold). Expiry is checked by lookups, not here. */
  checkInvariants(): string[] {
    const out: string[] = [];
    const counted = new Map<Address, number>();
    for (const [id, e] of this.map) {
      if (id !== keyId(e.key)) out.push(`entry under ${id} has key ${keyId(e.key)}`);
      for (const p of this.problemsOf(e)) out.push(`${id}: ${p}`);
      counted.set(e.origin, (counted.get(e.origin) ?? 0) + 1);
    }
    if (this.map.size > this.caps.total) out.push(`${this.map.size} entries, cap ${this.caps.total}`);
    for (const [origin, n] of counted) {
      if (n !== this.countOf(origin))
        out.push(`origin ${origin}: ${n} entries, counted ${this.countOf(origin)}`);
      if (n > this.caps.perOrigin) out.push(`origin ${origin}: ${n} entries, cap ${this.caps.perOrigin}`);
    }
    if (counted.size !== this.originCount.size) out.push('entries counted for origins that have none');
    return out;
  }

  private problemsOf(e: DhtEntry): string[] {
    const out: string[] = [];
    if (e.key.length < 1 || e.key.length > DHT_MAX_KEY_BYTES) out.push(`key of ${e.key.length} bytes`);
    if (e.key.length + e.value.length > DHT_MAX_ENTRY_BYTES) {
      out.push(`key + value of ${e.key.length + e.value.length} bytes > ${DHT_MAX_ENTRY_BYTES}`);
    }
    if (e.hash !== hashKey(e.key)) out.push(`hash ${e.hash} is not hashKey(key)`);
    if (!Number.isInteger(e.version) || e.version < 1 || e.version > 0xffffffff) {
      out.push(`version ${e.version} not in [1, 2^32 - 1]`);
    }
    if ((e.role === 'owner') !== (e.owner === this.me)) out.push(`role ${e.role} with owner ${e.owner}`);
    if (e.role === 'replica' && e.replicas.size > 0) out.push('a replica lists replicas');
    if (e.replicas.has(this.me) || e.inFlight.has(this.me)) out.push('replicated to itself');
    if ((e.role === 'replica') !== (e.heldUntil !== null))
      out.push(`role ${e.role} with heldUntil ${e.heldUntil}`);
    if (e.tombstone && (e.value.length > 0 || e.expiresAt === null)) {
      out.push('a tombstone with a value or without expiry');
    }
    return out;
  }
}

/** True when the entry has expired at `now`. */
export function isExpired(e: Pick<DhtEntry, 'expiresAt'>, now: number): boolean {
  return e.expiresAt !== null && e.expiresAt <= now;
}

/** An empty value (tombstones, RELEASE, requests without one). */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** The identity of the copy an entry holds now (a snapshot: entries are updated in place). */
export function copyOf(e: DhtEntry): Versioned {
  return { version: e.version, origin: e.origin, tombstone: e.tombstone, value: e.value };
}

/** Milliseconds an entry has left, as the wire carries it: 0 = never expires, else at least 1. */
export function remainingTtl(e: Pick<DhtEntry, 'expiresAt'>, now: number): number {
  if (e.expiresAt === null) return 0;
  return Math.min(0xffffffff, Math.max(1, Math.ceil(e.expiresAt - now)));
}
