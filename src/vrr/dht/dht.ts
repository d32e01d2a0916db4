// Dht: the distributed hash table of docs/protocol.md (DHT) as a node extension. Keys live at the node closest to
// hashKey(key) under the one comparator (the owner) and are copied to the owner's virtual neighbours (the nodes
// that take over if it fails). Requests (PUT, GET, DELETE) are routed hop by hop toward the key's hash; answers
// (REPLY) hop by hop toward the requester's address. Copies move between nodes as REPLICATE (owner -> vset
// member), HANDOFF (toward the key's hash: its owner) and RELEASE (to a node that need not keep its copy),
// each acknowledged end to end by a REPLY. Copies meet by merging: compareCopies (conflict.ts) picks the winner,
// the same on every node.
//
// This file is the extension's face: the API (put, get, delete, entries) and the node's hooks. The tables and
// their reactions live beside it (context.ts lists them): the key-value table (store.ts), the requests
// (requests.ts), the copies in transit (transfers.ts) and who holds what (placement.ts, with the placement
// invariant: a node other than the owner keeps a copy exactly while the owner counts on it).
//
// Invariants (test/unit/vrr/dht/*.test.ts): every put/get/delete calls `done` exactly once; arguments are checked
// before anything is sent; a stopped DHT answers at once and sends nothing.

import type { Address } from '../address.ts';
import type { NodeExtension, NodeServices } from '../extension.ts';
import { DHT_MAX_KEY_BYTES } from '../wire/options/dht-fields.ts';
import { DHT_OPTION_CODECS } from '../wire/options/dht-codecs.ts';
import { DhtOptionType, type DhtOption, type DhtRequestOption, type KnownOption } from '../wire/types.ts';
import { DhtContext, type DhtOptions } from './context.ts';
import { keyBytes, type DhtKey } from './hash-key.ts';
import { Placement } from './placement.ts';
import { DhtRequests, type DhtResult } from './requests.ts';
import { EMPTY, isExpired, type DhtRole, type DhtStore } from './store.ts';
import { Transfers } from './transfers.ts';

export type { DhtOptions } from './context.ts';
export type { DhtResult } from './requests.ts';

/** Options of a put. */
export interface DhtPutOptions {
  /** Time to live in ms (1 to 2^32 - 1); absent = never expires. */
  ttlMs?: number;
  /** Explicit version (1 to 2^32 - 1): refused unless newer than the stored one. Absent = stored + 1. */
  version?: number;
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

const DHT_TYPES: readonly number[] = Object.values(DhtOptionType);
const MAX_U32 = 0xffffffff;

/** The DHT of one node. Attach with node.attach(new Dht(node.services)). */
export class Dht implements NodeExtension {
  readonly optionTypes: readonly number[] = DHT_TYPES;
  /** Transfers and requests are sent again when unanswered: a packet of theirs may be shed under load. */
  readonly retriesEndToEnd = true;
  /** Registered by node.attach() in that node's own registry. */
  readonly optionCodecs = DHT_OPTION_CODECS;
  /** The key-value table (read-only outside the DHT). */
  readonly store: DhtStore;

  private readonly ctx: DhtContext;
  private readonly requests: DhtRequests;
  private readonly placement: Placement;

  constructor(services: NodeServices, options: DhtOptions = {}) {
    const ctx = new DhtContext(services, options);
    this.ctx = ctx;
    this.store = ctx.store;
    this.requests = ctx.requests = new DhtRequests(ctx);
    ctx.transfers = new Transfers(ctx);
    this.placement = ctx.placement = new Placement(ctx);
    this.placement.schedulePeriodic(ctx.opts.checkMs * (0.5 + 0.5 * ctx.rng.next()));
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
    this.requests.request('put', DhtOptionType.PUT, base, done);
  }

  /** Reads key from its owner: found with value and version, or found:false. `done` runs exactly once. */
  get(key: DhtKey, done: (r: DhtResult) => void): void {
    const k = keyBytes(key);
    const error = this.checkKey(k);
    if (error) return done({ ok: false, error });
    this.requests.request('get', DhtOptionType.GET, noValue(k), done);
  }

  /** Deletes key at its owner (a tombstone with the next version). `done` runs exactly once. */
  delete(key: DhtKey, done: (r: DhtResult) => void): void {
    const k = keyBytes(key);
    const error = this.checkKey(k);
    if (error) return done({ ok: false, error });
    this.requests.request('delete', DhtOptionType.DELETE, noValue(k), done);
  }

  /** Live keys held here (as owner or replica), tombstones left out. Copies: safe to keep. */
  entries(): DhtEntryView[] {
    const now = this.ctx.s.now();
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
    if (this.ctx.stopped || !DHT_TYPES.includes(option.type as number)) return;
    this.ctx.route(option as DhtOption);
  }

  onVsetChange(): void {
    this.placement.scheduleReconcile();
  }

  onNeighborLost(): void {
    this.placement.scheduleReconcile();
  }

  onNeighborLinked(): void {
    this.placement.scheduleReconcile();
  }

  onStop(): void {
    this.ctx.stopped = true;
    this.requests.stop();
  }

  tableSizes(): Record<string, number> {
    return { dhtEntries: this.store.size, dhtEntriesOfOneOrigin: this.store.largestOrigin() };
  }

  // ---------------------------------------------------------------- argument checks

  private checkKey(k: Uint8Array): string | null {
    if (!(k instanceof Uint8Array)) return 'key: expected a string or a Uint8Array';
    if (k.length < 1 || k.length > DHT_MAX_KEY_BYTES) {
      return `key: expected 1-${DHT_MAX_KEY_BYTES} bytes, found ${k.length}`;
    }
    return null;
  }

  private checkValue(k: Uint8Array, value: Uint8Array): string | null {
    if (!(value instanceof Uint8Array)) return 'value: expected a Uint8Array';
    const max = this.ctx.opts.maxEntryBytes - k.length;
    if (value.length > max) {
      return `value too large: ${value.length} bytes, at most ${max} with a ${k.length}-byte key`;
    }
    return null;
  }
}

function noValue(
  key: Uint8Array,
): Pick<DhtRequestOption, 'key' | 'value' | 'explicitVersion' | 'version' | 'ttlMs'> {
  return { key: key.slice(), value: EMPTY, explicitVersion: false, version: 0, ttlMs: 0 };
}

function checkOptionalU32(v: number | undefined, what: string): string | null {
  if (v === undefined) return null;
  return Number.isInteger(v) && v >= 1 && v <= MAX_U32
    ? null
    : `${what}: expected an integer in [1, 2^32 - 1], found ${v}`;
}
