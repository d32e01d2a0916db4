// Keyed meshes: every frame a node sends carries an integrity trailer, and every frame it takes in must carry a
// valid one from a sender it has heard live, once (docs/security.md). The trailer (docs/wire.md, "AUTH") is
//   Nonce (u32) | Counter (u32) | Tag (16 bytes: HMAC-SHA-256 of the frame up to the tag, truncated)
// as RFC 8967 does for Babel: the nonce is drawn once per start, the counter grows with every frame, and a
// receiver keeps a replay window per sender (port, link address). A frame whose nonce the receiver has not
// accepted yet is dropped and answered with an AUTH_CHALLENGE; the sender echoes it in an AUTH_RESPONSE sealed
// with its current nonce, which proves the nonce is live rather than replayed, and the receiver adopts it.
// Frames are authenticated hop by hop: a forwarded data packet is sealed anew by every relay.
//
// Invariants: a frame is admitted only with a tag computed with the network key, a nonce this node has seen
// answer one of its own challenges (or the window's nonce), and a counter its window has not accepted before;
// the sender table holds at most MAX_AUTH_SENDERS_PER_PORT senders per port (the least recently heard one is
// evicted first); challenges and responses are sent at most once per CHALLENGE_INTERVAL_MS per sender.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Address } from '../address.ts';
import type { LinkAddress, PortId, VrrEnv } from '../env.ts';
import { MAX_AUTH_SENDERS_PER_PORT } from '../limits.ts';
import { readU16, readU32, writeU16, writeU32 } from '../wire/fields.ts';
import { encodePacket } from '../wire/packet.ts';
import { AUTH_TAG_LENGTH, FLAG_AUTH, OptionType, type KnownOption, type Packet } from '../wire/types.ts';
import { ReplayWindow } from './replay-window.ts';

/** Bytes of the truncated HMAC at the end of the trailer. */
export const AUTH_MAC_LENGTH = 16;
/** The shortest network key accepted (128 bits). */
export const MIN_NETWORK_KEY_LENGTH = 16;
// Senders remembered per port (limits.ts): a flood of invented link addresses evicts the least recently heard.
export { MAX_AUTH_SENDERS_PER_PORT };
/** A challenge is answered, or re-sent, at most this often per sender. */
export const CHALLENGE_INTERVAL_MS = 200;
/** A challenge is good for this long. */
export const CHALLENGE_TTL_MS = 10_000;

/** What LinkAuth needs from its node. */
export interface LinkAuthHost {
  address: Address;
  env: Pick<VrrEnv, 'now' | 'rng' | 'send'>;
  count(name: string): void;
}

interface SenderState {
  window: ReplayWindow | null;
  challenge: number | null;
  challengedAt: number;
  answeredAt: number;
  lastHeard: number;
}

/** Checks a network key's size; throws a RangeError that says what was expected. */
export function checkNetworkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length < MIN_NETWORK_KEY_LENGTH) {
    throw new RangeError(
      `network key: expected at least ${MIN_NETWORK_KEY_LENGTH} bytes, found ${key?.length ?? 'none'}`,
    );
  }
}

/** Seals outgoing frames and admits incoming ones for one node of a keyed mesh. */
export class LinkAuth {
  private readonly key: Buffer;
  private nonce: number;
  private counter = 0;
  private readonly senders = new Map<PortId, Map<LinkAddress, SenderState>>();

  constructor(
    key: Uint8Array,
    private readonly host: LinkAuthHost,
  ) {
    checkNetworkKey(key);
    this.key = Buffer.from(key);
    // Per start: mixed with the clock so that a node restarted with the same seed still picks a new nonce.
    this.nonce = (host.env.rng.u32() ^ Math.floor(host.env.now())) >>> 0;
  }

  /** A copy of frame (an unsealed VRR packet) with the AUTH flag and the trailer. */
  seal(frame: Uint8Array): Uint8Array {
    const length = readU16(frame, 2);
    const out = new Uint8Array(length + AUTH_TAG_LENGTH);
    out.set(frame.subarray(0, length));
    out[1] |= FLAG_AUTH;
    writeU16(out, 2, out.length);
    if (this.counter === 0xffffffff) {
      // A fresh nonce rather than a counter that wraps into values receivers have seen.
      this.nonce = (this.nonce + 1 + this.host.env.rng.int(0xffff)) >>> 0;
      this.counter = 0;
    }
    this.counter++;
    writeU32(out, length, this.nonce);
    writeU32(out, length + 4, this.counter);
    out.set(this.mac(out, out.length - AUTH_MAC_LENGTH), out.length - AUTH_MAC_LENGTH);
    return out;
  }

  /**
   * True when the frame may be processed. Handles and removes the challenge options, and strips the trailer from
   * the decoded packet (so a forwarded packet is re-sealed, not carried with this hop's trailer).
   */
  admit(port: PortId, from: LinkAddress, frame: Uint8Array, packet: Packet): boolean {
    if ((packet.flags & FLAG_AUTH) === 0 || packet.authTag === undefined) {
      this.host.count('auth.missingTag');
      return false;
    }
    const total = readU16(frame, 2);
    const macAt = total - AUTH_MAC_LENGTH;
    if (!timingSafeEqual(this.mac(frame, macAt), frame.subarray(macAt, total))) {
      this.host.count('auth.badTag');
      return false;
    }
    const nonce = readU32(frame, total - AUTH_TAG_LENGTH);
    const counter = readU32(frame, total - AUTH_TAG_LENGTH + 4);
    const now = this.host.env.now();
    const state = this.sender(port, from, now);
    let response: number | null = null;
    let challenged: number | null = null;
    if (packet.kind === 'control') {
      const kept: KnownOption[] = [];
      for (const o of packet.options) {
        if (o.type === OptionType.AUTH_RESPONSE) response = o.challenge;
        else if (o.type === OptionType.AUTH_CHALLENGE) challenged = o.challenge;
        else kept.push(o);
      }
      if (kept.length !== packet.options.length) packet.options = kept;
    }
    let admitted: boolean;
    if (state.window !== null && state.window.nonce === nonce) {
      admitted = state.window.accept(counter);
      if (!admitted) this.host.count('auth.replay');
      if (response !== null && response === state.challenge) state.challenge = null;
    } else if (
      response !== null &&
      response === state.challenge &&
      now - state.challengedAt < CHALLENGE_TTL_MS
    ) {
      state.window = new ReplayWindow(nonce, counter);
      state.challenge = null;
      this.host.count('auth.nonceAccepted');
      admitted = true;
    } else {
      this.host.count('auth.unknownNonce');
      admitted = false;
    }
    // A valid tag proves the key even on a frame that is not admitted: answer its challenge, and challenge a
    // sender whose nonce is unknown, in one frame.
    const wantChallenge =
      !admitted && state.window?.nonce !== nonce && now - state.challengedAt >= CHALLENGE_INTERVAL_MS;
    const mayAnswer = challenged !== null && now - state.answeredAt >= CHALLENGE_INTERVAL_MS;
    if (wantChallenge || mayAnswer)
      this.sendHandshake(port, from, state, now, wantChallenge, mayAnswer ? challenged : null);
    if (!admitted) return false;
    state.lastHeard = now;
    packet.flags &= ~FLAG_AUTH;
    delete packet.authTag;
    return true;
  }

  /** Forgets every sender heard on a port (the port went away). */
  forgetPort(port: PortId): void {
    this.senders.delete(port);
  }

  private sendHandshake(
    port: PortId,
    to: LinkAddress,
    state: SenderState,
    now: number,
    challenge: boolean,
    answer: number | null,
  ): void {
    const options: KnownOption[] = [];
    if (answer !== null) {
      options.push({ type: OptionType.AUTH_RESPONSE, challenge: answer });
      state.answeredAt = now;
      this.host.count('auth.responsesSent');
    }
    if (challenge) {
      state.challenge = this.host.env.rng.u48();
      state.challengedAt = now;
      options.push({ type: OptionType.AUTH_CHALLENGE, challenge: state.challenge });
      this.host.count('auth.challengesSent');
    }
    const frame = encodePacket({ kind: 'control', flags: 0, sender: this.host.address, seq: 0, options });
    this.host.env.send(port, to, this.seal(frame));
  }

  private sender(port: PortId, from: LinkAddress, now: number): SenderState {
    let table = this.senders.get(port);
    if (table === undefined) {
      table = new Map();
      this.senders.set(port, table);
    }
    let state = table.get(from);
    if (state === undefined) {
      if (table.size >= MAX_AUTH_SENDERS_PER_PORT) this.evictOldest(table);
      state = {
        window: null,
        challenge: null,
        challengedAt: -Infinity,
        answeredAt: -Infinity,
        lastHeard: now,
      };
      table.set(from, state);
    }
    return state;
  }

  private evictOldest(table: Map<LinkAddress, SenderState>): void {
    let oldest: LinkAddress | null = null;
    let oldestAt = Infinity;
    for (const [address, s] of table) {
      if (s.lastHeard < oldestAt) {
        oldestAt = s.lastHeard;
        oldest = address;
      }
    }
    if (oldest !== null) table.delete(oldest);
    this.host.count('auth.sendersEvicted');
  }

  private mac(frame: Uint8Array, end: number): Buffer {
    return createHmac('sha256', this.key)
      .update(frame.subarray(0, end))
      .digest()
      .subarray(0, AUTH_MAC_LENGTH);
  }
}

/** The node's environment with every frame sealed on its way out. */
export function sealingEnv(env: VrrEnv, auth: LinkAuth): VrrEnv {
  return {
    get rng() {
      return env.rng;
    },
    now: () => env.now(),
    setTimer: (ms, fire) => env.setTimer(ms, fire),
    send: (port, to, frame) => env.send(port, to, auth.seal(frame)),
    deliver: (packet) => env.deliver(packet),
    emit: (event) => env.emit(event),
  };
}
