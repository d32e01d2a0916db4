// Random valid packets from a seeded PRNG: the round-trip tests and the fuzz test start from these.

import type { Address } from '../../../../src/vrr/address.ts';
import type { Rng } from '../../../../src/vrr/rng.ts';
import {
  OptionType,
  type KnownOption,
  type NeighborSlot,
  type Packet,
  type HelloOption,
} from '../../../../src/vrr/wire/index.ts';

function randomAddresses(rng: Rng, count: number): Address[] {
  return Array.from({ length: count }, () => rng.u48());
}

/** Random bytes of the given length. */
export function randomBytes(rng: Rng, count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) bytes[i] = rng.int(256);
  return bytes;
}

/** A random hello with up to maxNeighbors neighbours (capped by what one option can hold). */
export function randomHello(rng: Rng, maxNeighbors = 40): HelloOption {
  const reps = Array.from({ length: rng.int(3) }, () => ({ address: rng.u48(), seq: rng.int(0x10000) }));
  const count = rng.int(Math.min(maxNeighbors, 254 - reps.length) + 1);
  const neighbors: NeighborSlot[] = Array.from({ length: count }, () => ({
    address: rng.u48(),
    state: (1 + rng.int(3)) as NeighborSlot['state'],
    quality: rng.int(256),
  }));
  const parts = 1 + rng.int(15);
  return {
    type: OptionType.HELLO,
    active: rng.int(2) === 1,
    helloSeq: rng.int(0x10000),
    part: rng.int(parts),
    parts,
    reps,
    neighbors,
  };
}

/** A random option of the core set. */
export function randomOption(rng: Rng): KnownOption {
  const vset = (max: number) => randomAddresses(rng, rng.int(max + 1));
  switch (rng.int(6)) {
    case 0:
      return randomHello(rng);
    case 1:
      return {
        type: OptionType.SETUP_REQ,
        token: rng.u32(),
        src: rng.u48(),
        dst: rng.u48(),
        proxy: rng.u48(),
        vset: vset(6),
      };
    case 2:
      return {
        type: OptionType.SETUP,
        pathId: rng.u32(),
        src: rng.u48(),
        dst: rng.u48(),
        proxy: rng.u48(),
        vset: vset(6),
      };
    case 3:
      return {
        type: OptionType.SETUP_FAIL,
        token: rng.u32(),
        src: rng.u48(),
        dst: rng.u48(),
        proxy: rng.u48(),
        vset: vset(6),
      };
    case 4:
      return {
        type: OptionType.TEARDOWN,
        pathId: rng.u32(),
        ea: rng.u48(),
        vset: rng.int(2) === 0 ? null : vset(6),
      };
    default:
      return { type: OptionType.ACK, seq: rng.int(0x10000) };
  }
}

/** A random valid packet: control with 0-4 options, or data with a 0-200-byte payload; 1 in 8 carries a tag. */
export function randomPacket(rng: Rng): Packet {
  const authTag = rng.int(8) === 0 ? randomBytes(rng, 24) : undefined;
  const flags = authTag ? 0x80 : 0;
  let packet: Packet;
  if (rng.int(3) > 0) {
    const options = Array.from({ length: rng.int(5) }, () => randomOption(rng));
    packet = { kind: 'control', flags, sender: rng.u48(), seq: rng.int(0x10000), options };
  } else {
    packet = {
      kind: 'data',
      flags,
      hopLimit: rng.int(256),
      dataFlags: rng.int(4),
      nextHeader: rng.pick([0x0800, 0x86dd, 0x0806, rng.int(0x10000)]),
      src: rng.u48(),
      dst: rng.u48(),
      payload: randomBytes(rng, rng.int(201)),
    };
  }
  if (authTag) packet.authTag = authTag;
  return packet;
}
