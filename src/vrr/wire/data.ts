// Data packets (Kind 1): forwarded hop by hop; a 20-byte header, then the payload until Total Length.
//  0-3 common header  4 Hop Limit  5 Data Flags  6-7 Next Header  8-13 Source  14-19 Destination  20- payload

import { authTagLengthOf, flagsToSend, writeAuthTag } from './auth-tag.ts';
import { KIND_DATA, MAX_TOTAL_LENGTH, writeCommonHeader } from './common-header.ts';
import { checkUint, readU16, writeU16 } from './fields.ts';
import { checkAddress, readWireAddress, writeWireAddress } from './slots.ts';
import { NO_UNKNOWN_OPTIONS } from './control.ts';
import {
  AUTH_TAG_LENGTH,
  DATA_HEADER_LENGTH,
  FLAG_AUTH,
  type DataPacket,
  type DecodeResult,
} from './types.ts';

/** Encodes a data packet: header, payload (copied once), then the tag if any. */
export function encodeData(packet: DataPacket): Uint8Array {
  checkUint(packet.hopLimit, 0xff, 'data hopLimit');
  checkUint(packet.dataFlags, 0xff, 'data dataFlags');
  checkUint(packet.nextHeader, 0xffff, 'data nextHeader');
  checkAddress(packet.src, 'data src');
  checkAddress(packet.dst, 'data dst');
  const total = DATA_HEADER_LENGTH + packet.payload.length + authTagLengthOf(packet);
  if (total > MAX_TOTAL_LENGTH) {
    throw new RangeError(
      `data packet: ${total} bytes exceed the ${MAX_TOTAL_LENGTH} Total Length can express`,
    );
  }
  const out = new Uint8Array(total);
  writeCommonHeader(out, KIND_DATA, flagsToSend(packet), total);
  out[4] = packet.hopLimit;
  out[5] = packet.dataFlags;
  writeU16(out, 6, packet.nextHeader);
  writeWireAddress(out, 8, packet.src);
  writeWireAddress(out, 14, packet.dst);
  out.set(packet.payload, DATA_HEADER_LENGTH);
  writeAuthTag(out, packet);
  return out;
}

/**
 * Decodes a data packet whose common header has been checked (frame holds totalLength bytes, totalLength
 * covers the header and the tag). The payload and tag are views into frame, not copies. Never throws.
 */
export function decodeData(frame: Uint8Array, totalLength: number, flags: number): DecodeResult {
  const hasTag = (flags & FLAG_AUTH) !== 0;
  const end = hasTag ? totalLength - AUTH_TAG_LENGTH : totalLength;
  const packet: DataPacket = {
    kind: 'data',
    flags,
    hopLimit: frame[4],
    dataFlags: frame[5],
    nextHeader: readU16(frame, 6),
    src: readWireAddress(frame, 8),
    dst: readWireAddress(frame, 14),
    payload: frame.subarray(DATA_HEADER_LENGTH, end),
  };
  if (hasTag) packet.authTag = frame.subarray(end, totalLength);
  return { ok: true, packet, unknownOptions: NO_UNKNOWN_OPTIONS };
}
