// Shared helpers of the option tests: wrap one option in a control packet, decode one option back.

import assert from 'node:assert/strict';
import {
  createOptionRegistry,
  decodePacket,
  encodePacket,
  type DecodeResult,
  type KnownOption,
} from '../../../../../src/vrr/wire/index.ts';
import { registerDhtCodecs } from '../../../../../src/vrr/wire/options/dht-codecs.ts';
import { registerMcastCodecs } from '../../../../../src/vrr/wire/options/mcast-codecs.ts';

/** The core options and every extension's: what the option tests encode and decode with. */
export const ALL_OPTIONS = registerMcastCodecs(registerDhtCodecs(createOptionRegistry()));

/** Sender of every test packet. */
export const SENDER = 0x02000000000a;

/** Encodes one option in a control packet. */
export function frameWith(option: KnownOption): Uint8Array {
  return encodePacket({ kind: 'control', flags: 0, sender: SENDER, seq: 0, options: [option] }, ALL_OPTIONS);
}

/** Encodes, decodes and checks the option came back equal and alone. */
export function assertRoundTrip(option: KnownOption): void {
  const result = decodePacket(frameWith(option), ALL_OPTIONS);
  assert.ok(result.ok && result.packet.kind === 'control', JSON.stringify(result));
  assert.equal(result.truncated, undefined, result.truncatedDetail);
  assert.deepEqual(result.packet.options, [option]);
}

/** Decodes a frame that must be a well-formed, untruncated control packet; returns its options. */
export function decodeOptions(frame: Uint8Array): KnownOption[] {
  const result = decodePacket(frame, ALL_OPTIONS);
  assert.ok(result.ok && result.packet.kind === 'control', JSON.stringify(result));
  assert.equal(result.truncated, undefined, result.truncatedDetail);
  return result.packet.options;
}

/** Asserts the frame decodes with no options and truncated = bad-option-body; returns the detail. */
export function assertBadBody(frame: Uint8Array): string {
  const result: DecodeResult = decodePacket(frame, ALL_OPTIONS);
  assert.ok(result.ok && result.packet.kind === 'control', JSON.stringify(result));
  assert.deepEqual(result.packet.options, []);
  assert.equal(result.truncated, 'bad-option-body');
  return result.truncatedDetail ?? '';
}

/** Overwrites the option's Len (byte 17 of a one-option frame) and Total Length to match. */
export function withOptionLen(frame: Uint8Array, len: number): Uint8Array {
  const total = 16 + len * 8;
  const out = new Uint8Array(Math.max(total, frame.length));
  out.set(frame);
  out[17] = len;
  out[2] = total >>> 8;
  out[3] = total & 0xff;
  return out.subarray(0, total);
}
