// The codec's two entry points: encodePacket and decodePacket. decodePacket checks the common header
// and hands the rest to control.ts or data.ts; it never throws, whatever the bytes.

import {
  COMMON_HEADER_LENGTH,
  KIND_CONTROL,
  KIND_DATA,
  readFlags,
  readKind,
  readTotalLength,
  readVersion,
} from './common-header.ts';
import { decodeControl, encodeControl } from './control.ts';
import { decodeData, encodeData } from './data.ts';
import { defaultOptionRegistry, type OptionRegistry } from './option-registry.ts';
import {
  AUTH_TAG_LENGTH,
  CONTROL_HEADER_LENGTH,
  DATA_HEADER_LENGTH,
  FLAG_AUTH,
  VRR_VERSION,
  type DecodeResult,
  type DropReason,
  type Packet,
} from './types.ts';

/** Encodes a packet into a new array of exactly Total Length bytes; throws a RangeError on unencodable values. */
export function encodePacket(packet: Packet, registry: OptionRegistry = defaultOptionRegistry): Uint8Array {
  return packet.kind === 'control' ? encodeControl(packet, registry) : encodeData(packet);
}

/**
 * Decodes one frame (the Ethernet payload; bytes past Total Length are padding and ignored).
 * Never throws. Views in the result (payload, authTag) share the frame's memory.
 */
export function decodePacket(
  frame: Uint8Array,
  registry: OptionRegistry = defaultOptionRegistry,
): DecodeResult {
  if (frame.length < COMMON_HEADER_LENGTH) {
    return drop('too-short', `${frame.length} bytes, the common header needs ${COMMON_HEADER_LENGTH}`);
  }
  const version = readVersion(frame);
  if (version !== VRR_VERSION) return drop('bad-version', `version ${version}`);
  const kind = readKind(frame);
  if (kind !== KIND_CONTROL && kind !== KIND_DATA) return drop('bad-kind', `kind ${kind}`);
  const headerLength = kind === KIND_CONTROL ? CONTROL_HEADER_LENGTH : DATA_HEADER_LENGTH;
  if (frame.length < headerLength) {
    return drop('too-short', `${frame.length} bytes, the ${kindName(kind)} header needs ${headerLength}`);
  }
  const flags = readFlags(frame);
  const minimum = (flags & FLAG_AUTH) !== 0 ? headerLength + AUTH_TAG_LENGTH : headerLength;
  const totalLength = readTotalLength(frame);
  if (totalLength < minimum) {
    return drop(
      'bad-length',
      `Total Length ${totalLength} below the ${minimum} bytes of a ${kindName(kind)} header`,
    );
  }
  if (totalLength > frame.length) {
    return drop('bad-length', `Total Length ${totalLength} beyond the ${frame.length}-byte frame`);
  }
  return kind === KIND_CONTROL
    ? decodeControl(frame, totalLength, flags, registry)
    : decodeData(frame, totalLength, flags);
}

function drop(reason: DropReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

function kindName(kind: number): string {
  return kind === KIND_CONTROL ? 'control' : 'data';
}
