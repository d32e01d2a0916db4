// Who an owner keeps sending its copy to, and when (src/vrr/dht/placement.ts, reconcile), on one node's Dht with
// fake services (fake-node.ts) and no periodic check (checkMs huge), so that each reconcile runs when the test
// changes the tables: replicas get the copy again every third of their hold, a replica hands its copy off when its
// owner is not a virtual neighbour, and an old owner releases the nodes a copy was on its way to.

import assert from 'node:assert/strict';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import { DhtOptionType, DhtStatus } from '../../../../src/vrr/wire/types.ts';
import { bytes } from './dht-net.ts';
import { FakeDhtNode, HELLO_MS } from './fake-node.ts';

const KEY = 'refreshed-key';
const H = hashKey(KEY);
const O = H + 20; // the node under test
const P = H + 5; // an owner, when O is a replica
const T = H + 2; // a node closer to the key than O
const V1 = H + 30;
const V2 = H + 40;
const CLIENT = H + 1000;
const HOLD = 30 * HELLO_MS; // a third: 10 hellos
const QUIET = { replicaHoldMs: HOLD, checkMs: 1_000_000 * HELLO_MS };

/** Runs one reconcile exactly at `at` (a table change half a hello before: settleMs). */
function reconcileAt(n: FakeDhtNode, at: number): number {
  n.advance(at - 500 - n.now);
  const mark = n.sent.length;
  n.dht.onVsetChange();
  n.advance(500);
  return mark;
}

/** The targets of the REPLICATEs sent since `from`, sorted. */
function replicatedTo(n: FakeDhtNode, from: number): number[] {
  return n
    .transfers(DhtOptionType.REPLICATE, from)
    .map((t) => t.target)
    .sort();
}

describe("DHT: an owner refreshes its replicas' copies", () => {
  // Replicas lapse replicaHoldMs after the owner last confirmed them: the owner must confirm every third of that,
  // counted from its last refresh (or from when it became the owner), even to replicas that acknowledged.
  it('sends the copy again to every replica every third of replicaHoldMs, and not in between', () => {
    const o = new FakeDhtNode(O, QUIET);
    o.vset = [V1, V2];
    o.ownerOf(KEY, O);
    o.advance(HELLO_MS); // the key's first copy at 1 hello: the owner's refresh counts from there
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    o.acknowledgeReplicates();
    let mark = reconcileAt(o, HELLO_MS + HOLD / 3 - 1);
    assert.deepEqual(replicatedTo(o, mark), [], 'a millisecond early: nothing');
    mark = reconcileAt(o, HELLO_MS + HOLD / 3);
    assert.deepEqual(replicatedTo(o, mark), [V1, V2].sort(), 'a third of the hold on: every replica');
    o.acknowledgeReplicates(mark);
    mark = reconcileAt(o, HELLO_MS + HOLD / 3 + 2 * HELLO_MS);
    assert.deepEqual(replicatedTo(o, mark), [], 'the refresh counts from the last one');
    mark = reconcileAt(o, HELLO_MS + (2 * HOLD) / 3);
    assert.deepEqual(replicatedTo(o, mark), [V1, V2].sort(), 'and again a third later');
  });

  // The hold is exact: a replica not confirmed for replicaHoldMs lapses at that instant, not later.
  it("a replica's copy lapses exactly replicaHoldMs after its owner's last REPLICATE", () => {
    const r = new FakeDhtNode(O, QUIET);
    r.vset = [P];
    r.ownerOf(KEY, P);
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'v');
    reconcileAt(r, HOLD - 1);
    assert.equal(r.copy(KEY), 'v@1/replica');
    reconcileAt(r, HOLD);
    assert.equal(r.copy(KEY), null);
    assert.equal(r.count('dht.replica.lapsed'), 1);
  });
});

describe('DHT: a replica asks its owner', () => {
  // vsets are symmetric: an owner that is not my virtual neighbour does not count me among its replicas, so I
  // hand my copy off to learn whether to keep it; while it is one, I keep quiet.
  it('when its owner is not a virtual neighbour, and only then', () => {
    const r = new FakeDhtNode(O, QUIET);
    r.vset = [P];
    r.ownerOf(KEY, P);
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'v');
    let mark = reconcileAt(r, 5 * HELLO_MS);
    assert.deepEqual(r.transfers(DhtOptionType.HANDOFF, mark), [], 'the owner is a virtual neighbour');
    r.vset = [V1];
    mark = reconcileAt(r, 10 * HELLO_MS);
    const handoffs = r.transfers(DhtOptionType.HANDOFF, mark);
    assert.deepEqual(
      handoffs.map((h) => [h.target, h.version]),
      [[H, 1]],
    );
    assert.ok(
      r.events.some(
        (e) => e.type === 'dht-handoff' && e.why === 'owner not a virtual neighbour' && e.to === P,
      ),
    );
  });
});

describe('DHT: an old owner releases every node that may hold a copy from it', () => {
  // A REPLICATE not yet acknowledged may still land: its target is released with the rest once the new owner has
  // the key, or it would keep a copy nobody counts on (and never asks about) until it lapses.
  it('including a node whose REPLICATE was still unacknowledged', () => {
    const o = new FakeDhtNode(O, QUIET);
    o.vset = [V1, V2];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    const toV1 = o.transfers(DhtOptionType.REPLICATE).find((t) => t.target === V1)!;
    o.acknowledge(toV1, DhtStatus.OK, V1); // V2's is still on its way
    o.vset = [T, V1];
    o.ownerOf(KEY, T);
    const mark = reconcileAt(o, HELLO_MS);
    const [handoff] = o.transfers(DhtOptionType.HANDOFF, mark);
    assert.ok(handoff);
    o.acknowledge(handoff, DhtStatus.OK, T);
    assert.deepEqual(
      o
        .transfers(DhtOptionType.RELEASE, mark)
        .map((r) => r.target)
        .sort(),
      [V1, V2].sort(),
    );
  });
});

describe('DHT: an entry already expired when reconciled', () => {
  // With tombstoneMs 0 a DELETE's tombstone expires the instant it is written: reconcile must drop it, not
  // replicate a copy that is already gone.
  it('is removed, not replicated', () => {
    const o = new FakeDhtNode(O, { ...QUIET, tombstoneMs: 0 });
    o.vset = [V1];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    o.acknowledgeReplicates();
    const mark = o.sent.length;
    const answer = o.request(DhtOptionType.DELETE, KEY, CLIENT);
    assert.equal(answer.status, DhtStatus.OK);
    assert.deepEqual(o.transfers(DhtOptionType.REPLICATE, mark), []);
    assert.equal(o.dht.store.size, 0);
    assert.ok(o.events.some((e) => e.type === 'dht-remove' && e.why === 'expired'));
  });
});

describe('DHT: a new version at the owner', () => {
  // A REPLICATE still awaiting its answer carries the older copy: it must not hold the new one back until it is
  // answered or lost (a replica would serve the old value meanwhile).
  it('goes to every replica at once, even those whose copy of the older one is unacknowledged', () => {
    const o = new FakeDhtNode(O, QUIET);
    o.vset = [V1, V2];
    o.ownerOf(KEY, O);
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    const mark = o.sent.length;
    o.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('w') });
    assert.deepEqual(
      o
        .transfers(DhtOptionType.REPLICATE, mark)
        .map((t) => [t.target, t.version])
        .sort((a, b) => a[0] - b[0]),
      [
        [V1, 2],
        [V2, 2],
      ],
    );
  });
});
