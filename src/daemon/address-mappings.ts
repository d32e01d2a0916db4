// IP -> MAC mappings of the overlay, kept in the DHT instead of being learned by broadcast: each node publishes
// the addresses configured on its overlay interface (key "ipv4:<address>" or "ipv6:<canonical address>", value
// the 6-byte MAC = its VRR address) with a TTL, republishes them well inside it, and looks others' up when the
// host asks (ARP, neighbour solicitation). The first publication waits until the node's virtual set has been quiet
// for a while: a key written into a ring that is still forming moves with every join (hand-offs, replicas and
// releases per key per join), and in a 100-node lab on two cores that traffic starved the hellos enough to keep
// the ring from ever forming. Once stored, a mapping follows ownership changes through the DHT's own hand-offs. Lookups for the same address share one DHT get, because the kernel
// repeats its question every second while it waits.

import { formatAddress, type Address } from '../vrr/address.ts';
import type { DhtClient } from './dht-client.ts';
import { readMac, writeMac } from './frames/ethernet.ts';
import { formatCidr, type Cidr } from '../topology/ip-address.ts';
import type { Logger } from './logger.ts';

/** The DHT key of an IP address's mapping (address in canonical text). */
export function mappingKey(family: 4 | 6, address: string): string {
  return `ipv${family}:${address}`;
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
    this.#schedule(this.#o.quietMs);
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
      for (const cidr of addresses) {
        const key = mappingKey(cidr.family, cidr.address);
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
    // A node alone (not yet in a ring) cannot store anything: try again once things are quiet, not in refreshMs.
    this.#schedule(failed ? Math.min(this.#o.quietMs, this.#o.refreshMs) : this.#o.refreshMs);
  }
}
