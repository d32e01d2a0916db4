// THE hex test vectors of VRR/1. docs/wire.md shows the same strings; vectors.test.ts checks both directions
// (encode gives the hex, decode gives the packet) and that the doc still contains every hex block verbatim.

import { parseAddress } from '../../../../src/vrr/address.ts';
import { NeighborState, OptionType, type Packet } from '../../../../src/vrr/wire/index.ts';

/** One vector: a packet and its bytes (lines of 8 bytes). */
export interface WireVector {
  name: string;
  packet: Packet;
  hex: string;
  /** Option codes decoding must report as unknown. */
  unknownOptions: number[];
  /** False when the bytes cannot come from encodePacket (e.g. they hold an unregistered option). */
  encodable: boolean;
}

const A = parseAddress('02:00:00:00:00:0a');
const B = parseAddress('02:00:00:00:00:0b');
const C = parseAddress('02:00:00:00:00:0c');
const R = parseAddress('02:00:00:00:00:01');
const Y = parseAddress('02:00:00:00:00:14');
const V1 = parseAddress('02:00:00:00:00:12');
const V2 = parseAddress('02:00:00:00:00:16');

/** Every vector, in the order docs/wire.md lists them. */
export const VECTORS: readonly WireVector[] = [
  {
    name: 'HELLO with a representative and two neighbours',
    packet: {
      kind: 'control',
      flags: 0,
      sender: A,
      seq: 0,
      options: [
        {
          type: OptionType.HELLO,
          active: true,
          helloSeq: 0x0102,
          part: 0,
          parts: 1,
          reps: [{ address: R, seq: 7 }],
          neighbors: [
            { address: B, state: NeighborState.LINKED_ACTIVE, quality: 200 },
            { address: C, state: NeighborState.PENDING, quality: 0 },
          ],
        },
      ],
    },
    hex: `10 00 00 30 02 00 00 00
00 0a 00 00 00 00 00 00
01 04 01 01 01 02 02 01
02 00 00 00 00 01 00 07
02 00 00 00 00 0b 01 c8
02 00 00 00 00 0c 03 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'SETUP_REQ (a join: dst = src) with a one-member vset',
    packet: {
      kind: 'control',
      flags: 0,
      sender: A,
      seq: 1,
      options: [{ type: OptionType.SETUP_REQ, token: 0xdeadbeef, src: A, dst: A, proxy: B, vset: [V1] }],
    },
    hex: `10 00 00 38 02 00 00 00
00 0a 00 01 00 00 00 00
02 05 01 00 de ad be ef
02 00 00 00 00 0a 00 00
02 00 00 00 00 0a 00 00
02 00 00 00 00 0b 00 00
02 00 00 00 00 12 00 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'SETUP carrying the acceptor’s old vset',
    packet: {
      kind: 'control',
      flags: 0,
      sender: Y,
      seq: 2,
      options: [{ type: OptionType.SETUP, pathId: 0x00000102, src: Y, dst: A, proxy: B, vset: [V1, V2] }],
    },
    hex: `10 00 00 40 02 00 00 00
00 14 00 02 00 00 00 00
03 06 02 00 00 00 01 02
02 00 00 00 00 14 00 00
02 00 00 00 00 0a 00 00
02 00 00 00 00 0b 00 00
02 00 00 00 00 12 00 00
02 00 00 00 00 16 00 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'SETUP_FAIL',
    packet: {
      kind: 'control',
      flags: 0,
      sender: Y,
      seq: 3,
      options: [{ type: OptionType.SETUP_FAIL, token: 0xdeadbeef, src: Y, dst: A, proxy: B, vset: [V1] }],
    },
    hex: `10 00 00 38 02 00 00 00
00 14 00 03 00 00 00 00
04 05 01 00 de ad be ef
02 00 00 00 00 14 00 00
02 00 00 00 00 0a 00 00
02 00 00 00 00 0b 00 00
02 00 00 00 00 12 00 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'TEARDOWN without VSET (a link failed)',
    packet: {
      kind: 'control',
      flags: 0,
      sender: B,
      seq: 4,
      options: [{ type: OptionType.TEARDOWN, pathId: 0x00000102, ea: Y, vset: null }],
    },
    hex: `10 00 00 20 02 00 00 00
00 0b 00 04 00 00 00 00
05 02 00 00 00 00 01 02
02 00 00 00 00 14 00 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'TEARDOWN with VSET (deliberate)',
    packet: {
      kind: 'control',
      flags: 0,
      sender: Y,
      seq: 5,
      options: [{ type: OptionType.TEARDOWN, pathId: 0x00000102, ea: Y, vset: [V1, V2] }],
    },
    hex: `10 00 00 30 02 00 00 00
00 14 00 05 00 00 00 00
05 04 02 01 00 00 01 02
02 00 00 00 00 14 00 00
02 00 00 00 00 12 00 00
02 00 00 00 00 16 00 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'ACK',
    packet: { kind: 'control', flags: 0, sender: B, seq: 0, options: [{ type: OptionType.ACK, seq: 2 }] },
    hex: `10 00 00 18 02 00 00 00
00 0b 00 00 00 00 00 00
06 01 00 02 00 00 00 00`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'data packet (IPv4, 8-byte payload)',
    packet: {
      kind: 'data',
      flags: 0,
      hopLimit: 64,
      dataFlags: 0,
      nextHeader: 0x0800,
      src: A,
      dst: Y,
      payload: Uint8Array.of(0x45, 0x00, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef),
    },
    hex: `11 00 00 1c 40 00 08 00
02 00 00 00 00 0a 02 00
00 00 00 14 45 00 00 08
de ad be ef`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'data packet with the KEY flag and an AUTH tag',
    packet: {
      kind: 'data',
      flags: 0x80,
      hopLimit: 32,
      dataFlags: 0x01,
      nextHeader: 0x86dd,
      src: A,
      dst: parseAddress('02:12:34:56:78:9a'),
      payload: Uint8Array.of(0x60, 0x00, 0x00, 0x00),
      authTag: Uint8Array.from({ length: 24 }, (_, i) => 0xa0 + i),
    },
    hex: `11 80 00 30 20 01 86 dd
02 00 00 00 00 0a 02 12
34 56 78 9a 60 00 00 00
a0 a1 a2 a3 a4 a5 a6 a7
a8 a9 aa ab ac ad ae af
b0 b1 b2 b3 b4 b5 b6 b7`,
    unknownOptions: [],
    encodable: true,
  },
  {
    name: 'unknown option 0x7f before an ACK (the ACK still counts)',
    packet: { kind: 'control', flags: 0, sender: B, seq: 0, options: [{ type: OptionType.ACK, seq: 2 }] },
    hex: `10 00 00 28 02 00 00 00
00 0b 00 00 00 00 00 00
7f 02 01 02 03 04 05 06
07 08 09 0a 0b 0c 0d 0e
06 01 00 02 00 00 00 00`,
    unknownOptions: [0x7f],
    encodable: false,
  },
  {
    name: 'PATH_PROBE toward endpoint B',
    packet: {
      kind: 'control',
      flags: 0,
      sender: B,
      seq: 6,
      options: [{ type: OptionType.PATH_PROBE, flags: 0x01, pathId: 0x00000102, ea: Y, nonce: 0xdeadbeef }],
    },
    hex: `10 00 00 28 02 00 00 00
00 0b 00 06 00 00 00 00
09 03 01 00 00 00 01 02
02 00 00 00 00 14 00 00
de ad be ef 00 00 00 00`,
    unknownOptions: [],
    encodable: true,
  },
];
