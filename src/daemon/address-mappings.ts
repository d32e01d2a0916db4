// IP -> MAC mappings of the overlay, kept in the DHT instead of being learned by broadcast: each node publishes
// the addresses configured on its overlay interface (key "ipv4:<address>" or "ipv6:<canonical address>", value
// the 6-byte MAC = its VRR address) with a TTL, republishes them well inside it, and looks others' up when the
// host asks (ARP, neighbour solicitation). The first publication waits until the node's virtual set has been quiet
// for a while: a key written into a ring that is still forming moves with every join (hand-offs, replicas and
// releases per key per join), and in a 100-node lab on two cores that traffic starved the hellos enough to keep
// the ring from ever forming. Once stored, a mapping follows ownership changes through the DHT's own hand-offs. Lookups for the same address share one DHT get, because the kernel
// repeats its question every second while it waits.

import { formatAddress, type Address } from '../vrr/address.ts';
import type { Versioned } from '../vrr/dht/conflict.ts';
import type { DhtClient } from './dht-client.ts';
import { readMac, writeMac } from './frames/ethernet.ts';
import { formatCidr, parseIpv4, parseIpv6, type Cidr } from '../topology/ip-address.ts';
import { deriveOverlayIpv4 } from '../topology/overlay-addresses.ts';
import type { Logger } from './logger.ts';

/** The DHT key of an IP address's mapping (address in canonical text). */
export function mappingKey(family: 4 | 6, address: string): string {
  return `ipv${family}:${address}`;
}

/**
 * The DHT write rule of mapping keys (DhtOptions.writePolicy, attached by dht-client.ts), applied by the node that
 * stores a copy: a mapping is accepted only from its own origin. A value names the node that put it (a node maps
 * addresses to itself only: no one can point an address at a victim); a mapping held live for one node is replaced
 * or deleted only by that node, or by the node whose VRR address the IP address derives to (198.18.0.0/15 plus its
 * low 17 bits; an IPv6 address ending in 0000 and its 48 bits), which can always reclaim its own. Other keys pass.
 * Returns why a copy is refused, or null. (A first claim of an address that derives to no node, such as one the
 * testbed moved after a collision, is taken from whoever names itself first: docs/security.md.)
 */
export function mappingWritePolicy(
  key: Uint8Array,
  copy: Versioned,
  held: Versioned | undefined,
): string | null {
  const text = new TextDecoder().decode(key);
  const family = text.startsWith('ipv4:') ? 4 : text.startsWith('ipv6:') ? 6 : null;
  if (family === null) return null;
  let derivesToWriter: boolean;
  try {
    derivesToWriter = derivesTo(family, text.slice(5), copy.origin);
  } catch {
    return `${text}: not an IPv${family} address`;
  }
  if (!copy.tombstone) {
    if (copy.value.length !== 6) return `${text}: expected a 6-byte MAC, found ${copy.value.length} bytes`;
    const named = readMac(copy.value, 0);
    if (named !== copy.origin)
      return `${text}: names ${formatAddress(named)}, but was put by ${formatAddress(copy.origin)}`;
  }
  if (held === undefined || held.tombstone || held.value.length !== 6) return null;
  const holder = readMac(held.value, 0);
  if (holder === copy.origin || derivesToWriter) return null;
  return `${text}: held for ${formatAddress(holder)}, not ${formatAddress(copy.origin)}'s to change`;
}

// Whether an overlay IP address is the one derived from `node` (deriveOverlayIpv4; for IPv6, any /64 followed by
// 0000 and the node's 48 bits, as deriveOverlayIpv6 builds it). Throws when the text is no address.
function derivesTo(family: 4 | 6, text: string, node: Address): boolean {
  if (family === 4) {
    parseIpv4(text);
    return deriveOverlayIpv4(node).address === text;
  }
  const b = parseIpv6(text);
  if (b[8] !== 0 || b[9] !== 0) return false;
  let a = 0;
  for (let i = 10; i < 16; i++) a = a * 256 + b[i];
  return a === node;
}

/** Options for AddressMappings. */
export interface AddressMappingsOptions {
  dht: DhtClient;
  mac: Address;
  ttlMs: number;
  refreshMs: number;
  /** Publish only after the node's vset has not changed for this long (see ringChanged). */
  quietMs: number;
  /** The addresses to publish now (read from the overlay interface, so addresses added by hand count too). */
  addresses: () => Promise<Cidr[]>;
  count: (name: string, by?: number) => void;
  logger: Logger;
}

/** A lookup's outcome. */
export type LookupResult = { mac: Address } | { mac: null; why: string };

/** Publishes this node's mappings and resolves others'. */
export class AddressMappings {
  readonly #o: AddressMappingsOptions;
  readonly #inFlight = new Map<string, Promise<LookupResult>>();
  #timer: NodeJS.Timeout | null = null;
  #publishing = false;
  #stopped = false;
  /** Publication rounds that failed in a row: each doubles the wait before the next (see #retryDelay). */
  #failures = 0;
  /** Last publication outcome per key, for `vrrctl status`. */
  readonly #published = new Map<string, { ok: boolean; at: number; error?: string }>();

  /** Nothing is published until start(). */
  constructor(opts: AddressMappingsOptions) {
    this.#o = opts;
  }

  /** Publishes once the node's vset has been quiet for quietMs, then every refreshMs. */
  start(): void {
    this.ringChanged();
  }

  /**
   * The node joined a ring or its vset changed. While something is not yet published, this (re)arms the
   * publication for quietMs from now, so it happens once the ring around the node has settled. Once everything
   * is published it does nothing: the DHT hands stored mappings to new owners itself, and the refresh goes on.
   */
  ringChanged(): void {
    if (this.#stopped || this.#allPublished()) return;
    this.#schedule(this.#retryDelay());
  }

  /** Stops publishing (entries lapse after their TTL elsewhere). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** What was last published and whether it worked. */
  status(): { key: string; ok: boolean; at: string; error?: string }[] {
    return [...this.#published].map(([key, p]) => ({
      key,
      ok: p.ok,
      at: new Date(p.at).toISOString(),
      ...(p.error ? { error: p.error } : {}),
    }));
  }

  /** The MAC owning an IP address, from the DHT. */
  lookup(family: 4 | 6, address: string): Promise<LookupResult> {
    const key = mappingKey(family, address);
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const p = this.#o.dht.get(key).then((r): LookupResult => {
      this.#inFlight.delete(key);
      if (!r.ok) return { mac: null, why: r.error ?? 'dht get failed' };
      if (!r.found || !r.value) return { mac: null, why: 'no mapping' };
      if (r.value.length !== 6) return { mac: null, why: `mapping of ${r.value.length} bytes, expected 6` };
      return { mac: readMac(r.value, 0) };
    });
    this.#inFlight.set(key, p);
    return p;
  }

  #allPublished(): boolean {
    if (this.#published.size === 0) return false;
    for (const p of this.#published.values()) if (!p.ok) return false;
    return true;
  }

  /**
   * The wait before the next try while something is unpublished: quietMs, doubled for each round that failed in a
   * row, up to refreshMs. A put fails while the ring is still forming (no owner answers, or its answer is lost), and
   * retrying every quietMs made every node of a forming 256-node lab put its mappings every few seconds: each put
   * replicated, handed off and released again as ownership moved, a DHT storm that kept the ring from forming.
   */
  #retryDelay(): number {
    return Math.min(this.#o.quietMs * 2 ** Math.min(this.#failures, 16), this.#o.refreshMs);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#publish();
    }, delayMs);
  }

  async #publish(): Promise<void> {
    if (this.#publishing || this.#stopped) return;
    this.#publishing = true;
    let failed = false;
    try {
      const value = new Uint8Array(6);
      writeMac(value, 0, this.#o.mac);
      const addresses = await this.#o.addresses();
      // A retry puts only what is not published yet; a refresh (everything published) puts everything.
      const retry = !this.#allPublished();
      for (const cidr of addresses) {
        const key = mappingKey(cidr.family, cidr.address);
        if (retry && this.#published.get(key)?.ok === true) continue;
        const r = await this.#o.dht.put(key, value, { ttlMs: this.#o.ttlMs });
        const previous = this.#published.get(key);
        this.#published.set(key, {
          ok: r.ok,
          at: Date.now(),
          ...(r.ok ? {} : { error: r.error ?? 'put failed' }),
        });
        if (r.ok) {
          this.#o.count('mappings.published');
          if (!previous?.ok) {
            this.#o.logger.info('mapping published', {
              key,
              mac: formatAddress(this.#o.mac),
              cidr: formatCidr(cidr),
            });
          }
        } else {
          failed = true;
          this.#o.count('mappings.publishFailed');
          this.#o.logger.debug('mapping not published yet', { key, error: r.error });
        }
      }
    } catch (error) {
      failed = true;
      this.#o.logger.warn('publishing mappings failed', { error });
    } finally {
      this.#publishing = false;
    }
    // A node alone (not yet in a ring) cannot store anything: try again once things are quiet, not in refreshMs,
    // and less often for each round that failed.
    this.#failures = failed ? this.#failures + 1 : 0;
    this.#schedule(failed ? this.#retryDelay() : this.#o.refreshMs);
  }
}
