// A REPLICATE or HANDOFF arriving at a node that already holds the key (src/vrr/dht/transfers.ts, onTransfer), on
// one node's Dht with fake services (fake-node.ts): which copy wins and who is told, what an owner's record of its
// replicas says afterwards, when the caps and the write rule are asked, and how long a tombstone is kept.

import assert from 'node:assert/strict';
import { hashKey, type DhtOptions } from '../../../../src/vrr/dht/index.ts';
import { MAX_VERSION_JUMP } from '../../../../src/vrr/limits.ts';
import { DhtOptionType, DhtStatus } from '../../../../src/vrr/wire/types.ts';
import { bytes } from './dht-net.ts';
import { FakeDhtNode, HELLO_MS } from './fake-node.ts';

const KEY = 'arriving-key';
const H = hashKey(KEY);
const O = H + 20; // the node under test
const P = H + 5; // the owner, when O is a replica
const V1 = H + 30; // virtual neighbours of O
const V2 = H + 40;
const CLIENT = H + 1000;
const HOLD = 30 * HELLO_MS;

/** O owns the key at version 1 (put by CLIENT); V1 and V2 are its virtual neighbours, and acknowledged. */
function owner(options: DhtOptions = {}): FakeDhtNode {
  const o = new FakeDhtNode(O, { replicaHoldMs: HOLD, ...options });
  o.vset = [V1, V2];
  o.ownerOf(KEY, O);
  o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
  o.acknowledgeReplicates();
  return o;
}

/** O holds the key as P's replica, at `version`. */
function replica(version = 1, options: DhtOptions = {}): FakeDhtNode {
  const r = new FakeDhtNode(O, { replicaHoldMs: HOLD, ...options });
  r.vset = [P];
  r.ownerOf(KEY, P);
  r.transfer(DhtOptionType.REPLICATE, KEY, P, version, `v${version}`);
  return r;
}

describe('DHT: copies arriving where the key is held', () => {
  // A stale former owner's REPLICATE must not make the owner a replica of it: the owner's copy never lapses.
  it('an owner sent a REPLICATE stays the owner: no hold, its invariants kept', () => {
    const o = owner();
    const mark = o.sent.length;
    o.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'v', { origin: CLIENT });
    assert.deepEqual(
      o.replies(mark).map((r) => [r.status, r.target]),
      [[DhtStatus.OK, P]],
    );
    assert.deepEqual(o.dht.store.checkInvariants(), []);
    o.advance(2 * HOLD);
    assert.equal(o.copy(KEY), 'v@1/owner');
  });

  // A replica whose copy beats the one its owner sends must tell the owner (hand its copy off), or the owner's
  // older copy would win everywhere.
  it('a replica sent an older copy by its owner keeps its own and hands it off', () => {
    const r = replica(2);
    const mark = r.sent.length;
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'old');
    assert.equal(r.copy(KEY), 'v2@2/replica');
    assert.equal(r.count('dht.merge.keptMine'), 1);
    const handoffs = r.transfers(DhtOptionType.HANDOFF, mark);
    assert.deepEqual(
      handoffs.map((h) => [h.target, h.version]),
      [[H, 2]],
    );
  });

  // An owner handed an older copy must send its own to the source at once, whether its records say the source
  // lacks it (V1 refused the REPLICATE) or holds it (V1 acknowledged it, then lost it and got an older one
  // elsewhere): trusting the record would leave V1 on the older copy until the next refresh, a third of the hold.
  for (const [how, answer] of [
    ['lacking it', DhtStatus.REFUSED],
    ['counted as up to date', DhtStatus.OK],
  ] as const) {
    it(`an owner handed an older copy by a virtual neighbour ${how} sends it its own at once`, () => {
      const o = new FakeDhtNode(O, { replicaHoldMs: HOLD });
      o.vset = [V1];
      o.ownerOf(KEY, O);
      o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v'), explicitVersion: true, version: 3 });
      const [first] = o.transfers(DhtOptionType.REPLICATE);
      o.acknowledge(first, answer, V1);
      const mark = o.sent.length;
      o.transfer(DhtOptionType.HANDOFF, KEY, V1, 2, 'older');
      assert.deepEqual(
        o.replies(mark).map((r) => [r.status, r.version]),
        [[DhtStatus.OK, 3]],
      );
      assert.deepEqual(
        o.transfers(DhtOptionType.REPLICATE, mark).map((t) => [t.target, t.version]),
        [[V1, 3]],
      );
    });
  }

  // A copy equal to the held one changes nothing: the REPLICATEs of it in flight still count (none sent twice).
  it('an owner handed the copy it holds sends nothing again', () => {
    const o = new FakeDhtNode(O, { replicaHoldMs: HOLD, checkMs: 1_000_000 * HELLO_MS });
    o.vset = [V1, V2];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') }); // REPLICATEs to V1 and V2 in flight
    const mark = o.sent.length;
    o.transfer(DhtOptionType.HANDOFF, KEY, V1, 1, 'v', { origin: CLIENT });
    assert.deepEqual(
      o.replies(mark).map((r) => [r.status, r.target]),
      [[DhtStatus.OK, V1]],
    );
    assert.deepEqual(o.transfers(DhtOptionType.REPLICATE, mark), []);
    assert.ok(!o.events.some((e) => e.type === 'dht-store' && e.why === 'handed off (newer)'));
  });

  // The write rule judges only copies that would be stored: an older copy, not stored, is answered as usual
  // (REFUSED would make its source send it again and again).
  it('the write rule is asked only for a copy that would replace the held one', () => {
    const BAD = H + 666;
    const o = owner({ writePolicy: (_k, copy) => (copy.origin === BAD ? 'not from BAD' : null) });
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('w') }); // version 2
    const mark = o.sent.length;
    o.transfer(DhtOptionType.HANDOFF, KEY, V1, 1, 'older', { origin: BAD });
    o.transfer(DhtOptionType.HANDOFF, KEY, V1, 2, 'same', { origin: CLIENT });
    o.transfer(DhtOptionType.HANDOFF, KEY, V1, 3, 'newer', { origin: BAD });
    assert.deepEqual(
      o.replies(mark).map((r) => [r.status, r.version]),
      [
        [DhtStatus.OK, 2],
        [DhtStatus.OK, 2],
        [DhtStatus.REFUSED, 2],
      ],
    );
    assert.equal(o.count('dht.refused.policy'), 1);
    assert.equal(o.copy(KEY), 'w@2/owner');
  });

  // A transfer may carry a history from the node that held the key (no jump cap on a key not held), but a copy of a
  // held key more than MAX_VERSION_JUMP ahead is refused, as a PUT would be.
  it('the version-jump cap applies to a transfer of a held key, not to one of a key not held', () => {
    const far = 1 + MAX_VERSION_JUMP + 1;
    const fresh = new FakeDhtNode(O);
    fresh.ownerOf(KEY, O);
    fresh.transfer(DhtOptionType.HANDOFF, KEY, V1, far, 'far');
    assert.equal(fresh.copy(KEY), `far@${far}/owner`);
    const o = owner();
    const mark = o.sent.length;
    o.transfer(DhtOptionType.HANDOFF, KEY, V1, far, 'too far');
    o.transfer(DhtOptionType.REPLICATE, KEY, P, far, 'too far');
    assert.deepEqual(
      o.replies(mark).map((r) => [r.status, r.version]),
      [
        [DhtStatus.REFUSED, 1],
        [DhtStatus.REFUSED, 1],
      ],
    );
    assert.equal(o.count('cap.dht.versionJump'), 2);
    o.transfer(DhtOptionType.HANDOFF, KEY, V1, far - 1, 'just');
    assert.equal(o.copy(KEY), `just@${far - 1}/owner`, 'exactly MAX_VERSION_JUMP ahead is taken');
  });

  // The caps hold for copies as for writes: a full table takes no new key from a transfer, and says so.
  it('a full table refuses a copy of a key it does not hold, and stores nothing', () => {
    const o = owner({ maxEntries: 1 });
    const other = 'other-key';
    o.ownerOf(other, P);
    const mark = o.sent.length;
    o.transfer(DhtOptionType.REPLICATE, other, P, 1, 'x');
    assert.deepEqual(
      o.replies(mark).map((r) => [r.status, r.version, r.target]),
      [[DhtStatus.REFUSED, 0, P]],
    );
    assert.equal(o.copy(other), null);
    assert.equal(o.count('cap.dht.total'), 1);
  });

  // Each refusal is counted once, under its first reason (the caps before the jump, the jump before the write rule,
  // which is not even asked then); an accepted copy counts nothing.
  it('counts a refusal under its first reason only, and an accepted copy under none', () => {
    const asked: string[] = [];
    const o = owner({
      maxEntries: 1,
      writePolicy: (key) => {
        asked.push(new TextDecoder().decode(key));
        return 'never';
      },
    });
    // The write rule refused the PUT: the table is empty, the rule asked once, counted once.
    assert.deepEqual(asked, [KEY]);
    assert.equal(o.copy(KEY), null);
    assert.equal(o.count('dht.refused.policy'), 1);
    const fresh = new FakeDhtNode(O, { maxEntries: 1 });
    fresh.ownerOf('held', O);
    fresh.transfer(DhtOptionType.HANDOFF, 'held', V1, 1, 'x'); // fills the table
    fresh.ownerOf('new', O);
    fresh.transfer(DhtOptionType.HANDOFF, 'new', V1, 1, 'y'); // full
    fresh.transfer(DhtOptionType.HANDOFF, 'held', V1, 2 + MAX_VERSION_JUMP, 'z'); // too far ahead
    const both = { value: bytes('w'), explicitVersion: true, version: 1 + MAX_VERSION_JUMP };
    assert.equal(fresh.request(DhtOptionType.PUT, 'new', CLIENT, both).status, DhtStatus.REFUSED); // full first
    assert.deepEqual(
      [...fresh.counts].filter(([k]) => k.startsWith('cap.') || k.startsWith('dht.refused')).sort(),
      [
        ['cap.dht.total', 2],
        ['cap.dht.versionJump', 1],
      ],
    );
    const full = new FakeDhtNode(O, {
      maxEntries: 1,
      writePolicy: (key) => {
        asked.push(new TextDecoder().decode(key));
        return null;
      },
    });
    full.ownerOf('held', O);
    full.transfer(DhtOptionType.HANDOFF, 'held', V1, 1, 'x');
    full.ownerOf('new', O);
    full.transfer(DhtOptionType.HANDOFF, 'new', V1, 2 + MAX_VERSION_JUMP, 'y', { origin: V2 });
    assert.deepEqual(asked, [KEY, 'held'], 'the rule is not asked for a copy the caps refused');
    assert.deepEqual(
      [...full.counts].filter(([k]) => k.startsWith('cap.') || k.startsWith('dht.refused')),
      [['cap.dht.total', 1]],
    );
  });

  // A tombstone must expire (store invariant), and outlive the older copies it beat: one sent without a TTL is
  // kept tombstoneMs; one with a TTL keeps it; a value without one never expires.
  it('a tombstone sent without a TTL is kept for tombstoneMs, one with a TTL for that TTL', () => {
    const r = replica(1, { tombstoneMs: 50 * HELLO_MS, replicaHoldMs: 1000 * HELLO_MS });
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 2, '', {
      tombstone: true,
      ttlMs: 0,
      value: new Uint8Array(0),
    });
    const other = 'other-key';
    r.ownerOf(other, P);
    r.transfer(DhtOptionType.REPLICATE, other, P, 2, '', {
      tombstone: true,
      ttlMs: 20 * HELLO_MS,
      value: new Uint8Array(0),
    });
    r.transfer(DhtOptionType.REPLICATE, 'kept-key', P, 1, 'kept', { ttlMs: 0 });
    assert.deepEqual(r.dht.store.checkInvariants(), []);
    assert.equal(r.dht.store.size, 3);
    r.advance(19 * HELLO_MS);
    assert.equal(r.dht.store.size, 3);
    r.advance(2 * HELLO_MS + 5 * HELLO_MS); // the sweep after 21 hellos removes the short tombstone
    assert.equal(r.dht.store.size, 2);
    r.advance(20 * HELLO_MS); // 46 hellos: the long one is still there
    assert.equal(r.dht.store.size, 2);
    r.advance(10 * HELLO_MS); // past 50 hellos and the next sweep
    assert.equal(r.dht.store.size, 1);
    assert.equal(r.copy('kept-key'), 'kept@1/replica');
  });
});

describe('DHT: a hand-off reaching a node whose own copy of the key lapsed', () => {
  // The node the hand-off reaches is the closest: the key's owner. Its old replica copy lapsed (no owner confirmed
  // it for replicaHoldMs) but was not swept yet; the hand-off must still leave the key held there, and its source
  // must be told so (else the source drops its copy too, and the key is gone from both).
  it('the key is kept as owner, and its source is not told to drop it', () => {
    const r = replica(1, { checkMs: 1_000_000 * HELLO_MS }); // no periodic sweep before the hand-off
    r.advance(HOLD); // the copy's hold ran out just now
    const mark = r.sent.length;
    r.vset = [V1, P];
    r.ownerOf(KEY, O); // P left: O is the closest now
    r.transfer(DhtOptionType.HANDOFF, KEY, V1, 2, 'handed');
    assert.equal(r.copy(KEY), 'handed@2/owner');
    assert.deepEqual(
      r.replies(mark).map((x) => [x.status, x.target]),
      [[DhtStatus.OK, V1]],
    );
  });

  // The same for a PUT: answered OK, the write must be stored, not dropped with the lapsed copy it replaced.
  it('a PUT reaching it is stored as owner, as its answer says', () => {
    const r = replica(1, { checkMs: 1_000_000 * HELLO_MS });
    r.advance(HOLD);
    r.vset = [V1];
    r.ownerOf(KEY, O);
    const answer = r.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('new') });
    assert.deepEqual([answer.status, answer.version], [DhtStatus.OK, 2]);
    assert.equal(r.copy(KEY), 'new@2/owner');
    assert.deepEqual(
      r.transfers(DhtOptionType.REPLICATE).map((t) => [t.target, t.version]),
      [[V1, 2]],
      'and replicated',
    );
  });
});
