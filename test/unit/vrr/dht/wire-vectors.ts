// THE hex test vectors of the DHT options. docs/wire.md ("DHT options") shows the same strings;
// test/unit/vrr/wire/options/dht-vectors.test.ts checks both directions and that the doc contains every block.

import { parseAddress } from '../../../../src/vrr/address.ts';
import '../../../../src/vrr/dht/index.ts'; // registers the DHT codecs in the default registry
import { DhtOptionType, DhtStatus, type Packet } from '../../../../src/vrr/wire/index.ts';

const A = parseAddress('02:00:00:00:00:0a');
const Y = parseAddress('02:00:00:00:00:14');
const V1 = parseAddress('02:00:00:00:00:12');
/** hashKey("k"): SHA-256("k") starts 82 54 c3 29 a9 28; 0x82 already has bit 0x02 set and bit 0x01 clear. */
const K = parseAddress('82:54:c3:29:a9:28');
const KEY = new Uint8Array([0x6b]); // "k"
const V = new Uint8Array([0x76, 0x31]); // "v1"
const NONE = new Uint8Array(0);

/** One vector: a control packet and its bytes (lines of 8 bytes). */
export interface DhtVector {
  name: string;
  packet: Packet;
  hex: string;
}

const routed = { hopLimit: 64, reqId: 0x01020304 };

/** Every DHT vector, in the order docs/wire.md lists them. */
export const DHT_VECTORS: readonly DhtVector[] = [
  {
    name: 'DHT_PUT with an explicit version and a TTL',
    packet: {
      kind: 'control',
      flags: 0,
      sender: Y,
      seq: 1,
      options: [
        {
          type: DhtOptionType.PUT,
          hopCount: 2,
          ...routed,
          target: K,
          origin: A,
          explicitVersion: true,
          version: 7,
          ttlMs: 60000,
          key: KEY,
          value: V,
        },
      ],
    },
    hex: `10 00 00 38 02 00 00 00
00 14 00 01 00 00 00 00
10 05 02 40 01 02 03 04
82 54 c3 29 a9 28 01 01
02 00 00 00 00 0a 00 02
00 00 00 07 00 00 ea 60
6b 76 31 00 00 00 00 00`,
  },
  {
    name: 'DHT_GET',
    packet: {
      kind: 'control',
      flags: 0,
      sender: A,
      seq: 2,
      options: [
        {
          type: DhtOptionType.GET,
          hopCount: 0,
          ...routed,
          target: K,
          origin: A,
          explicitVersion: false,
          version: 0,
          ttlMs: 0,
          key: KEY,
          value: NONE,
        },
      ],
    },
    hex: `10 00 00 38 02 00 00 00
00 0a 00 02 00 00 00 00
11 05 00 40 01 02 03 04
82 54 c3 29 a9 28 01 00
02 00 00 00 00 0a 00 00
00 00 00 00 00 00 00 00
6b 00 00 00 00 00 00 00`,
  },
  {
    name: 'DHT_DELETE',
    packet: {
      kind: 'control',
      flags: 0,
      sender: A,
      seq: 3,
      options: [
        {
          type: DhtOptionType.DELETE,
          hopCount: 0,
          ...routed,
          target: K,
          origin: A,
          explicitVersion: false,
          version: 0,
          ttlMs: 0,
          key: KEY,
          value: NONE,
        },
      ],
    },
    hex: `10 00 00 38 02 00 00 00
00 0a 00 03 00 00 00 00
12 05 00 40 01 02 03 04
82 54 c3 29 a9 28 01 00
02 00 00 00 00 0a 00 00
00 00 00 00 00 00 00 00
6b 00 00 00 00 00 00 00`,
  },
  {
    name: 'DHT_REPLY to a GET: found',
    packet: {
      kind: 'control',
      flags: 0,
      sender: V1,
      seq: 4,
      options: [
        {
          type: DhtOptionType.REPLY,
          hopCount: 1,
          ...routed,
          target: A,
          requestHops: 3,
          status: DhtStatus.OK,
          owner: Y,
          version: 7,
          ttlMs: 59000,
          value: V,
        },
      ],
    },
    hex: `10 00 00 38 02 00 00 00
00 12 00 04 00 00 00 00
13 05 01 40 01 02 03 04
02 00 00 00 00 0a 03 00
02 00 00 00 00 14 00 02
00 00 00 07 00 00 e6 78
76 31 00 00 00 00 00 00`,
  },
  {
    name: 'DHT_REPLICATE from the owner to a virtual neighbour',
    packet: {
      kind: 'control',
      flags: 0,
      sender: Y,
      seq: 5,
      options: [
        {
          type: DhtOptionType.REPLICATE,
          hopCount: 0,
          ...routed,
          target: V1,
          tombstone: false,
          origin: A,
          version: 7,
          ttlMs: 59000,
          source: Y,
          key: KEY,
          value: V,
        },
      ],
    },
    hex: `10 00 00 40 02 00 00 00
00 14 00 05 00 00 00 00
14 06 00 40 01 02 03 04
02 00 00 00 00 12 01 00
02 00 00 00 00 0a 00 02
00 00 00 07 00 00 e6 78
02 00 00 00 00 14 00 00
6b 76 31 00 00 00 00 00`,
  },
  {
    name: 'DHT_HANDOFF of a tombstone',
    packet: {
      kind: 'control',
      flags: 0,
      sender: V1,
      seq: 6,
      options: [
        {
          type: DhtOptionType.HANDOFF,
          hopCount: 0,
          ...routed,
          target: K,
          tombstone: true,
          origin: A,
          version: 8,
          ttlMs: 300000,
          source: V1,
          key: KEY,
          value: NONE,
        },
      ],
    },
    hex: `10 00 00 40 02 00 00 00
00 12 00 06 00 00 00 00
15 06 00 40 01 02 03 04
82 54 c3 29 a9 28 01 01
02 00 00 00 00 0a 00 00
00 00 00 08 00 04 93 e0
02 00 00 00 00 12 00 00
6b 00 00 00 00 00 00 00`,
  },
  {
    name: 'DHT_RELEASE from a former owner',
    packet: {
      kind: 'control',
      flags: 0,
      sender: Y,
      seq: 7,
      options: [
        {
          type: DhtOptionType.RELEASE,
          hopCount: 0,
          ...routed,
          target: V1,
          tombstone: false,
          origin: A,
          version: 7,
          ttlMs: 0,
          source: Y,
          key: KEY,
          value: NONE,
        },
      ],
    },
    hex: `10 00 00 40 02 00 00 00
00 14 00 07 00 00 00 00
16 06 00 40 01 02 03 04
02 00 00 00 00 12 01 00
02 00 00 00 00 0a 00 00
00 00 00 07 00 00 00 00
02 00 00 00 00 14 00 00
6b 00 00 00 00 00 00 00`,
  },
];
