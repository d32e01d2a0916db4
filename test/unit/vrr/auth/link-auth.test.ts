// Keyed meshes: frames sealed with the network key are admitted once each; a node without the key, a forged
// tag, a replayed frame and a stale nonce get nowhere; a restarted node is accepted again through the challenge.

import assert from 'node:assert/strict';
import { LinkAuth, MAX_AUTH_SENDERS_PER_PORT } from '../../../../src/vrr/auth/link-auth.ts';
import { REPLAY_WINDOW, ReplayWindow } from '../../../../src/vrr/auth/replay-window.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import { encodePacket } from '../../../../src/vrr/wire/index.ts';
import { OptionType } from '../../../../src/vrr/wire/types.ts';
import { TestNet } from '../harness.ts';
import { ack, decoded, endpoint, handshake, KEY } from './auth-kit.ts';

const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const A = 0x020000000001;
const B = 0x020000000002;
const C = 0x020000000003;

describe('keyed meshes', () => {
  describe('ReplayWindow', () => {
    it('accepts each counter once, in any order within the window, and nothing older', () => {
      const w = new ReplayWindow(7, 100);
      assert.equal(w.accept(100), false, 'the first counter was accepted on creation');
      assert.equal(w.accept(103), true);
      assert.equal(w.accept(101), true);
      assert.equal(w.accept(101), false);
      assert.equal(w.accept(102), true);
      assert.equal(w.accept(103 + REPLAY_WINDOW), true);
      assert.equal(w.accept(103), false, 'fell out of the window');
      assert.equal(w.accept(104), true, 'still inside the window, never seen');
      assert.equal(w.accept(104), false);
    });

    it('matches a plain set of accepted counters on a random stream', () => {
      const rng = createRng(5);
      const w = new ReplayWindow(1, 1000);
      const seen = new Set([1000]);
      let highest = 1000;
      for (let i = 0; i < 20_000; i++) {
        const c = Math.max(0, highest + rng.int(80) - 70);
        const expected = !seen.has(c) && c > highest - REPLAY_WINDOW;
        assert.equal(w.accept(c), expected, `counter ${c} after highest ${highest}`);
        if (expected) {
          seen.add(c);
          highest = Math.max(highest, c);
        }
      }
    });
  });

  describe('LinkAuth', () => {
    it('admits a sealed frame once the sender answered a challenge, and each frame only once', () => {
      const a = endpoint(A);
      const b = endpoint(B);
      handshake(a, b, A, B);
      const frame = a.auth.seal(ack(A));
      const packet = decoded(frame);
      assert.equal(b.auth.admit(0, A, frame, packet), true);
      assert.equal(packet.flags & 0x80, 0, 'the trailer is stripped from the decoded packet');
      assert.equal(packet.authTag, undefined);
      assert.equal(b.auth.admit(0, A, frame, decoded(frame)), false, 'a replay');
      assert.equal(b.counts['auth.replay'], 1);
    });

    it('drops frames without a trailer, with a forged tag, or sealed with another key', () => {
      const b = endpoint(B);
      const plain = ack(A);
      assert.equal(b.auth.admit(0, A, plain, decoded(plain)), false);
      const sealed = endpoint(A).auth.seal(ack(A));
      sealed[sealed.length - 1] ^= 1;
      assert.equal(b.auth.admit(0, A, sealed, decoded(sealed)), false);
      const foreign = endpoint(A, { key: OTHER_KEY }).auth.seal(ack(A));
      assert.equal(b.auth.admit(0, A, foreign, decoded(foreign)), false);
      assert.deepEqual(b.counts, { 'auth.missingTag': 1, 'auth.badTag': 2 });
      assert.equal(b.sent.length, 0, 'nothing is answered to a frame whose tag fails');
    });

    it('does not accept a stale nonce replayed after the sender restarted', () => {
      const a = endpoint(A, { seed: 1 });
      const b = endpoint(B);
      const old = a.auth.seal(ack(A));
      handshake(a, b, A, B);
      // A restarts: a new LinkAuth (new nonce), accepted through a new challenge.
      const a2 = endpoint(A, { seed: 2 });
      a2.tick(5000);
      b.tick(300);
      handshake(a2, b, A, B);
      const fresh = a2.auth.seal(ack(A));
      assert.equal(b.auth.admit(0, A, fresh, decoded(fresh)), true);
      b.tick(300);
      assert.equal(b.auth.admit(0, A, old, decoded(old)), false, 'a frame of the old nonce');
      // B challenges on the stale nonce, but only the live sender can answer, and it answers with its new nonce.
      assert.ok(b.counts['auth.unknownNonce'] >= 1);
    });

    it('keeps at most MAX_AUTH_SENDERS_PER_PORT senders per port', () => {
      const b = endpoint(B);
      for (let i = 0; i < MAX_AUTH_SENDERS_PER_PORT + 50; i++) {
        const frame = endpoint(C + i, { seed: i }).auth.seal(ack(C + i));
        b.tick(1000);
        b.auth.admit(0, C + i, frame, decoded(frame));
      }
      assert.equal(b.counts['auth.sendersEvicted'], 50);
    });
  });

  describe('VrrNode with a network key', () => {
    const keyed = (keys: (Uint8Array | undefined)[]) => (i: number) => ({ networkKey: keys[i] });

    it('keyed neighbours link and form a ring; a node without the key is never linked', () => {
      const net = new TestNet([A, B, C], 3, {}, keyed([KEY, KEY, undefined]));
      net.link(0, 1).link(1, 2).start();
      net.run(20_000);
      const linked = (i: number) =>
        net.nodes[i]
          .neighbors()
          .filter((n) => n.state === 'linked')
          .map((n) => n.address);
      assert.deepEqual(linked(0), [B]);
      assert.deepEqual(linked(1), [A], 'B never links the node without the key');
      assert.deepEqual(linked(2), [], 'nor does the foreign node link B: its hellos are not listed back');
      assert.deepEqual(net.nodes[0].vsetMembers(), [B]);
      assert.ok((net.nodes[1].counters()['auth.missingTag'] ?? 0) > 0);
    });

    it('a foreign node sending well-formed hellos with the wrong key is never linked', () => {
      const net = new TestNet([A, B, C], 4, {}, keyed([KEY, KEY, OTHER_KEY]));
      net.link(0, 1).link(1, 2).link(0, 2).start();
      net.run(30_000);
      for (const i of [0, 1]) {
        const addresses = net.nodes[i].neighbors().map((n) => n.address);
        assert.ok(!addresses.includes(C), `node ${i} lists the foreign node: ${addresses}`);
        assert.ok(net.nodes[i].counters()['auth.badTag'] > 0);
      }
    });

    it('a restarted node is accepted again and the ring re-forms', () => {
      const net = new TestNet([A, B, C], 5, {}, keyed([KEY, KEY, KEY]));
      net.link(0, 1).link(1, 2).start();
      net.run(20_000);
      net.restart(1);
      net.run(30_000);
      assert.deepEqual(
        net.nodes[1]
          .neighbors()
          .filter((n) => n.state === 'linked')
          .map((n) => n.address)
          .sort(),
        [A, C].sort(),
      );
      assert.ok(net.nodes[0].counters()['auth.nonceAccepted'] >= 2, 'A accepted B twice: before and after');
    });

    /** A hello "from B" that does not list A: under symmetric failure detection it tells A the link is gone. */
    function spoofedHello(seq: number): Uint8Array {
      return encodePacket({
        kind: 'control',
        flags: 0,
        sender: B,
        seq: 0,
        options: [
          { type: OptionType.HELLO, active: true, helloSeq: seq, part: 0, parts: 1, reps: [], neighbors: [] },
        ],
      });
    }

    function injectSpoofedHellos(keys: (Uint8Array | undefined)[]): number {
      const net = new TestNet([A, B], 6, {}, keyed(keys));
      net.link(0, 1).start();
      net.run(10_000);
      assert.deepEqual(net.nodes[0].vsetMembers(), [B]);
      for (let i = 0; i < 20; i++) {
        net.nodes[0].receive(0, B, spoofedHello(40_000 + i));
        net.run(500);
      }
      return net.events.filter((e) => e.node === 0 && e.event.type === 'link' && e.event.to === 'failed')
        .length;
    }

    it('a spoofed hello cannot fail a keyed link (and does fail an unkeyed one)', () => {
      assert.ok(
        injectSpoofedHellos([undefined, undefined]) > 0,
        'without a key the spoofed hellos fail the link',
      );
      assert.equal(injectSpoofedHellos([KEY, KEY]), 0);
    });
  });
});
