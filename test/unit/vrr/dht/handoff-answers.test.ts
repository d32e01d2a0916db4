// What a hand-off's answer does where it arrives, and the releases a hand-off carries (src/vrr/dht/transfers.ts),
// on one node's Dht with fake services (fake-node.ts): a replica whose hand-off is answered OK holds its copy for
// another replicaHoldMs; the releases an old owner sends once its hand-off is answered, or lost after a newer copy
// came from the new owner, name the copy it holds then; a RELEASE at a node that is no replica changes nothing.

import assert from 'node:assert/strict';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import { DhtOptionType, DhtStatus } from '../../../../src/vrr/wire/types.ts';
import { bytes } from './dht-net.ts';
import { FakeDhtNode, HELLO_MS } from './fake-node.ts';

const KEY = 'answered-key';
const H = hashKey(KEY);
const O = H + 20; // the node under test, as the key's owner or replica
const T = H + 2; // a node closer to the key: its new owner
const V1 = H + 30; // O's virtual neighbours
const V2 = H + 40;
const CLIENT = H + 1000;
const HOLD = 30 * HELLO_MS; // replicaHoldMs in these tests

/** O owns the key (put by CLIENT, with an optional TTL) and both its virtual neighbours acknowledged their copies. */
function ownerWithReplicas(ttlMs = 0): FakeDhtNode {
  const o = new FakeDhtNode(O, { replicaHoldMs: HOLD });
  o.vset = [V1, V2];
  o.ownerOf(KEY, O);
  o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v'), ttlMs });
  o.acknowledgeReplicates();
  assert.equal(o.copy(KEY), 'v@1/owner');
  return o;
}

/** T, closer to the key, appears in O's vset (pushing V2 out); returns O's hand-off and the index after it. */
function handOff(o: FakeDhtNode) {
  const mark = o.sent.length;
  o.vset = [T, V1];
  o.ownerOf(KEY, T);
  o.settle();
  const handoffs = o.transfers(DhtOptionType.HANDOFF, mark);
  assert.equal(handoffs.length, 1);
  return { handoff: handoffs[0], mark };
}

/** The RELEASEs sent since `from`, as "target@version", sorted. */
function releases(o: FakeDhtNode, from: number): string[] {
  return o
    .transfers(DhtOptionType.RELEASE, from)
    .map((r) => `${r.target === V1 ? 'V1' : r.target === V2 ? 'V2' : r.target}@${r.version}`)
    .sort();
}

describe("DHT: a replica's hand-off answered", () => {
  // OK is the owner's word that it counts on the copy: the copy's hold must move on, or it lapses while wanted.
  it("OK moves the copy's hold on by replicaHoldMs from the answer", () => {
    const P = H + 5; // the owner, a virtual neighbour of O
    const r = new FakeDhtNode(O, { replicaHoldMs: HOLD });
    r.vset = [P];
    r.ownerOf(KEY, P);
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'v'); // held until HOLD
    r.advance(20 * HELLO_MS);
    const mark = r.sent.length;
    r.transfer(DhtOptionType.RELEASE, KEY, P, 1, ''); // released: O asks the owner
    const [ask] = r.transfers(DhtOptionType.HANDOFF, mark);
    assert.ok(ask, 'the released replica hands its copy off');
    r.acknowledge(ask, DhtStatus.OK, P); // at 20 hellos: held until 20 hellos + HOLD
    r.advance(HOLD); // past the first hold, periodic checks included
    assert.equal(r.copy(KEY), 'v@1/replica', 'still held: the owner confirmed it');
    r.advance(20 * HELLO_MS);
    assert.equal(r.copy(KEY), null, 'lapsed once the confirmed hold ran out');
    assert.equal(r.count('dht.replica.lapsed'), 1);
  });

  // A NOT_FOUND says the owner does not count on the copy: the hold does not move on (the copy goes at once).
  it('NOT_FOUND drops the copy', () => {
    const P = H + 5;
    const r = new FakeDhtNode(O, { replicaHoldMs: HOLD });
    r.vset = [P];
    r.ownerOf(KEY, P);
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'v');
    r.transfer(DhtOptionType.RELEASE, KEY, P, 1, '');
    const [ask] = r.transfers(DhtOptionType.HANDOFF);
    r.acknowledge(ask, DhtStatus.NOT_FOUND, P);
    assert.equal(r.copy(KEY), null);
    assert.ok(r.events.some((e) => e.type === 'dht-remove' && e.why === 'handed off: not a replica'));
  });
});

describe("DHT: an old owner's hand-off unanswered", () => {
  // Its copy is the key's only sure copy until the new owner answers: it is held for replicaHoldMs like any
  // replica's, through the periodic checks, while the hand-off is sent again.
  it('the old owner keeps its copy while the hand-off goes unanswered', () => {
    const o = ownerWithReplicas();
    const { mark } = handOff(o);
    o.advance(20 * HELLO_MS);
    assert.equal(o.copy(KEY), 'v@1/replica');
    assert.ok(o.transfers(DhtOptionType.HANDOFF, mark).length >= 2, 'sent again');
    assert.deepEqual(releases(o, mark), []);
  });

  // The new owner left before answering, and the old one is the closest again: its hand-off, sent again, ends at
  // itself and is taken there (it owns the key again), not dropped as a bad transfer and sent forever.
  it('comes back to its sender once it is the closest again, and is taken there', () => {
    const o = ownerWithReplicas();
    const { mark } = handOff(o);
    o.ownerOf(KEY, O);
    o.vset = [V1, V2];
    o.advance(10 * HELLO_MS); // the wait runs out: the hand-off goes again, to O itself
    assert.equal(o.copy(KEY), 'v@1/owner');
    assert.equal(o.count('dht.drop.badTransfer'), 0);
    assert.equal(o.transfers(DhtOptionType.HANDOFF, mark).length, 1, 'only the first one left O');
  });
});

describe('DHT: the releases an old owner sends after its hand-off', () => {
  // The released nodes ask the new owner; the release names the newest copy the old owner knows of.
  it('acknowledged after a newer copy came from the new owner: the releases name that copy', () => {
    const o = ownerWithReplicas();
    const { handoff, mark } = handOff(o);
    o.transfer(DhtOptionType.REPLICATE, KEY, T, 2, 'w', { origin: CLIENT }); // T took a newer write meanwhile
    assert.equal(o.copy(KEY), 'w@2/replica');
    o.acknowledge(handoff, DhtStatus.OK, T);
    assert.deepEqual(releases(o, mark), ['V1@2', 'V2@2']);
    assert.equal(o.copy(KEY), 'w@2/replica', 'the late answer changes nothing else');
  });

  // Superseded by the owner's REPLICATE, the hand-off is not sent again; its release list must not be lost.
  it('never acknowledged after a newer copy came from the new owner: the releases are sent anyway, naming it', () => {
    const o = ownerWithReplicas();
    const { mark } = handOff(o);
    o.transfer(DhtOptionType.REPLICATE, KEY, T, 2, 'w', { origin: CLIENT });
    assert.deepEqual(releases(o, mark), []);
    o.advance(10 * HELLO_MS); // the hand-off's wait (3 hellos) runs out; a periodic check sees it
    assert.equal(o.transfers(DhtOptionType.HANDOFF, mark).length, 1, 'not sent again');
    assert.deepEqual(
      releases(o, mark).filter((x, i, all) => all.indexOf(x) === i),
      ['V1@2', 'V2@2'],
    );
  });

  // The copy expired while the hand-off was on its way: the releases still go out, naming the copy sent.
  it('acknowledged after the copy expired: the releases name the copy sent', () => {
    const o = ownerWithReplicas(2500);
    const { handoff, mark } = handOff(o); // now = 1 hello
    o.advance(2 * HELLO_MS); // the key expired at 2.5 hellos; the hand-off waits until 3.5
    assert.equal(o.copy(KEY), null);
    o.acknowledge(handoff, DhtStatus.OK, T);
    assert.deepEqual(releases(o, mark), ['V1@1', 'V2@1']);
  });

  it('never acknowledged, and the copy expired: the releases name the copy sent', () => {
    const o = ownerWithReplicas(2500);
    const { mark } = handOff(o);
    o.advance(10 * HELLO_MS);
    assert.equal(o.copy(KEY), null);
    assert.equal(
      o.transfers(DhtOptionType.HANDOFF, mark).length,
      1,
      'an expired copy is not handed off again',
    );
    assert.deepEqual(
      releases(o, mark).filter((x, i, all) => all.indexOf(x) === i),
      ['V1@1', 'V2@1'],
    );
  });
});

describe('DHT: a RELEASE at a node that is no replica', () => {
  // Only a replica asks its owner when released; anyone else acknowledges and carries on as before.
  it('of a key not held: acknowledged, counted, nothing else', () => {
    const n = new FakeDhtNode(O);
    n.transfer(DhtOptionType.RELEASE, KEY, V1, 3, '');
    assert.deepEqual(
      n.sent.map((x) => [x.type, x.target]),
      [[DhtOptionType.REPLY, V1]],
    );
    assert.equal(n.count('dht.release.ignored'), 1);
  });

  it("at the key's owner: acknowledged, counted, the key kept and nothing re-sent", () => {
    const o = new FakeDhtNode(O, { replicaHoldMs: HOLD });
    o.vset = [V1, V2];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    const [r1, r2] = o.transfers(DhtOptionType.REPLICATE);
    o.acknowledge(r1, DhtStatus.OK, r1.target);
    o.acknowledge(r2, DhtStatus.REFUSED, r2.target); // full: reconcile sends it again later, not now
    const mark = o.sent.length;
    o.transfer(DhtOptionType.RELEASE, KEY, T, 1, '');
    assert.deepEqual(
      o.sent.slice(mark).map((x) => [x.type, x.target]),
      [[DhtOptionType.REPLY, T]],
    );
    assert.equal(o.count('dht.release.ignored'), 1);
    assert.equal(o.copy(KEY), 'v@1/owner');
  });
});

describe("DHT: the answers to an owner's REPLICATEs", () => {
  /** O owns the key with V1 and V2 as virtual neighbours, its first REPLICATEs unanswered; no periodic check. */
  function freshOwner(): FakeDhtNode {
    const o = new FakeDhtNode(O, { replicaHoldMs: HOLD, checkMs: 1_000_000 * HELLO_MS });
    o.vset = [V1, V2];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    return o;
  }

  /** The targets of the REPLICATEs sent since `from`, sorted. */
  function replicatedTo(o: FakeDhtNode, from: number): number[] {
    return o
      .transfers(DhtOptionType.REPLICATE, from)
      .map((t) => t.target)
      .sort();
  }

  // REFUSED (the replica is full) does not count as held: the owner tries again when it next re-checks the key.
  it('a REFUSED one is sent again at the next re-check; one answered OK is not', () => {
    const o = freshOwner();
    const [r1, r2] = o.transfers(DhtOptionType.REPLICATE);
    o.acknowledge(r1, DhtStatus.OK, r1.target);
    o.acknowledge(r2, DhtStatus.REFUSED, r2.target);
    assert.equal(o.count('dht.reply.unmatched'), 0, 'both answers matched');
    const mark = o.sent.length;
    o.settle();
    assert.deepEqual(replicatedTo(o, mark), [r2.target]);
  });

  // The answer to an older REPLICATE says nothing of the newer one still in flight: no second copy of it is sent.
  it('a late answer to an older copy leaves the newer one in flight', () => {
    const o = freshOwner();
    const older = o.transfers(DhtOptionType.REPLICATE);
    let mark = o.sent.length;
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('w') });
    assert.deepEqual(replicatedTo(o, mark), [V1, V2].sort(), 'version 2 sent at once');
    for (const r of older) o.acknowledge(r, DhtStatus.OK, r.target);
    mark = o.sent.length;
    o.settle();
    assert.deepEqual(replicatedTo(o, mark), [], 'version 2 is still awaiting its answers');
  });

  // An owner that handed the key off keeps no record of replicas (store invariant): an answer arriving after
  // the move is not recorded.
  it('an answer arriving after the key was handed off is not recorded', () => {
    const o = freshOwner();
    const replicates = o.transfers(DhtOptionType.REPLICATE);
    handOff(o);
    for (const r of replicates) o.acknowledge(r, DhtStatus.OK, r.target);
    assert.equal(o.copy(KEY), 'v@1/replica');
    assert.deepEqual(o.dht.store.checkInvariants(), []);
  });

  // A lost REPLICATE is forgotten (the next re-check sends the copy again): it never turns into a hand-off.
  it('an unanswered one is sent again by the next re-check, and no HANDOFF is sent', () => {
    const o = freshOwner();
    const mark = o.sent.length;
    o.advance(4 * HELLO_MS); // past the transfers' wait (3 hellos)
    o.settle();
    assert.deepEqual(replicatedTo(o, mark), [V1, V2].sort());
    assert.deepEqual(o.transfers(DhtOptionType.HANDOFF), []);
    assert.equal(o.count('dht.transfer.handoff'), 0, 'not even one to itself');
  });

  // The key may expire while a copy of it is on its way: the answer then finds nothing to update.
  it('an answer arriving after the key expired changes nothing', () => {
    const o = new FakeDhtNode(O, { replicaHoldMs: HOLD });
    o.vset = [V1];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v'), ttlMs: 500 });
    const [r] = o.transfers(DhtOptionType.REPLICATE);
    o.advance(HELLO_MS);
    o.acknowledge(r, DhtStatus.OK, V1);
    assert.equal(o.copy(KEY), null);
    assert.equal(o.count('dht.reply.unmatched'), 0, 'matched, and handled');
  });
});
