// Two or more LinkAuth endpoints driven by hand on a fake clock, for the keyed-mesh tests: each endpoint's sends and
// counters are recorded, frames are handed to admit() decoded, and the challenge exchange runs to the end.

import assert from 'node:assert/strict';
import { LinkAuth } from '../../../../src/vrr/auth/link-auth.ts';
import { createRng, type Rng } from '../../../../src/vrr/rng.ts';
import { decodePacket, encodePacket } from '../../../../src/vrr/wire/index.ts';
import { OptionType, type Packet } from '../../../../src/vrr/wire/types.ts';

/** The network key of the tests' meshes. */
export const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

/** One endpoint made by endpoint(). */
export type Endpoint = ReturnType<typeof endpoint>;

/** A LinkAuth whose sends and counters are recorded, on a clock moved by tick(); its own rng unless given one. */
export function endpoint(address: number, options: { key?: Uint8Array; seed?: number; rng?: Rng } = {}) {
  const sent: { port: number; to: number | null; frame: Uint8Array }[] = [];
  const counts: Record<string, number> = {};
  let now = 1000;
  const rng = options.rng ?? createRng(options.seed ?? address);
  const auth = new LinkAuth(options.key ?? KEY, {
    address,
    env: { now: () => now, rng, send: (port, to, frame) => sent.push({ port, to, frame }) },
    count: (name) => (counts[name] = (counts[name] ?? 0) + 1),
  });
  return { auth, sent, counts, tick: (ms: number) => (now += ms) };
}

/** An unsealed control frame from sender: one ACK. */
export function ack(sender: number): Uint8Array {
  return encodePacket({
    kind: 'control',
    flags: 0,
    sender,
    seq: 0,
    options: [{ type: OptionType.ACK, seq: 9 }],
  });
}

/** A frame decoded, as the node hands it to admit(). */
export function decoded(frame: Uint8Array): Packet {
  const r = decodePacket(frame);
  assert.ok(r.ok, 'the sealed frame decodes');
  return r.packet;
}

/** Whether endpoint `to` admits frame from `from` on port. */
export function admit(to: Endpoint, from: number, frame: Uint8Array, port = 0): boolean {
  return to.auth.admit(port, from, frame, decoded(frame));
}

/**
 * Runs the challenge exchange until both sides accepted each other's nonce (a's first frame, of a nonce b does not
 * know, is challenged, not admitted); returns the frames a sent.
 */
export function handshake(a: Endpoint, b: Endpoint, aAddr: number, bAddr: number): Uint8Array[] {
  const first = a.auth.seal(ack(aAddr));
  assert.equal(admit(b, aAddr, first), false, 'a frame of an unknown nonce is challenged, not admitted');
  const fromA: Uint8Array[] = [];
  for (let round = 0; round < 4; round++) {
    for (const s of b.sent.splice(0)) admit(a, bAddr, s.frame);
    for (const s of a.sent.splice(0)) {
      fromA.push(s.frame);
      admit(b, aAddr, s.frame);
    }
  }
  return fromA;
}
