// DhtStore: the key-value table of one node's DHT, owned by its Dht (context.ts creates it; placement, transfers
// and requests change its entries; other code reads it).
//
// Invariants (checkInvariants returns every violation; test/unit/vrr/dht/store.test.ts checks them):
//  - entries are keyed by their key bytes (keyId); an entry's hash is hashKey(key);
//  - key: 1-255 bytes; key + value <= DHT_MAX_ENTRY_BYTES; version: an integer in [1, 2^32 - 1];
//  - role 'owner' <=> owner === this node; a replica has no `replicas`; neither `replicas` nor `inFlight`
//    names this node;
//  - a tombstone (a deleted key, kept so that older copies cannot bring it back) has an empty value and expires;
//  - lookups never return an expired entry (expiresAt <= now); sweep() removes them.

import type { Address } from '../address.ts';
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
}

/** The table. */
export class DhtStore {
  private readonly map = new Map<string, DhtEntry>();

  constructor(readonly me: Address) {}

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
    this.map.set(keyId(entry.key), entry);
  }

  /** Removes the entry for a key; true if there was one. */
  remove(key: Uint8Array): boolean {
    return this.map.delete(keyId(key));
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
        gone.push(e);
      }
    }
    return gone;
  }

  /** Every invariant violation in the table (empty when all hold). Expiry is checked by lookups, not here. */
  checkInvariants(): string[] {
    const out: string[] = [];
    for (const [id, e] of this.map) {
      if (id !== keyId(e.key)) out.push(`entry under ${id} has key ${keyId(e.key)}`);
      for (const p of this.problemsOf(e)) out.push(`${id}: ${p}`);
    }
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
