// Control packets (Kind 0): one hop only; a 16-byte header, then options until Total Length.
//  0-3 common header  4-9 Sender  10-11 Sequence  12-15 Reserved  16- options

import { authTagLengthOf, flagsToSend, writeAuthTag } from './auth-tag.ts';
import { KIND_CONTROL, MAX_TOTAL_LENGTH, writeCommonHeader } from './common-header.ts';
import { checkUint, hexByte, readU16, writeU16 } from './fields.ts';
import {
  MAX_OPTION_LENGTH,
  MalformedOption,
  OPTION_HEADER_LENGTH,
  OPTION_UNIT,
  type OptionCodec,
} from './option-codec.ts';
import type { OptionRegistry } from './option-registry.ts';
import { checkAddress, readWireAddress, writeWireAddress } from './slots.ts';
import {
  AUTH_TAG_LENGTH,
  CONTROL_HEADER_LENGTH,
  FLAG_AUTH,
  type ControlPacket,
  type DecodeResult,
  type DropReason,
  type KnownOption,
} from './types.ts';

/** The codec that encodes this option; an unregistered Type is a programming error. */
function codecFor(option: KnownOption, registry: OptionRegistry): OptionCodec {
  const codec = registry.lookup(option.type);
  if (codec === undefined) {
    throw new RangeError(`option Type 0x${hexByte(option.type)} has no registered codec`);
  }
  return codec;
}

/** Bytes the option takes on the wire: its length rounded up to 8, checked against what Len can express. */
function paddedLength(codec: OptionCodec, option: KnownOption): number {
  const length = codec.length(option);
  const padded = Math.ceil(length / OPTION_UNIT) * OPTION_UNIT;
  if (!(length >= OPTION_HEADER_LENGTH) || padded > MAX_OPTION_LENGTH) {
    throw new RangeError(`${codec.name} option: expected 2-${MAX_OPTION_LENGTH} bytes, found ${length}`);
  }
  return padded;
}

/** The padded length of each option of the packet being encoded: scratch space, so encoding allocates no list. */
const paddedLengths: number[] = [];

/** Encodes a control packet: header, each option padded to 8 bytes, then the tag if any. */
export function encodeControl(packet: ControlPacket, registry: OptionRegistry): Uint8Array {
  checkAddress(packet.sender, 'control sender');
  checkUint(packet.seq, 0xffff, 'control seq');
  const { options } = packet;
  let total = CONTROL_HEADER_LENGTH + authTagLengthOf(packet);
  // Each option's length is asked of its codec once (a call through many codecs' shapes: not free).
  for (let i = 0; i < options.length; i++) {
    const length = paddedLength(codecFor(options[i], registry), options[i]);
    paddedLengths[i] = length;
    total += length;
  }
  if (total > MAX_TOTAL_LENGTH) {
    throw new RangeError(
      `control packet: ${total} bytes exceed the ${MAX_TOTAL_LENGTH} Total Length can express`,
    );
  }
  const out = new Uint8Array(total); // zero-filled: reserved fields and padding need no writes
  writeCommonHeader(out, KIND_CONTROL, flagsToSend(packet), total);
  writeWireAddress(out, 4, packet.sender);
  writeU16(out, 10, packet.seq);
  let at = CONTROL_HEADER_LENGTH;
  for (let i = 0; i < options.length; i++) {
    const codec = codecFor(options[i], registry);
    const length = paddedLengths[i];
    out[at] = codec.type;
    out[at + 1] = length / OPTION_UNIT;
    codec.write(options[i], out, at);
    at += length;
  }
  writeAuthTag(out, packet);
  return out;
}

/** The unknownOptions of a packet without any: one shared, frozen list instead of an array per frame. */
export const NO_UNKNOWN_OPTIONS: readonly number[] = Object.freeze([]);

/**
 * Decodes a control packet whose common header has been checked: frame holds at least totalLength bytes and
 * totalLength covers the header and the tag. Never throws.
 */
export function decodeControl(
  frame: Uint8Array,
  totalLength: number,
  flags: number,
  registry: OptionRegistry,
): DecodeResult {
  const hasTag = (flags & FLAG_AUTH) !== 0;
  const end = hasTag ? totalLength - AUTH_TAG_LENGTH : totalLength;
  const options: KnownOption[] = [];
  let unknownOptions: number[] | null = null;
  let truncated: DropReason | undefined;
  let truncatedDetail: string | undefined;
  let at = CONTROL_HEADER_LENGTH;
  while (at < end) {
    if (end - at < OPTION_HEADER_LENGTH) {
      truncated = 'bad-option';
      truncatedDetail = `1 byte left at offset ${at}: no room for an option's Type and Len`;
      break;
    }
    const type = frame[at];
    const length = frame[at + 1] * OPTION_UNIT;
    if (length === 0) {
      truncated = 'bad-option';
      truncatedDetail = `option 0x${hexByte(type)} at offset ${at} has Len 0`;
      break;
    }
    if (at + length > end) {
      truncated = 'bad-option';
      truncatedDetail = `option 0x${hexByte(type)} at offset ${at} (${length} bytes) runs past the options' end (${end})`;
      break;
    }
    const codec = registry.lookup(type);
    if (codec === undefined) {
      (unknownOptions ??= []).push(type);
    } else {
      const option = readOption(codec, frame, at, length);
      if (option instanceof MalformedOption) {
        truncated = 'bad-option-body';
        truncatedDetail = `option 0x${hexByte(type)} at offset ${at}: ${option.detail}`;
        break;
      }
      options.push(option);
    }
    at += length;
  }
  const packet: ControlPacket = {
    kind: 'control',
    flags,
    sender: readWireAddress(frame, 4),
    seq: readU16(frame, 10),
    options,
  };
  if (hasTag) packet.authTag = frame.subarray(end, totalLength);
  const unknown = unknownOptions ?? NO_UNKNOWN_OPTIONS;
  if (truncated === undefined) return { ok: true, packet, unknownOptions: unknown };
  return { ok: true, packet, unknownOptions: unknown, truncated, truncatedDetail };
}

/**
 * Calls an option reader. A reader that throws or returns something other than an option of its Type (bugs in
 * an extension's codec, or a MalformedOption from a second copy of this module) yields a malformed option, so
 * decoding still never throws and never hands the core a non-option.
 */
function readOption(
  codec: OptionCodec,
  frame: Uint8Array,
  start: number,
  length: number,
): KnownOption | MalformedOption {
  let option: unknown;
  try {
    option = codec.read(frame, start, length);
  } catch (error) {
    return new MalformedOption(`${codec.name} reader threw: ${describeError(error)}`);
  }
  if (option instanceof MalformedOption) return option;
  if (typeof option !== 'object' || option === null || (option as { type?: unknown }).type !== codec.type) {
    const detail = (option as { detail?: unknown } | null)?.detail;
    return new MalformedOption(
      typeof detail === 'string'
        ? detail
        : `${codec.name} reader returned no 0x${hexByte(codec.type)} option`,
    );
  }
  return option as KnownOption;
}

/** A thrown value as text; even its toString may throw. */
function describeError(error: unknown): string {
  try {
    return String(error);
  } catch {
    return 'an unprintable value';
  }
}
