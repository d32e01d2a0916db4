// THE hex test vectors of the multicast options. docs/wire.md ("Multicast options") shows the same strings;
// mcast-codecs.test.ts checks both directions and that the doc contains every block.

import { parseAddress } from '../../../../../src/vrr/address.ts';
import '../../../../../src/vrr/multicast/index.ts'; // registers the multicast codecs in the default registry
import {
  MCAST_FLAG_FINAL,
  McastOptionType,
  type KnownOption,
  type Packet,
} from '../../../../../src/vrr/wire/index.ts';

const Y = parseAddress('02:00:00:00:00:14');
const M = parseAddress('02:00:00:00:00:0a');
const S = parseAddress('02:00:00:00:00:0b');
const S2 = parseAddress('02:00:00:00:00:0c');
const G = parseAddress('01:00:5e:00:00:01');
/** groupKey(01:00:5e:00:00:01) = hashKey("mcast/01:00:5e:00:00:01"). */
export const K = parseAddress('1a:8f:1b:96:78:be');

/** One vector: a control packet and its bytes (lines of 8 bytes). */
export interface McastVector {
  name: string;
  packet: Packet;
  hex: string;
}

const control = (options: KnownOption[]): Packet => ({
  kind: 'control',
  flags: 0,
  sender: Y,
  seq: 1,
  options,
});

/** Every multicast vector, in the order docs/wire.md lists them. */
export const MCAST_VECTORS: readonly McastVector[] = [
  {
    name: 'MCAST_JOIN toward the group key',
    packet: control([
      {
        type: McastOptionType.JOIN,
        hopCount: 2,
        hopLimit: 64,
        target: K,
        group: G,
        origin: M,
        sources: [],
        members: [],
      },
    ]),
    hex: [
      '10 00 00 30 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '23 04 02 40 00 00 00 00',
      '1a 8f 1b 96 78 be 00 00',
      '01 00 5e 00 00 01 00 00',
      '02 00 00 00 00 0a 00 00',
    ].join('\n'),
  },
  {
    name: 'MCAST_SOURCES answering a member with two sources',
    packet: control([
      {
        type: McastOptionType.SOURCES,
        hopCount: 0,
        hopLimit: 64,
        target: M,
        group: G,
        origin: Y,
        sources: [S, S2],
        members: [],
      },
    ]),
    hex: [
      '10 00 00 40 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '24 06 00 40 02 00 00 00',
      '02 00 00 00 00 0a 00 00',
      '01 00 5e 00 00 01 00 00',
      '02 00 00 00 00 14 00 00',
      '02 00 00 00 00 0b 00 00',
      '02 00 00 00 00 0c 00 00',
    ].join('\n'),
  },
  {
    name: 'MCAST_REPLICATE with one source and one member',
    packet: control([
      {
        type: McastOptionType.REPLICATE,
        hopCount: 1,
        hopLimit: 64,
        target: S2,
        group: G,
        origin: Y,
        sources: [S],
        members: [M],
        version: 3,
        seen: 2,
      },
    ]),
    hex: [
      '10 00 00 40 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '26 06 01 40 01 01 00 03',
      '02 00 00 00 00 0c 00 02',
      '01 00 5e 00 00 01 00 00',
      '02 00 00 00 00 14 00 00',
      '02 00 00 00 00 0b 00 00',
      '02 00 00 00 00 0a 00 00',
    ].join('\n'),
  },
  {
    name: "MCAST_LEAVE echoed by the RVP to the member (the LEAVE's end-to-end ack)",
    packet: control([
      {
        type: McastOptionType.LEAVE,
        hopCount: 0,
        hopLimit: 64,
        target: M,
        group: G,
        origin: Y,
        sources: [],
        members: [],
      },
    ]),
    hex: [
      '10 00 00 30 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '25 04 00 40 00 00 00 00',
      '02 00 00 00 00 0a 00 00',
      '01 00 5e 00 00 01 00 00',
      '02 00 00 00 00 14 00 00',
    ].join('\n'),
  },
  {
    name: 'MCAST_SEED from source S toward member M, third hop',
    packet: control([
      { type: McastOptionType.SEED, flags: 0, hopCount: 3, seq: 2, root: S, group: G, target: M },
    ]),
    hex: [
      '10 00 00 30 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '28 04 00 03 00 00 00 02',
      '02 00 00 00 00 0b 00 00',
      '01 00 5e 00 00 01 00 00',
      '02 00 00 00 00 0a 00 00',
    ].join('\n'),
  },
  {
    name: 'MCAST_BRANCH from a member toward source S',
    packet: control([
      { type: McastOptionType.BRANCH, flags: 0, hopCount: 0, seq: 7, root: S, group: G, target: M },
    ]),
    hex: [
      '10 00 00 30 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '2a 04 00 00 00 00 00 07',
      '02 00 00 00 00 0b 00 00',
      '01 00 5e 00 00 01 00 00',
      '02 00 00 00 00 0a 00 00',
    ].join('\n'),
  },
  {
    name: 'MCAST_FELL with FINAL (the source withdrew)',
    packet: control([
      {
        type: McastOptionType.FELL,
        flags: MCAST_FLAG_FINAL,
        hopCount: 0,
        seq: 0x0102,
        root: S,
        group: G,
        target: 0,
      },
    ]),
    hex: [
      '10 00 00 30 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '29 04 01 00 00 00 01 02',
      '02 00 00 00 00 0b 00 00',
      '01 00 5e 00 00 01 00 00',
      '00 00 00 00 00 00 00 00',
    ].join('\n'),
  },
  {
    name: 'MCAST_ATTACHED confirming a branch',
    packet: control([
      {
        type: McastOptionType.ATTACHED,
        flags: 0,
        hopCount: 0,
        seq: 3,
        root: S,
        group: G,
        target: 0,
      },
    ]),
    hex: [
      '10 00 00 30 02 00 00 00',
      '00 14 00 01 00 00 00 00',
      '2c 04 00 00 00 00 00 03',
      '02 00 00 00 00 0b 00 00',
      '01 00 5e 00 00 01 00 00',
      '00 00 00 00 00 00 00 00',
    ].join('\n'),
  },
];
