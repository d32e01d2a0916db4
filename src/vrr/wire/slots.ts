// Address slots: 8 bytes, a 6-byte address then 2 bytes the option defines (zero where it defines none).
// Lists of addresses are lists of slots, which keeps every option 8-byte aligned.

import { RING_SIZE, type Address } from '../address.ts';
import { label, writeU16 } from './fields.ts';

/** Bytes of one address slot. */
export const SLOT_LENGTH = 8;

const TWO_32 = 2 ** 32;

/**
 * Reads a 6-byte big-endian address at offset. Same result as address.ts's readAddress, but as two integer
 * halves: the codec reads millions of addresses and a float multiply-add per byte costs more.
 */
export function readWireAddress(bytes: Uint8Array, offset: number): Address {
  const high = (bytes[offset] << 8) | bytes[offset + 1];
  const low =
    ((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5]) >>>
    0;
  return high * TWO_32 + low;
}

/** Writes a 6-byte big-endian address at offset (a checked 48-bit integer); avoids address.ts's float modulo. */
export function writeWireAddress(bytes: Uint8Array, offset: number, a: Address): void {
  const high = Math.floor(a / TWO_32);
  const low = a - high * TWO_32;
  bytes[offset] = high >>> 8;
  bytes[offset + 1] = high;
  bytes[offset + 2] = low >>> 24;
  bytes[offset + 3] = low >>> 16;
  bytes[offset + 4] = low >>> 8;
  bytes[offset + 5] = low;
}

/** Throws a RangeError unless a is a 48-bit address (an integer in [0, 2^48)); `index` names a list element. */
export function checkAddress(a: Address, what: string, index?: number): void {
  if (!Number.isInteger(a) || a < 0 || a >= RING_SIZE) {
    throw new RangeError(
      `${label(what, index)}: expected a 48-bit address (integer in [0, 2^48)), found ${a}`,
    );
  }
}

/** Writes a slot at offset: the address, then `extra` as a u16 (range-checked by the caller). */
export function writeSlot(
  bytes: Uint8Array,
  offset: number,
  a: Address,
  extra: number,
  what: string,
  index?: number,
): void {
  checkAddress(a, what, index);
  writeWireAddress(bytes, offset, a);
  writeU16(bytes, offset + 6, extra);
}

/** Reads `count` slots from offset as plain addresses (their 2 extra bytes ignored). */
export function readAddressList(bytes: Uint8Array, offset: number, count: number): Address[] {
  const list = new Array<Address>(count);
  for (let i = 0; i < count; i++) list[i] = readWireAddress(bytes, offset + i * SLOT_LENGTH);
  return list;
}

/** Writes addresses as slots with zero extra bytes from offset; returns the offset after the last slot. */
export function writeAddressList(
  bytes: Uint8Array,
  offset: number,
  list: readonly Address[],
  what: string,
): number {
  let at = offset;
  for (let i = 0; i < list.length; i++, at += SLOT_LENGTH) writeSlot(bytes, at, list[i], 0, what, i);
  return at;
}
