// Run inside a namespace to put hand-made VRR frames (EtherType 0x88B5) on a link, as a misbehaving or
// foreign neighbour would:
//   frame-injector.ts send IF HEX...                         each frame once, broadcast, then exit
//   frame-injector.ts fake-neighbor IF FAKE PEER MS PERIOD    for MS ms, every PERIOD ms, a hello from FAKE
//                                                              listing PEER as pending, preceded by an option
//                                                              of unknown Type, then exit
// Prints one JSON line {sent} on stdout when done.

import { parseAddress } from '../../../src/vrr/address.ts';
import { encodePacket } from '../../../src/vrr/wire/index.ts';
import { NeighborState, OptionType } from '../../../src/vrr/wire/types.ts';
import { openPacketSocket, VRR_ETHERTYPE } from '../../../src/daemon/native/index.ts';

/** An unknown option (Type 0x7E, one 8-byte unit) inserted in front of the first option of a control packet. */
export function withUnknownOption(packet: Uint8Array): Uint8Array {
  const unknown = Uint8Array.of(0x7e, 1, 0xde, 0xad, 0xbe, 0xef, 0, 0);
  const out = new Uint8Array(packet.length + unknown.length);
  out.set(packet.subarray(0, 16), 0);
  out.set(unknown, 16);
  out.set(packet.subarray(16), 24);
  const total = ((packet[2] << 8) | packet[3]) + unknown.length;
  out[2] = total >> 8;
  out[3] = total & 0xff;
  return out;
}

/** A hello from `fake` listing `peer` as pending (so the peer's link state machine moves to linked). */
export function fakeHello(fake: number, peer: number, seq: number): Uint8Array {
  return encodePacket({
    kind: 'control',
    flags: 0,
    sender: fake,
    seq: 0,
    options: [
      {
        type: OptionType.HELLO,
        active: false,
        helloSeq: seq & 0xffff,
        part: 0,
        parts: 1,
        reps: [],
        neighbors: [{ address: peer, state: NeighborState.PENDING, quality: 0 }],
      },
    ],
  });
}

async function main(argv: string[]): Promise<void> {
  const [mode, ifname, ...rest] = argv;
  const socket = openPacketSocket(ifname, VRR_ETHERTYPE);
  let sent = 0;
  try {
    if (mode === 'send') {
      for (const hex of rest) if (socket.send(null, Buffer.from(hex, 'hex'))) sent++;
    } else if (mode === 'fake-neighbor') {
      const [fake, peer] = [parseAddress(rest[0]), parseAddress(rest[1])];
      const [durationMs, periodMs] = [Number(rest[2]), Number(rest[3])];
      const end = Date.now() + durationMs;
      for (let seq = 1; Date.now() < end; seq++) {
        if (socket.send(null, withUnknownOption(fakeHello(fake, peer, seq)))) sent++;
        await new Promise((r) => setTimeout(r, periodMs));
      }
    } else {
      throw new Error(`expected mode send or fake-neighbor, found ${JSON.stringify(mode)}`);
    }
  } finally {
    socket.close();
  }
  process.stdout.write(JSON.stringify({ sent }) + '\n');
}

if (process.argv[1]?.endsWith('frame-injector.ts')) await main(process.argv.slice(2));
