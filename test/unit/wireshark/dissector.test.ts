// The Wireshark dissector (wireshark/vrr.lua) against the codec: one frame per packet and option kind of VRR/1,
// encoded by src/vrr/wire into a pcap written here, decoded by Debian's tshark with the dissector loaded, and
// every header field and option field compared with the value the packet was built with. Malformed frames
// and options must carry the codec's drop reason as an expert info; unknown options their Type and Len.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROADCAST, parseAddress } from '../../../src/vrr/address.ts';
import {
  createOptionRegistry,
  DhtOptionType,
  DhtStatus,
  encodePacket,
  McastOptionType,
  MCAST_FLAG_ATTACHED,
  MCAST_FLAG_FINAL,
  NeighborState,
  OptionType,
  VRR_ETHERTYPE,
  FLAG_AUTH,
  type KnownOption,
  type McastMembershipOption,
  type McastTreeOption,
  type Packet,
} from '../../../src/vrr/wire/index.ts';
import { registerDhtCodecs } from '../../../src/vrr/wire/options/dht-codecs.ts';
import { registerMcastCodecs } from '../../../src/vrr/wire/options/mcast-codecs.ts';
import { ethernetFrame, pcapFile } from '../../support/pcap.ts';
import { skipForMissing } from '../../support/skip.ts';
import {
  dissectPcap,
  tsharkUnavailableReason,
  tsharkVersion,
  type DissectedFrame,
} from '../../support/tshark.ts';

const registry = registerMcastCodecs(registerDhtCodecs(createOptionRegistry()));

const A = parseAddress('02:00:00:00:00:0a');
const B = parseAddress('02:00:00:00:00:0b');
const C = parseAddress('02:00:00:00:00:0c');
const R = parseAddress('02:00:00:00:00:01');
const Y = parseAddress('02:00:00:00:00:14');
const V1 = parseAddress('02:00:00:00:00:12');
const V2 = parseAddress('02:00:00:00:00:16');
const K = parseAddress('82:54:c3:29:a9:28'); // hashKey("k")
const G = parseAddress('01:00:5e:00:00:01');
const GK = parseAddress('1a:8f:1b:96:78:be'); // groupKey(G)
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
// An integrity trailer (docs/wire.md "Integrity trailer"): Nonce 0x01020304, Counter 7, Tag a0..af.
const TRAILER = Uint8Array.from([1, 2, 3, 4, 0, 0, 0, 7, ...Array.from({ length: 16 }, (_, i) => 0xa0 + i)]);
const TRAILER_FIELDS: Expect = {
  'vrr.auth': '',
  'vrr.auth.nonce': '0x01020304',
  'vrr.auth.counter': '7',
  'vrr.auth.tag': 'a0:a1:a2:a3:a4:a5:a6:a7:a8:a9:aa:ab:ac:ad:ae:af',
};

/** Expected values: a string is the field's only value, a list every value in tree order. */
type Expect = Record<string, string | string[]>;

interface Case {
  name: string;
  /** The VRR bytes (the Ethernet payload). */
  bytes: Uint8Array;
  /** Ethernet destination (hellos are broadcast). Default B. */
  dst?: number;
  expect: Expect;
  /** Fields that must not appear (what follows a malformed option is dropped). */
  absent?: string[];
  /** Substrings of expert messages the frame must carry (none other with "bad-" may appear). */
  experts?: string[];
}

const control = (sender: number, seq: number, options: KnownOption[]): Packet => ({
  kind: 'control',
  flags: 0,
  sender,
  seq,
  options,
});
const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const encode = (packet: Packet): Uint8Array => encodePacket(packet, registry);

function membership(
  type: McastMembershipOption['type'],
  fields: Partial<McastMembershipOption>,
): McastMembershipOption {
  return {
    type,
    hopCount: 0,
    hopLimit: 64,
    target: GK,
    group: G,
    origin: A,
    sources: [],
    members: [],
    ...fields,
  };
}

function tree(type: McastTreeOption['type'], fields: Partial<McastTreeOption>): McastTreeOption {
  return { type, flags: 0, hopCount: 0, seq: 1, root: B, group: G, target: 0, ...fields };
}

/** A 20-byte IPv4 header (checksum filled in) and an 8-byte UDP header (checksum 0: none) before `data`. */
function ipv4Udp(src: string, dst: string, sport: number, dport: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(28 + data.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, 0x45);
  view.setUint16(2, out.length);
  view.setUint8(8, 64); // TTL
  view.setUint8(9, 17); // UDP
  out.set(src.split('.').map(Number), 12);
  out.set(dst.split('.').map(Number), 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += view.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  view.setUint16(10, ~sum & 0xffff);
  view.setUint16(20, sport);
  view.setUint16(22, dport);
  view.setUint16(24, 8 + data.length);
  out.set(data, 28);
  return out;
}

const mcastMembershipNames: Record<McastMembershipOption['type'], string> = {
  0x20: 'MCAST_REGISTER',
  0x21: 'MCAST_MEMBERS',
  0x22: 'MCAST_WITHDRAW',
  0x23: 'MCAST_JOIN',
  0x24: 'MCAST_SOURCES',
  0x25: 'MCAST_LEAVE',
  0x26: 'MCAST_REPLICATE',
};
const mcastTreeNames: Record<McastTreeOption['type'], string> = {
  0x28: 'MCAST_SEED',
  0x29: 'MCAST_FELL',
  0x2a: 'MCAST_BRANCH',
  0x2b: 'MCAST_PRUNE',
  0x2c: 'MCAST_ATTACHED',
};

function cases(): Case[] {
  const list: Case[] = [
    {
      name: 'HELLO with a representative and two neighbours',
      dst: BROADCAST,
      bytes: encode(
        control(A, 0, [
          {
            type: OptionType.HELLO,
            active: true,
            helloSeq: 0x0102,
            part: 1,
            parts: 3,
            reps: [{ address: R, seq: 7 }],
            neighbors: [
              { address: B, state: NeighborState.LINKED_ACTIVE, quality: 200 },
              { address: C, state: NeighborState.PENDING, quality: 0 },
            ],
          },
        ]),
      ),
      expect: {
        'vrr.version': '1',
        'vrr.kind': '0',
        'vrr.flags': '0x00',
        'vrr.flags.auth': '0',
        'vrr.length': '48',
        'vrr.sender': '02:00:00:00:00:0a',
        'vrr.seq': '0',
        'vrr.reserved': '0x00000000',
        'vrr.opt.type': '0x01',
        'vrr.opt.len': '4',
        'vrr.hello.flags': '0x01',
        'vrr.hello.active': '1',
        'vrr.hello.rep_count': '1',
        'vrr.hello.seq': '258',
        'vrr.hello.neighbor_count': '2',
        'vrr.hello.part': '1',
        'vrr.hello.parts': '3',
        'vrr.hello.rep': '02:00:00:00:00:01',
        'vrr.hello.rep_seq': '7',
        'vrr.hello.neighbor': ['02:00:00:00:00:0b', '02:00:00:00:00:0c'],
        'vrr.hello.state': ['1', '3'],
        'vrr.hello.quality': ['200', '0'],
      },
    },
    {
      name: 'SETUP_REQ with a one-member vset',
      bytes: encode(
        control(A, 1, [
          { type: OptionType.SETUP_REQ, token: 0xdeadbeef, src: A, dst: A, proxy: B, vset: [V1] },
        ]),
      ),
      expect: {
        'vrr.seq': '1',
        'vrr.opt.type': '0x02',
        'vrr.opt.len': '5',
        'vrr.setup.vset_count': '1',
        'vrr.setup.reserved': '0x00',
        'vrr.setup.token': '0xdeadbeef',
        'vrr.setup.src': '02:00:00:00:00:0a',
        'vrr.setup.dst': '02:00:00:00:00:0a',
        'vrr.setup.proxy': '02:00:00:00:00:0b',
        'vrr.setup.vset': '02:00:00:00:00:12',
      },
    },
    {
      name: 'SETUP with a PathId and two vset members',
      bytes: encode(
        control(Y, 2, [{ type: OptionType.SETUP, pathId: 0x102, src: Y, dst: A, proxy: B, vset: [V1, V2] }]),
      ),
      expect: {
        'vrr.sender': '02:00:00:00:00:14',
        'vrr.opt.type': '0x03',
        'vrr.setup.path_id': '0x00000102',
        'vrr.setup.src': '02:00:00:00:00:14',
        'vrr.setup.vset_count': '2',
        'vrr.setup.vset': ['02:00:00:00:00:12', '02:00:00:00:00:16'],
      },
    },
    {
      name: 'SETUP_FAIL',
      bytes: encode(
        control(Y, 3, [
          { type: OptionType.SETUP_FAIL, token: 0x01020304, src: Y, dst: A, proxy: B, vset: [] },
        ]),
      ),
      expect: {
        'vrr.opt.type': '0x04',
        'vrr.opt.len': '4',
        'vrr.setup.token': '0x01020304',
        'vrr.setup.vset_count': '0',
        'vrr.setup.dst': '02:00:00:00:00:0a',
      },
    },
    {
      name: 'TEARDOWN without VSET',
      bytes: encode(control(B, 4, [{ type: OptionType.TEARDOWN, pathId: 0x102, ea: Y, vset: null }])),
      expect: {
        'vrr.opt.type': '0x05',
        'vrr.opt.len': '2',
        'vrr.teardown.vset_count': '0',
        'vrr.teardown.flags': '0x00',
        'vrr.teardown.flags.vset': '0',
        'vrr.teardown.path_id': '0x00000102',
        'vrr.teardown.ea': '02:00:00:00:00:14',
      },
    },
    {
      name: 'TEARDOWN with VSET',
      bytes: encode(control(Y, 5, [{ type: OptionType.TEARDOWN, pathId: 7, ea: Y, vset: [V1, V2] }])),
      expect: {
        'vrr.teardown.vset_count': '2',
        'vrr.teardown.flags': '0x01',
        'vrr.teardown.flags.vset': '1',
        'vrr.teardown.path_id': '0x00000007',
        'vrr.teardown.vset': ['02:00:00:00:00:12', '02:00:00:00:00:16'],
      },
    },
    {
      name: 'PATH_PROBE echo',
      bytes: encode(
        control(B, 6, [
          { type: OptionType.PATH_PROBE, flags: 0x02, pathId: 0x102, ea: Y, nonce: 0xdeadbeef },
        ]),
      ),
      expect: {
        'vrr.opt.type': '0x09',
        'vrr.opt.len': '3',
        'vrr.path_probe.flags': '0x02',
        'vrr.path_probe.flags.toward_b': '0',
        'vrr.path_probe.flags.echo': '1',
        'vrr.path_probe.path_id': '0x00000102',
        'vrr.path_probe.ea': '02:00:00:00:00:14',
        'vrr.path_probe.nonce': '0xdeadbeef',
      },
    },
    {
      name: 'ACK (a 24-byte packet in a padded 60-byte frame)',
      bytes: encode(control(B, 0, [{ type: OptionType.ACK, seq: 2 }])),
      expect: {
        'vrr.length': '24',
        'vrr.opt.type': '0x06',
        'vrr.opt.len': '1',
        'vrr.ack.seq': '2',
        'vrr.ack.reserved': '0x00000000',
        'vrr.padding': Array(22).fill('00').join(':'), // bytes past Total Length: Ethernet's, not VRR's
      },
    },
    {
      name: 'two options in one packet: SETUP_REQ and ACK',
      bytes: encode(
        control(A, 9, [
          { type: OptionType.SETUP_REQ, token: 1, src: A, dst: C, proxy: B, vset: [] },
          { type: OptionType.ACK, seq: 8 },
        ]),
      ),
      expect: { 'vrr.opt': ['', ''], 'vrr.opt.type': ['0x02', '0x06'], 'vrr.ack.seq': '8' },
    },
    {
      name: 'control packet with AUTH and its trailer (nonce, counter, tag)',
      bytes: encode({ ...control(A, 3, [{ type: OptionType.ACK, seq: 1 }]), authTag: TRAILER }),
      expect: {
        'vrr.flags': '0x80',
        'vrr.flags.auth': '1',
        'vrr.length': '48',
        'vrr.ack.seq': '1',
        ...TRAILER_FIELDS,
      },
    },
    {
      name: 'AUTH_CHALLENGE (docs/wire.md example) in a sealed frame',
      bytes: encode({
        ...control(A, 0, [{ type: OptionType.AUTH_CHALLENGE, challenge: 0x0a0b0c0d0e0f }]),
        authTag: TRAILER,
      }),
      expect: {
        'vrr.opt.type': '0x07',
        'vrr.opt.len': '1',
        'vrr.auth.challenge': '0x00000a0b0c0d0e0f',
        'vrr.length': '48',
        ...TRAILER_FIELDS,
      },
    },
    {
      name: 'AUTH_RESPONSE echoing a challenge, after a HELLO',
      dst: BROADCAST,
      bytes: encode({
        ...control(B, 0, [
          {
            type: OptionType.HELLO,
            active: false,
            helloSeq: 1,
            part: 0,
            parts: 1,
            reps: [],
            neighbors: [],
          },
          { type: OptionType.AUTH_RESPONSE, challenge: 0xfedcba987654 },
        ]),
        authTag: TRAILER,
      }),
      expect: {
        'vrr.opt.type': ['0x01', '0x08'],
        'vrr.auth.challenge': '0x0000fedcba987654',
        ...TRAILER_FIELDS,
      },
    },
    {
      name: 'DHT_PUT with an explicit version, a TTL, key and value',
      bytes: encode(
        control(Y, 1, [
          {
            type: DhtOptionType.PUT,
            hopCount: 2,
            hopLimit: 64,
            reqId: 0x01020304,
            target: K,
            origin: A,
            explicitVersion: true,
            version: 7,
            ttlMs: 60000,
            key: text('k'),
            value: text('v1'),
          },
        ]),
      ),
      expect: {
        'vrr.opt.type': '0x10',
        'vrr.opt.len': '5',
        'vrr.dht.hop_count': '2',
        'vrr.dht.hop_limit': '64',
        'vrr.dht.req_id': '0x01020304',
        'vrr.dht.target': '82:54:c3:29:a9:28',
        'vrr.dht.key_len': '1',
        'vrr.dht.flags': '0x01',
        'vrr.dht.flags.version': '1',
        'vrr.dht.origin': '02:00:00:00:00:0a',
        'vrr.dht.value_len': '2',
        'vrr.dht.version': '7',
        'vrr.dht.ttl_ms': '60000',
        'vrr.dht.key': '6b',
        'vrr.dht.key_text': 'k',
        'vrr.dht.value': '76:31',
      },
    },
    ...(['GET', 'DELETE'] as const).map((kind) => ({
      name: `DHT_${kind}`,
      bytes: encode(
        control(A, 2, [
          {
            type: DhtOptionType[kind],
            hopCount: 0,
            hopLimit: 255,
            reqId: 42,
            target: K,
            origin: A,
            explicitVersion: false,
            version: 0,
            ttlMs: 0,
            key: text('key/1'),
            value: new Uint8Array(0),
          },
        ]),
      ),
      expect: {
        'vrr.opt.type': kind === 'GET' ? '0x11' : '0x12',
        'vrr.dht.hop_limit': '255',
        'vrr.dht.req_id': '0x0000002a',
        'vrr.dht.flags.version': '0',
        'vrr.dht.key_len': '5',
        'vrr.dht.value_len': '0',
        'vrr.dht.key_text': 'key/1',
      },
    })),
    {
      name: 'DHT_REPLY with a status and a value',
      bytes: encode(
        control(V1, 4, [
          {
            type: DhtOptionType.REPLY,
            hopCount: 1,
            hopLimit: 64,
            reqId: 0x01020304,
            target: A,
            requestHops: 3,
            status: DhtStatus.STALE_VERSION,
            owner: Y,
            version: 7,
            ttlMs: 59000,
            value: text('v1'),
          },
        ]),
      ),
      expect: {
        'vrr.opt.type': '0x13',
        'vrr.dht.target': '02:00:00:00:00:0a',
        'vrr.dht.request_hops': '3',
        'vrr.dht.status': '2',
        'vrr.dht.owner': '02:00:00:00:00:14',
        'vrr.dht.value_len': '2',
        'vrr.dht.version': '7',
        'vrr.dht.ttl_ms': '59000',
        'vrr.dht.value': '76:31',
      },
    },
    ...(
      [
        ['REPLICATE', '0x14', false],
        ['HANDOFF', '0x15', true],
        ['RELEASE', '0x16', false],
      ] as const
    ).map(([kind, code, tombstone]) => ({
      name: `DHT_${kind}${tombstone ? ' of a tombstone' : ''}`,
      bytes: encode(
        control(Y, 5, [
          {
            type: DhtOptionType[kind],
            hopCount: 0,
            hopLimit: 64,
            reqId: 9,
            target: V1,
            tombstone,
            origin: A,
            version: 8,
            ttlMs: 300000,
            source: Y,
            key: text('k'),
            value: tombstone || kind === 'RELEASE' ? new Uint8Array(0) : text('v1'),
          },
        ]),
      ),
      expect: {
        'vrr.opt.type': code,
        'vrr.dht.flags.tombstone': tombstone ? '1' : '0',
        'vrr.dht.origin': '02:00:00:00:00:0a',
        'vrr.dht.version': '8',
        'vrr.dht.ttl_ms': '300000',
        'vrr.dht.source': '02:00:00:00:00:14',
        'vrr.dht.reserved': '0x0000',
        'vrr.dht.key_text': 'k',
        'vrr.dht.value_len': tombstone || kind === 'RELEASE' ? '0' : '2',
      },
    })),
    ...Object.entries(mcastMembershipNames).map(([code, name]) => {
      const type = Number(code) as McastMembershipOption['type'];
      return {
        name,
        bytes: encode(
          control(Y, 1, [
            membership(type, {
              hopCount: 2,
              sources: [B, C],
              members: type === 0x26 ? [A] : [],
              ...(type === 0x26 ? { version: 3, seen: 2 } : {}),
            }),
          ]),
        ),
        expect: {
          'vrr.opt.type': hex2(type),
          'vrr.mcast.hop_count': '2',
          'vrr.mcast.hop_limit': '64',
          'vrr.mcast.nsrc': '2',
          'vrr.mcast.nmem': type === 0x26 ? '1' : '0',
          ...(type === 0x26
            ? { 'vrr.mcast.version': '3', 'vrr.mcast.seen': '2' }
            : { 'vrr.mcast.reserved': '0x0000' }),
          'vrr.mcast.target': '1a:8f:1b:96:78:be',
          'vrr.mcast.group': '01:00:5e:00:00:01',
          'vrr.mcast.origin': '02:00:00:00:00:0a',
          'vrr.mcast.source': ['02:00:00:00:00:0b', '02:00:00:00:00:0c'],
          ...(type === 0x26 ? { 'vrr.mcast.member': '02:00:00:00:00:0a' } : {}),
        },
      };
    }),
    ...Object.entries(mcastTreeNames).map(([code, name]) => {
      const type = Number(code) as McastTreeOption['type'];
      const flags =
        type === McastOptionType.FELL
          ? MCAST_FLAG_FINAL
          : type === McastOptionType.SEED
            ? MCAST_FLAG_ATTACHED
            : 0;
      return {
        name,
        bytes: encode(control(Y, 1, [tree(type, { flags, hopCount: 3, seq: 0x0102, target: A })])),
        expect: {
          'vrr.opt.type': hex2(type),
          'vrr.opt.len': '4',
          'vrr.mcast.flags': `0x0${flags}`,
          'vrr.mcast.flags.final': flags === MCAST_FLAG_FINAL ? '1' : '0',
          'vrr.mcast.flags.attached': flags === MCAST_FLAG_ATTACHED ? '1' : '0',
          'vrr.mcast.hop_count': '3',
          'vrr.mcast.seq': '258',
          'vrr.mcast.root': '02:00:00:00:00:0b',
          'vrr.mcast.group': '01:00:5e:00:00:01',
          'vrr.mcast.target': '02:00:00:00:00:0a',
        },
      };
    }),
    {
      name: 'data packet carrying IPv4/UDP (handed on to Wireshark’s IPv4 dissector)',
      bytes: encode({
        kind: 'data',
        flags: 0,
        hopLimit: 64,
        dataFlags: 0,
        nextHeader: 0x0800,
        src: A,
        dst: Y,
        payload: ipv4Udp('198.18.0.1', '198.18.0.2', 40000, 5001, text('hello')),
      }),
      expect: {
        'vrr.kind': '1',
        'vrr.length': '53',
        'vrr.data.hop_limit': '64',
        'vrr.data.flags': '0x00',
        'vrr.data.flags.key': '0',
        'vrr.data.flags.group': '0',
        'vrr.data.next_header': '0x0800',
        'vrr.data.src': '02:00:00:00:00:0a',
        'vrr.data.dst': '02:00:00:00:00:14',
        'ip.src': '198.18.0.1',
        'ip.dst': '198.18.0.2',
        'udp.dstport': '5001',
      },
    },
    {
      name: 'group data packet',
      bytes: encode({
        kind: 'data',
        flags: 0,
        hopLimit: 63,
        dataFlags: 0x02,
        nextHeader: 0x0800,
        src: B,
        dst: parseAddress('01:00:5e:01:01:01'),
        payload: ipv4Udp('198.18.0.3', '239.1.1.1', 40000, 5001, new Uint8Array(12)),
      }),
      expect: {
        'vrr.data.flags': '0x02',
        'vrr.data.flags.group': '1',
        'vrr.data.dst': '01:00:5e:01:01:01',
        'ip.dst': '239.1.1.1',
      },
    },
    {
      name: 'data packet with KEY and an AUTH tag',
      bytes: encode({
        kind: 'data',
        flags: FLAG_AUTH,
        hopLimit: 32,
        dataFlags: 0x01,
        nextHeader: 0x88b6,
        src: A,
        dst: parseAddress('02:12:34:56:78:9a'),
        payload: text('PING\0\0\0\x01'),
        authTag: TRAILER,
      }),
      expect: {
        'vrr.flags.auth': '1',
        'vrr.length': '52',
        'vrr.data.flags.key': '1',
        'vrr.data.next_header': '0x88b6',
        'vrr.data.payload': '50:49:4e:47:00:00:00:01',
        ...TRAILER_FIELDS,
      },
    },
  ];

  // Hand-built frames: what the encoder never writes.
  const ack = encode(control(B, 0, [{ type: OptionType.ACK, seq: 2 }]));
  const withUnknown = new Uint8Array(ack.length + 16);
  withUnknown.set(ack.subarray(0, 16));
  withUnknown.set([0x7f, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 16);
  withUnknown.set(ack.subarray(16), 32);
  withUnknown[3] = withUnknown.length;
  list.push({
    name: 'unknown option 0x7f before an ACK (skipped, shown with its Type and Len)',
    bytes: withUnknown,
    expect: {
      'vrr.opt.unknown': '0x7f',
      'vrr.opt.type': ['0x7f', '0x06'],
      'vrr.opt.len': ['2', '1'],
      'vrr.ack.seq': '2',
    },
    experts: ['unknown option Type 0x7f, Len 2'],
  });

  const badState = encode(
    control(A, 0, [
      {
        type: OptionType.HELLO,
        active: false,
        helloSeq: 1,
        part: 0,
        parts: 1,
        reps: [],
        neighbors: [{ address: B, state: NeighborState.LINKED_ACTIVE, quality: 0 }],
      },
      { type: OptionType.ACK, seq: 5 },
    ]),
  );
  badState[16 + 8 + 6] = 9; // the neighbour's State
  list.push({
    name: 'HELLO with a neighbour State 9 (bad-option-body: the ACK after it is dropped)',
    dst: BROADCAST,
    bytes: badState,
    expect: { 'vrr.opt.type': '0x01', 'vrr.hello.state': '9' },
    absent: ['vrr.ack.seq'],
    experts: ['bad-option-body: HELLO neighbour 0 has state 9'],
  });

  // An ACK packet with one byte changed: each change is one drop reason of the codec.
  const broken = (at: number, value: number, name: string, expect: Expect, expert: string): Case => {
    const bytes = encode(control(B, 0, [{ type: OptionType.ACK, seq: 2 }]));
    bytes[at] = value;
    return { name, bytes, expect, experts: [expert] };
  };
  list.push(
    broken(17, 0, 'option with Len 0 (bad-option)', { 'vrr.opt.len': '0' }, 'bad-option at offset 16: Len 0'),
    broken(0, 0x20, 'version 2 (bad-version)', { 'vrr.version': '2' }, 'bad-version: version 2'),
    broken(
      1,
      0x80,
      'AUTH flag on a packet with no room for the 24-byte trailer (bad-length)',
      { 'vrr.flags.auth': '1', 'vrr.length': '24' },
      'bad-length: Total Length 24 below the 40 bytes of a control header and its AUTH trailer',
    ),
    // Total Length 280 in a 46-byte frame (60 with its Ethernet header).
    broken(
      2,
      0x01,
      'Total Length beyond the frame (bad-length)',
      { 'vrr.length': '280' },
      'bad-length: Total Length 280 beyond the 46-byte frame',
    ),
  );
  return list;
}

describe('wireshark/vrr.lua: every VRR/1 field, decoded by tshark', function () {
  this.timeout(360_000);
  const all = cases();
  let frames: DissectedFrame[] = [];
  let dir = '';

  before(async function () {
    const reason = await tsharkUnavailableReason();
    if (reason !== null) skipForMissing(this, 'the Wireshark dissector test', reason);
    dir = mkdtempSync(join(tmpdir(), 'vrr-dissector-'));
    const pcap = join(dir, 'vrr-kinds.pcap');
    writeFileSync(
      pcap,
      pcapFile(all.map((c) => ({ data: ethernetFrame(c.dst ?? B, A, VRR_ETHERTYPE, c.bytes) }))),
    );
    frames = await dissectPcap(pcap);
    console.log(`      ${await tsharkVersion()}`);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('decodes one VRR frame per packet', () => {
    assert.equal(frames.length, all.length);
    for (const f of frames) assert.match(f.protocols, /^eth:ethertype:vrr/);
  });

  for (const [index, c] of all.entries()) {
    it(c.name, () => {
      const frame = frames[index];
      for (const [field, want] of Object.entries(c.expect)) {
        const expected = Array.isArray(want) ? want : [want];
        assert.deepEqual(frame.fields.get(field), expected, `${field} in frame ${index + 1} (${c.name})`);
      }
      for (const field of c.absent ?? [])
        assert.equal(frame.fields.get(field), undefined, `${field} present`);
      const bad = frame.experts.filter((m) => /^(bad-|too-short|unknown option)/.test(m));
      assert.deepEqual(
        bad.map((m) => (c.experts ?? []).some((e) => m.includes(e))),
        bad.map(() => true),
        `unexpected expert infos: ${bad.join('; ')}`,
      );
      for (const e of c.experts ?? []) {
        assert.ok(
          frame.experts.some((m) => m.includes(e)),
          `expert "${e}" missing; found: ${frame.experts.join('; ')}`,
        );
      }
    });
  }

  it('covers every option Type the codec registers', () => {
    const seen = new Set(frames.flatMap((f) => f.fields.get('vrr.opt.type') ?? []));
    for (const type of [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, ...registry.types()]) {
      assert.ok(seen.has(hex2(type)), `no frame with option ${hex2(type)}`);
    }
  });
});
