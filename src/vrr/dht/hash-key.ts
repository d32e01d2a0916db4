// Where a key lives on the ring: hashKey maps a key's bytes to a 48-bit ring position, spread like node
// addresses, so that the node closest to it (under the one comparator) owns the key.

import { createHash } from 'node:crypto';
import type { Address } from '../address.ts';

/** A key as callers give it: text (taken as its UTF-8 bytes) or raw bytes. */
export type DhtKey = string | Uint8Array;

const encoder = new TextEncoder();

/** The key's bytes: UTF-8 for strings, the bytes themselves otherwise (not copied). */
export function keyBytes(key: DhtKey): Uint8Array {
  return typeof key === 'string' ? encoder.encode(key) : key;
}

/**
 * The ring position of a key: the first 6 bytes of SHA-256(key bytes), big-endian, with the first octet made
 * locally administered unicast (bit 0x02 set, bit 0x01 clear) exactly as derived node addresses are
 * (src/topology/addresses.ts). Node addresses only occupy that quarter of the first-octet values; a
 * hash over the whole ring would put most keys in the gaps and pile them onto the nodes at the gaps' edges.
 * Mapped this way, a key hash is distributed like a node address and is never a group address.
 */
export function hashKey(key: DhtKey): Address {
  const digest = createHash('sha256').update(keyBytes(key)).digest();
  let a = (digest[0] | 0x02) & ~0x01;
  for (let i = 1; i < 6; i++) a = a * 256 + digest[i];
  return a;
}

/** A Map key for key bytes (lower-case hex): Uint8Arrays compare by identity, strings by content. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');
}
