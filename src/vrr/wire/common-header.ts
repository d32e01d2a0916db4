// The 4-byte common header every VRR packet starts with: Ver|Kind, Flags, Total Length.

import { writeU16, readU16 } from './fields.ts';
import { FLAG_AUTH, VRR_VERSION } from './types.ts';

/** Bytes of the common header. */
export const COMMON_HEADER_LENGTH = 4;
/** Kind nibble of a control packet. */
export const KIND_CONTROL = 0;
/** Kind nibble of a data packet. */
export const KIND_DATA = 1;
/** Total Length is a u16. */
export const MAX_TOTAL_LENGTH = 0xffff;

/** Version nibble (high nibble of byte 0). */
export function readVersion(frame: Uint8Array): number {
  return frame[0] >>> 4;
}

/** Kind nibble (low nibble of byte 0). */
export function readKind(frame: Uint8Array): number {
  return frame[0] & 0x0f;
}

/** Flags byte; reserved bits are returned as received (and ignored by the codec). */
export function readFlags(frame: Uint8Array): number {
  return frame[1];
}

/** Total Length: bytes of the VRR packet, tag included, Ethernet padding excluded. */
export function readTotalLength(frame: Uint8Array): number {
  return readU16(frame, 2);
}

/** Writes the common header. Only the AUTH flag is sent: reserved bits go out as zero. */
export function writeCommonHeader(out: Uint8Array, kind: number, flags: number, totalLength: number): void {
  out[0] = (VRR_VERSION << 4) | kind;
  out[1] = flags & FLAG_AUTH;
  writeU16(out, 2, totalLength);
}
