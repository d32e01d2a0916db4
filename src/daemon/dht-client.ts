// The one place vrrd meets the DHT extension (src/vrr/dht): how it is attached to the node, the part of its
// API the daemon uses, and promise wrappers with a deadline, so a callback that never comes cannot leave a
// control request or an ARP lookup hanging. When the DHT's API changes, only this file changes.

import { Dht, type DhtEntryView, type DhtKey, type DhtResult } from '../vrr/dht/index.ts';
import type { VrrNode } from '../vrr/node.ts';
import { mappingWritePolicy } from './address-mappings.ts';

export type { DhtEntryView, DhtKey, DhtResult };

/** The DHT's callback API as the daemon uses it (the Dht class implements it; tests use in-memory fakes). */
export interface DhtApi {
  put(
    key: DhtKey,
    value: Uint8Array,
    opts: { ttlMs?: number; version?: number },
    done: (r: DhtResult) => void,
  ): void;
  get(key: DhtKey, done: (r: DhtResult) => void): void;
  delete(key: DhtKey, done: (r: DhtResult) => void): void;
  entries(): DhtEntryView[];
}

/**
 * The node's DHT: node.dht when the node already carries one, otherwise a new Dht attached to the node (it
 * registers its option codecs when its module loads, so importing it here is what makes vrrd speak the DHT).
 */
export function attachDht(node: VrrNode): DhtApi {
  const own = (node as unknown as { dht?: DhtApi }).dht;
  if (own && typeof own.get === 'function') return own;
  // A DHT option travels in one control packet on a real link: on 1500-byte Ethernet, 16 bytes of control header and
  // the option's own header leave 1444 bytes for key and value (docs/wire.md, DHT options).
  // Address mappings are taken only from their own origin (address-mappings.ts, mappingWritePolicy).
  return node.attach(
    new Dht(node.services, { maxEntryBytes: DHT_ENTRY_BYTES_ON_ETHERNET, writePolicy: mappingWritePolicy }),
  );
}

/** Largest key + value that fits one control packet on a 1500-byte Ethernet link. */
export const DHT_ENTRY_BYTES_ON_ETHERNET = 1444;

/** Promise wrappers with a deadline over a DhtApi. */
export class DhtClient {
  readonly #dht: DhtApi;
  readonly #timeoutMs: number;

  /** Operations that get no answer within timeoutMs resolve with {ok: false, error: "timeout"}. */
  constructor(dht: DhtApi, timeoutMs = 10_000) {
    this.#dht = dht;
    this.#timeoutMs = timeoutMs;
  }

  /** Stores value under key. */
  put(key: DhtKey, value: Uint8Array, opts: { ttlMs?: number; version?: number } = {}): Promise<DhtResult> {
    return this.#call('put', (done) => this.#dht.put(key, value, opts, done));
  }

  /** Looks key up. */
  get(key: DhtKey): Promise<DhtResult> {
    return this.#call('get', (done) => this.#dht.get(key, done));
  }

  /** Removes key. */
  delete(key: DhtKey): Promise<DhtResult> {
    return this.#call('delete', (done) => this.#dht.delete(key, done));
  }

  /** The entries stored on this node. */
  entries(): DhtEntryView[] {
    return this.#dht.entries();
  }

  #call(what: string, start: (done: (r: DhtResult) => void) => void): Promise<DhtResult> {
    return new Promise((resolve) => {
      let settled = false;
      const timer = setTimeout(
        () => finish({ ok: false, error: `timeout: no answer to ${what} within ${this.#timeoutMs} ms` }),
        this.#timeoutMs,
      );
      const finish = (r: DhtResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      try {
        start(finish);
      } catch (error) {
        finish({ ok: false, error: `${what} threw: ${(error as Error).message}` });
      }
    });
  }
}
