// Keyed meshes, the rules of LinkAuth one by one: which frames are admitted, when a challenge or an answer goes out
// (and how often), which nonce a receiver adopts, which sender the table forgets, and the key checks. Each test
// drives two or more LinkAuth endpoints by hand through admit() and seal(), on a fake clock.

import assert from 'node:assert/strict';
import {
  CHALLENGE_INTERVAL_MS,
  CHALLENGE_TTL_MS,
  checkNetworkKey,
  LinkAuth,
  MAX_AUTH_SENDERS_PER_PORT,
  sealingEnv,
} from '../../../../src/vrr/auth/link-auth.ts';
import type { VrrEnv } from '../../../../src/vrr/env.ts';
import { createRng, type Rng } from '../../../../src/vrr/rng.ts';
import { encodePacket } from '../../../../src/vrr/wire/index.ts';
import { AUTH_TAG_LENGTH, OptionType, type DataPacket } from '../../../../src/vrr/wire/types.ts';
import { ack, admit, decoded, endpoint, handshake } from './auth-kit.ts';

const A = 0x020000000001;
const B = 0x020000000002;
const X = 0x020000000009;

/** The option types of a frame, by name. */
function optionNames(frame: Uint8Array): string[] {
  const p = decoded(frame);
  assert.equal(p.kind, 'control');
  const names = new Map<number, string>(Object.entries(OptionType).map(([name, type]) => [type, name]));
  return p.kind === 'control' ? p.options.map((o) => names.get(o.type) ?? String(o.type)) : [];
}

/** Nonce and counter of a sealed frame's trailer. */
function trailer(frame: Uint8Array): { nonce: number; counter: number } {
  const at = frame.length - AUTH_TAG_LENGTH;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return { nonce: view.getUint32(at), counter: view.getUint32(at + 4) };
}

describe('keyed meshes: LinkAuth rules', () => {
  describe('the handshake', () => {
    // Pins the three-frame exchange: an answer that needs no challenge carries none (no endless ping-pong), and the
    // answering frame is itself admitted once (its counter opens the window), with its auth options stripped.
    it('is challenge, answer + counter-challenge, answer; the answering frame is admitted once', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      const first = a.auth.seal(ack(A));
      assert.equal(admit(b, A, first), false);
      assert.equal(b.sent.length, 1);
      const challenge = b.sent.splice(0)[0].frame;
      assert.deepEqual(optionNames(challenge), ['AUTH_CHALLENGE']);
      assert.equal(admit(a, B, challenge), false, "B's nonce is not known to A yet");
      const answer = a.sent.splice(0)[0].frame;
      assert.deepEqual(optionNames(answer), ['AUTH_RESPONSE', 'AUTH_CHALLENGE']);
      const packet = decoded(answer);
      assert.equal(b.auth.admit(0, A, answer, packet), true, 'the answer proves the nonce and is admitted');
      assert.ok(packet.kind === 'control');
      assert.deepEqual(packet.options, [], 'the auth options are handled, not passed on');
      assert.equal(b.counts['auth.nonceAccepted'], 1);
      const last = b.sent.splice(0)[0].frame;
      assert.deepEqual(optionNames(last), ['AUTH_RESPONSE'], 'B knows A now: it answers without challenging');
      assert.equal(admit(a, B, last), true);
      assert.deepEqual(
        { a: [a.counts['auth.challengesSent'], a.counts['auth.responsesSent']] },
        { a: [1, 1] },
      );
      assert.deepEqual([b.counts['auth.challengesSent'], b.counts['auth.responsesSent']], [1, 1]);
      assert.equal(admit(b, A, answer), false, 'the answering frame is not admitted twice');
    });

    // Pins that other options ride through admission untouched, and that data packets are authenticated too.
    it('passes the other options and data packets on, stripped of the trailer', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      handshake(a, b, A, B);
      const frame = a.auth.seal(ack(A));
      const packet = decoded(frame);
      assert.equal(b.auth.admit(0, A, frame, packet), true);
      assert.ok(packet.kind === 'control');
      assert.deepEqual(packet.options, [{ type: OptionType.ACK, seq: 9 }]);
      const data: DataPacket = {
        kind: 'data',
        flags: 0,
        hopLimit: 9,
        dataFlags: 0,
        nextHeader: 0x86dd,
        src: A,
        dst: B,
        payload: Uint8Array.of(1, 2, 3),
      };
      const sealed = a.auth.seal(encodePacket(data));
      const got = decoded(sealed);
      assert.equal(b.auth.admit(0, A, sealed, got), true);
      assert.deepEqual(got, data);
    });

    // Pins the TTL of a challenge: an answer arriving CHALLENGE_TTL_MS after the challenge no longer adopts a nonce.
    for (const [late, admitted] of [
      [CHALLENGE_TTL_MS - 1, true],
      [CHALLENGE_TTL_MS, false],
    ] as const) {
      it(`${admitted ? 'adopts' : 'refuses'} an answer ${late} ms after the challenge`, () => {
        const a = endpoint(A);
        const b = endpoint(B);
        admit(b, A, a.auth.seal(ack(A)));
        const challenge = b.sent.splice(0)[0].frame;
        b.tick(late);
        admit(a, B, challenge);
        const answer = a.sent.splice(0)[0].frame;
        assert.equal(admit(b, A, answer), admitted);
        assert.equal(b.counts['auth.nonceAccepted'] ?? 0, admitted ? 1 : 0);
      });
    }
  });

  describe('replays', () => {
    // Pins the replay counter: an admitted frame is not counted as a replay, each replay is.
    it('counts replays, not admitted frames', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      handshake(a, b, A, B);
      const f1 = a.auth.seal(ack(A));
      const f2 = a.auth.seal(ack(A));
      assert.equal(admit(b, A, f1), true);
      assert.equal(admit(b, A, f2), true);
      assert.equal(b.counts['auth.replay'], undefined);
      assert.equal(admit(b, A, f1), false);
      assert.equal(b.counts['auth.replay'], 1);
    });

    // Pins that neither an admitted frame nor a replay of a known nonce sends anything: a replay storm gets no
    // amplification and does not replace the pending challenge.
    it('answers admitted frames and replays of a known nonce with nothing', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      handshake(a, b, A, B);
      const frame = a.auth.seal(ack(A));
      b.tick(CHALLENGE_INTERVAL_MS + 100);
      assert.equal(admit(b, A, frame), true);
      b.tick(CHALLENGE_INTERVAL_MS + 100);
      assert.equal(admit(b, A, frame), false);
      assert.deepEqual(b.sent, []);
    });

    // Pins that an answer recorded under an old nonce cannot make a receiver adopt that nonce again (after which
    // every old frame above the recorded counter would be admitted): an answer must match the pending challenge.
    it('refuses a recorded answer of the old nonce after the sender restarted', () => {
      const a = endpoint(A, { seed: 1 });
      const b = endpoint(B);
      const recorded = handshake(a, b, A, B);
      assert.deepEqual(optionNames(recorded[0]), ['AUTH_RESPONSE', 'AUTH_CHALLENGE']);
      const old = a.auth.seal(ack(A));
      const a2 = endpoint(A, { seed: 2 });
      a2.tick(5000);
      b.tick(300);
      handshake(a2, b, A, B);
      b.tick(300);
      assert.equal(admit(b, A, recorded[0]), false);
      assert.equal(admit(b, A, old), false, 'nor any frame of the old nonce after it');
      const fresh = a2.auth.seal(ack(A));
      assert.equal(admit(b, A, fresh), true, 'the live nonce is still the one held');
    });

    // Pins that a replayed frame of the old nonce (here, an old answer) does not cancel the challenge pending for the
    // restarted sender: else an attacker replaying old frames every 200 ms would keep it locked out.
    it('a replayed old answer does not cancel the challenge of a restarted sender', () => {
      const a = endpoint(A, { seed: 1 });
      const b = endpoint(B);
      const recorded = handshake(a, b, A, B);
      const a2 = endpoint(A, { seed: 2 });
      b.tick(300);
      assert.equal(admit(b, A, a2.auth.seal(ack(A))), false, 'a new nonce');
      const challenge = b.sent.splice(0);
      assert.equal(challenge.length, 1);
      assert.equal(admit(b, A, recorded[0]), false, 'the replay is refused');
      b.sent.length = 0;
      admit(a2, B, challenge[0].frame);
      const answer = a2.sent.splice(0)[0].frame;
      assert.equal(admit(b, A, answer), true, 'the live sender still gets in');
      assert.equal(b.counts['auth.nonceAccepted'], 2);
    });
  });

  describe('rate limits', () => {
    // Pins CHALLENGE_INTERVAL_MS for challenges: a flood of frames with unknown nonces gets one challenge per interval.
    it('challenges a sender at most once per CHALLENGE_INTERVAL_MS', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      admit(b, A, a.auth.seal(ack(A)));
      b.tick(CHALLENGE_INTERVAL_MS - 1);
      admit(b, A, a.auth.seal(ack(A)));
      assert.equal(b.counts['auth.challengesSent'], 1);
      b.tick(1);
      admit(b, A, a.auth.seal(ack(A)));
      assert.equal(b.counts['auth.challengesSent'], 2);
      assert.equal(b.sent.length, 2);
      assert.equal(b.counts['auth.unknownNonce'], 3);
    });

    // Pins CHALLENGE_INTERVAL_MS for answers: a challenge frame replayed at a node is answered once per interval.
    it('answers a sender at most once per CHALLENGE_INTERVAL_MS', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      admit(a, B, b.auth.seal(ack(B)));
      const challenge = a.sent.splice(0)[0].frame;
      admit(b, A, challenge);
      assert.equal(b.counts['auth.responsesSent'], 1);
      b.tick(CHALLENGE_INTERVAL_MS - 1);
      admit(b, A, challenge);
      assert.equal(b.counts['auth.responsesSent'], 1);
      assert.equal(b.sent.length, 1);
      b.tick(1);
      admit(b, A, challenge);
      assert.equal(b.counts['auth.responsesSent'], 2);
      assert.equal(b.sent.length, 2);
    });
  });

  describe('the sender table', () => {
    // Pins that windows are per port: the same link address on another port, or after forgetPort, must prove its
    // nonce again.
    it('keeps windows per port and forgets a port that went away', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      handshake(a, b, A, B);
      b.tick(300);
      assert.equal(admit(b, A, a.auth.seal(ack(A)), 1), false, 'unknown on port 1');
      assert.equal(admit(b, A, a.auth.seal(ack(A)), 0), true);
      b.auth.forgetPort(0);
      b.tick(300);
      assert.equal(admit(b, A, a.auth.seal(ack(A)), 0), false, 'forgotten');
      assert.equal(b.counts['auth.unknownNonce'], 3, 'the first frame of the handshake, port 1, forgotten');
      assert.deepEqual(
        b.sent.map((s) => [s.port, s.to]),
        [
          [1, A],
          [0, A],
        ],
        'and challenged on each',
      );
    });

    // Pins the eviction rule: a flood of invented link addresses evicts the least recently heard sender, never one
    // that keeps talking; a silent one is evicted in its turn.
    it('evicts the least recently heard sender when the port is full', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      handshake(a, b, A, B);
      const junk = endpoint(X).auth.seal(ack(X)); // a valid tag with an unknown nonce
      let fake = 0x020000100000;
      const flood = (n: number) => {
        for (let i = 0; i < n; i++) {
          b.tick(1);
          admit(b, fake++, junk);
        }
      };
      flood(MAX_AUTH_SENDERS_PER_PORT - 1); // the port is full
      assert.equal(b.counts['auth.sendersEvicted'], undefined);
      for (let round = 0; round < 20; round++) {
        b.tick(1);
        assert.equal(admit(b, A, a.auth.seal(ack(A))), true, `A keeps talking (round ${round})`);
        flood(20);
      }
      assert.equal(b.counts['auth.sendersEvicted'], 400);
      flood(MAX_AUTH_SENDERS_PER_PORT);
      b.tick(1000);
      assert.equal(admit(b, A, a.auth.seal(ack(A))), false, 'A fell silent and was evicted');
      assert.equal(b.counts['auth.sendersEvicted'], 400 + MAX_AUTH_SENDERS_PER_PORT + 1);
    });
  });

  describe('nonce and counter', () => {
    /** An rng whose draws are fixed, to pin the nonce arithmetic. */
    const fixedRng = (u32: number, int: number): Rng => ({
      next: () => 0,
      int: () => int,
      u32: () => u32,
      u48: () => 77,
      pick: (items) => items[0],
      fork: () => fixedRng(u32, int),
    });

    // Pins the counter wrap: after counter 0xffffffff the next frame moves to a fresh nonce, ahead of the old one by
    // 1 + rng.int(0xffff), with counter 1, rather than reusing counters receivers have already seen.
    it('moves to a fresh nonce instead of wrapping the counter', () => {
      const a = endpoint(A, { rng: fixedRng(7, 5) });
      const nonce = (7 ^ 1000) >>> 0;
      assert.deepEqual(trailer(a.auth.seal(ack(A))), { nonce, counter: 1 });
      // 2^32 frames are too many to seal in a test: start near the end of the counter.
      (a.auth as unknown as { counter: number }).counter = 0xfffffffe;
      assert.deepEqual(trailer(a.auth.seal(ack(A))), { nonce, counter: 0xffffffff });
      assert.deepEqual(trailer(a.auth.seal(ack(A))), { nonce: nonce + 6, counter: 1 });
      assert.deepEqual(trailer(a.auth.seal(ack(A))), { nonce: nonce + 6, counter: 2 });
    });
  });

  describe('keys and the sealing environment', () => {
    // Pins the key check: a key must be a Uint8Array of at least 16 bytes, and the error says what was found.
    it('refuses short keys and non-byte keys, saying what was found', () => {
      checkNetworkKey(new Uint8Array(16));
      assert.throws(() => checkNetworkKey(new Uint8Array(15)), {
        name: 'RangeError',
        message: 'network key: expected at least 16 bytes, found 15',
      });
      assert.throws(() => checkNetworkKey(Array(32).fill(1) as unknown as Uint8Array), {
        name: 'RangeError',
        message: 'network key: expected at least 16 bytes, found 32',
      });
      assert.throws(() => checkNetworkKey(undefined as unknown as Uint8Array), {
        name: 'RangeError',
        message: 'network key: expected at least 16 bytes, found none',
      });
      assert.throws(
        () =>
          new LinkAuth(new Uint8Array(8), {
            address: A,
            env: { now: () => 0, rng: createRng(1), send: () => undefined },
            count: () => undefined,
          }),
        /found 8/,
      );
    });

    // Pins that the sealing environment seals what is sent and passes everything else through.
    it('sealingEnv seals sends and passes deliveries and events through', () => {
      const log: string[] = [];
      const rng = createRng(3);
      const env: VrrEnv = {
        rng,
        now: () => 1234,
        setTimer: (ms) => {
          log.push(`timer ${ms}`);
          return { cancel: () => undefined } as never;
        },
        send: (port, to, frame) => log.push(`send ${port} ${to} ${frame.length}`),
        deliver: (packet) => log.push(`deliver ${packet.src}`),
        emit: (event) => log.push(`emit ${event.type}`),
      };
      const sealed = sealingEnv(env, endpoint(A).auth);
      const frame = ack(A);
      sealed.send(2, B, frame);
      sealed.deliver({ src: A } as DataPacket);
      sealed.emit({ type: 'link' } as never);
      sealed.setTimer(5, () => undefined);
      assert.equal(sealed.now(), 1234);
      assert.equal(sealed.rng, rng);
      assert.deepEqual(log, [
        `send 2 ${B} ${frame.length + AUTH_TAG_LENGTH}`,
        `deliver ${A}`,
        'emit link',
        'timer 5',
      ]);
    });
  });
});
