// The bytes every DHT option shares (docs/wire.md "DHT options"): the routed header, the key and value byte
// strings with their explicit lengths, and the size limits that keep every DHT option within 2040 bytes.
//  0 Type  1 Len  2 HopCount  3 HopLimit  4-7 ReqId  8-13 Target  14-15 defined by the option
//  16-21 Origin / Owner  22-23 ValueLen  24-27 Version  28-31 TtlMs

import type { Address } from '../../address.ts';
import { checkUint, readU16, readU32, writeU16, writeU32 } from '../fields.ts';
import { MAX_OPTION_LENGTH } from '../option-codec.ts';
import { readWireAddress, writeSlot } from '../slots.ts';
import type { DhtRouted } from '../types.ts';

/** Longest key, in bytes: KeyLen is one byte. */
export const DHT_MAX_KEY_BYTES = 255;

/** Fixed bytes of the largest DHT layout (REPLICATE/HANDOFF/RELEASE) before its key and value. */
export const DHT_TRANSFER_FIXED_LENGTH = 40;

/**
 * Most bytes of key plus value one entry may have: the transfer layout must fit in one option
 * (40 + 2000 = 2040 bytes), so every option that carries the entry fits too. With a 255-byte key a value may
 * have 1745 bytes. (A frame must also fit the link MTU: 16 + 2040 bytes exceed 1500; see docs/wire.md.)
 */
export const DHT_MAX_ENTRY_BYTES = MAX_OPTION_LENGTH - DHT_TRANSFER_FIXED_LENGTH;

/** Writes bytes 2-13: HopCount, HopLimit, ReqId, Target address. */
export function writeRoutedHeader(option: DhtRouted, out: Uint8Array, start: number, name: string): void {
  checkUint(option.hopCount, 0xff, `${name} hopCount`);
  checkUint(option.hopLimit, 0xff, `${name} hopLimit`);
  checkUint(option.reqId, 0xffffffff, `${name} reqId`);
  out[start + 2] = option.hopCount;
  out[start + 3] = option.hopLimit;
  writeU32(out, start + 4, option.reqId);
  // A slot whose two extra bytes (14-15) the option fills in afterwards.
  writeSlot(out, start + 8, option.target, 0, `${name} target`);
}

/** Reads bytes 2-13 back. */
export function readRoutedHeader(frame: Uint8Array, start: number): DhtRouted {
  return {
    hopCount: frame[start + 2],
    hopLimit: frame[start + 3],
    reqId: readU32(frame, start + 4),
    target: readWireAddress(frame, start + 8),
  };
}

/** The second slot and the two u32 fields (16-31): an address, ValueLen, Version, TtlMs. */
export interface DhtEntryFields {
  address: Address;
  valueLength: number;
  version: number;
  ttlMs: number;
}

/** Writes bytes 16-31. */
export function writeEntryFields(
  out: Uint8Array,
  start: number,
  f: DhtEntryFields,
  name: string,
  addressName: string,
): void {
  checkUint(f.version, 0xffffffff, `${name} version`);
  checkUint(f.ttlMs, 0xffffffff, `${name} ttlMs`);
  writeSlot(out, start + 16, f.address, 0, `${name} ${addressName}`);
  writeU16(out, start + 22, f.valueLength);
  writeU32(out, start + 24, f.version);
  writeU32(out, start + 28, f.ttlMs);
}

/** Reads bytes 16-31. */
export function readEntryFields(frame: Uint8Array, start: number): DhtEntryFields {
  return {
    address: readWireAddress(frame, start + 16),
    valueLength: readU16(frame, start + 22),
    version: readU32(frame, start + 24),
    ttlMs: readU32(frame, start + 28),
  };
}

/** Throws a RangeError unless key and value fit the limits above. */
export function checkEntrySize(key: Uint8Array, value: Uint8Array, name: string): void {
  if (key.length > DHT_MAX_KEY_BYTES) {
    throw new RangeError(`${name} key: expected at most ${DHT_MAX_KEY_BYTES} bytes, found ${key.length}`);
  }
  if (key.length + value.length > DHT_MAX_ENTRY_BYTES) {
    throw new RangeError(
      `${name} key + value: expected at most ${DHT_MAX_ENTRY_BYTES} bytes, found ${key.length + value.length}`,
    );
  }
}
