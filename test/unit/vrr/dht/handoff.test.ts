// The old owner's side of an ownership move (placement.ts), isolated: one owner's Dht on fake
// NodeServices with a clock the test drives, and no replica anywhere that could hand the key on in its place.
// When a closer node appears, the owner must hand the key off toward the key's hash (HANDOFF), keep sending it
// until acknowledged, and only on that acknowledgement release the nodes that may hold a copy from it; the
// answer decides whether it keeps its own copy (OK: it is one of the new owner's replicas) or drops it.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtReplyOption,
  type DhtTransferOption,
} from '../../../../src/vrr/wire/types.ts';
import { bytes, text } from './dht-net.ts';
import { FakeDhtNode, HELLO_MS } from './fake-node.ts';

const KEY = 'moving-key';
const H = hashKey(KEY);
const O = H + 20; // the owner under test: the closest node to the key it knows
const T = H + 2; // a node closer to the key, which appears later: the new owner
const V1 = H + 30; // O's virtual neighbours, its replicas
const V2 = H + 40;
const CLIENT = H + 1000; // the node that puts the key

/** O's Dht on a clock the test moves (fake-node.ts), owning the key until a closer node appears. */
class Owner extends FakeDhtNode {
  constructor() {
    super(O);
    this.vset = [V1, V2];
    this.ownerOf(KEY, O);
  }
}

/** O owns the key, put by a client, and both its virtual neighbours acknowledged their replicas. */
function ownerWithReplicas(): Owner {
  const o = new Owner();
  o.deliver({
    type: DhtOptionType.PUT,
    hopCount: 3,
    hopLimit: 64,
    reqId: 4711,
    target: H,
    origin: CLIENT,
    explicitVersion: false,
    version: 0,
    ttlMs: 0,
    key: bytes(KEY),
    value: bytes('v'),
  });
  assert.equal(o.copy(KEY), 'v@1/owner');
  const replicates = o.transfers(DhtOptionType.REPLICATE);
  assert.deepEqual(replicates.map((r) => r.target).sort(), [V1, V2].sort(), 'replicated to its vset');
  o.acknowledge(replicates[0], DhtStatus.OK, replicates[0].target);
  o.acknowledge(replicates[1], DhtStatus.OK, replicates[1].target);
  return o;
}

/** A closer node T appears (and pushes V2 out of O's vset): O reconciles once the tables settle. */
function closerNodeAppears(o: Owner): number {
  const mark = o.sent.length;
  o.vset = [T, V1];
  o.ownerOf(KEY, T);
  o.dht.onVsetChange();
  o.advance(HELLO_MS); // past settleMs (half a hello)
  return mark;
}

describe('DHT: the old owner hands a key off when a closer node appears', () => {
  for (const [status, keeps] of [
    [DhtStatus.OK, true],
    [DhtStatus.NOT_FOUND, false],
  ] as const) {
    it(`sends HANDOFF toward the key, and on its ack (${status === DhtStatus.OK ? 'OK' : 'NOT_FOUND'}) releases its former replicas`, () => {
      const o = ownerWithReplicas();
      const mark = closerNodeAppears(o);
      const handoffs = o.transfers(DhtOptionType.HANDOFF, mark);
      assert.equal(handoffs.length, 1, 'one HANDOFF from the old owner');
      const [h] = handoffs;
      assert.deepEqual(
        [h.target, h.source, text(h.value), h.version, h.origin],
        [H, O, 'v', 1, CLIENT],
        'routed to the key, carrying the copy',
      );
      assert.ok(
        o.events.some((e) => e.type === 'dht-handoff' && e.to === T && e.why === 'ownership moved'),
        'the move is reported',
      );
      assert.equal(o.copy(KEY), 'v@1/replica', 'O holds its copy for T until T answers');
      assert.deepEqual(o.transfers(DhtOptionType.RELEASE, mark), [], 'nothing released before the ack');

      o.acknowledge(h, status, T);
      const released = o.transfers(DhtOptionType.RELEASE, mark);
      assert.deepEqual(
        released.map((r) => r.target).sort(),
        [V1, V2].sort(),
        'every node that may hold a copy from O is released, once the new owner has it',
      );
      for (const r of released) assert.deepEqual([r.version, r.source, r.value.length], [1, O, 0]);
      assert.equal(o.copy(KEY), keeps ? 'v@1/replica' : null, 'the answer decides whether O keeps its copy');
      assert.deepEqual(o.dht.store.checkInvariants(), []);
    });
  }

  it('sends the HANDOFF again until acknowledged, with its release list, then releases once', () => {
    const o = ownerWithReplicas();
    const mark = closerNodeAppears(o);
    const [first] = o.transfers(DhtOptionType.HANDOFF, mark);
    assert.ok(first);
    // Unacknowledged for the transfer timeout (3 hellos): the next reconcile (at most 5 hellos apart) resends it.
    o.advance(10 * HELLO_MS);
    const again = o.transfers(DhtOptionType.HANDOFF, mark);
    assert.ok(again.length >= 2, `sent ${again.length} times`);
    assert.notEqual(again[1].reqId, first.reqId);
    assert.deepEqual(o.transfers(DhtOptionType.RELEASE, mark), [], 'still nothing released');
    o.acknowledge(again[again.length - 1], DhtStatus.NOT_FOUND, T);
    assert.deepEqual(
      o
        .transfers(DhtOptionType.RELEASE, mark)
        .map((r) => r.target)
        .sort(),
      [V1, V2].sort(),
    );
    assert.equal(o.copy(KEY), null);
  });
});

describe('DHT: copies and releases in transit are sent again, or forgotten, as their kind says', () => {
  /** The targets of O's transfers of one type since `from`, with how often each was sent. */
  function sends(o: Owner, type: DhtTransferOption['type'], from = 0): Map<Address, number> {
    const out = new Map<Address, number>();
    for (const t of o.transfers(type, from)) out.set(t.target, (out.get(t.target) ?? 0) + 1);
    return out;
  }

  it('a hand-off answered REFUSED (the owner is full) counts as unanswered: kept, sent again, nothing released', () => {
    const o = ownerWithReplicas();
    const mark = closerNodeAppears(o);
    const [h] = o.transfers(DhtOptionType.HANDOFF, mark);
    o.acknowledge(h, DhtStatus.REFUSED, T);
    assert.equal(o.counts.get('dht.handoff.refused'), 1);
    assert.equal(o.counts.get('dht.reply.unmatched') ?? 0, 0, 'the answer matched its hand-off');
    assert.equal(o.copy(KEY), 'v@1/replica', 'kept');
    assert.deepEqual(o.transfers(DhtOptionType.RELEASE, mark), []);
    o.advance(10 * HELLO_MS);
    assert.ok(o.transfers(DhtOptionType.HANDOFF, mark).length >= 2, 'sent again');
    assert.deepEqual(o.transfers(DhtOptionType.RELEASE, mark), [], 'still nothing released');
  });
  it('a RELEASE is sent again until acknowledged, 8 times at most; an acknowledged one is not', () => {
    const o = ownerWithReplicas();
    const mark = closerNodeAppears(o);
    const [h] = o.transfers(DhtOptionType.HANDOFF, mark);
    o.acknowledge(h, DhtStatus.OK, T);
    const first = o.transfers(DhtOptionType.RELEASE, mark);
    const toV1 = first.find((r) => r.target === V1)!;
    o.acknowledge(toV1, DhtStatus.OK, V1);
    o.advance(400 * HELLO_MS);
    const all = o.transfers(DhtOptionType.RELEASE, mark);
    assert.deepEqual(
      [...sends(o, DhtOptionType.RELEASE, mark)].sort((a, b) => a[0] - b[0]),
      [
        [V1, 1],
        [V2, 8],
      ].sort((a, b) => a[0] - b[0]),
    );
    const toV2 = all.filter((r) => r.target === V2);
    assert.equal(new Set(toV2.map((r) => r.reqId)).size, 8, 'each send a new request id');
    assert.ok(toV2.every((r) => r.version === 1 && r.source === O));
  });

  it('an owner releases a replica that left its vset; back in the vset it gets a REPLICATE, and the release stops', () => {
    const V3 = H + 50;
    const o = ownerWithReplicas();
    let mark = o.sent.length;
    o.vset = [V1, V3];
    o.dht.onVsetChange();
    o.advance(HELLO_MS);
    assert.deepEqual([...sends(o, DhtOptionType.RELEASE, mark)], [[V2, 1]], 'V2 left: released');
    assert.deepEqual([...sends(o, DhtOptionType.REPLICATE, mark)], [[V3, 1]], 'V3 came: replicated');
    o.acknowledge(o.transfers(DhtOptionType.REPLICATE, mark)[0], DhtStatus.OK, V3);
    mark = o.sent.length;
    o.vset = [V1, V2];
    o.dht.onVsetChange();
    o.advance(HELLO_MS);
    assert.deepEqual([...sends(o, DhtOptionType.REPLICATE, mark)], [[V2, 1]], 'V2 is a replica again');
    const replicate = o.transfers(DhtOptionType.REPLICATE, mark)[0];
    o.acknowledge(replicate, DhtStatus.OK, V2);
    o.advance(200 * HELLO_MS);
    assert.equal(
      sends(o, DhtOptionType.RELEASE, mark).get(V2),
      undefined,
      'the older RELEASE to V2 never lands',
    );
    assert.equal(
      sends(o, DhtOptionType.RELEASE, mark).get(V3),
      8,
      'V3, released and never answering: 8 sends',
    );
    assert.equal(o.copy(KEY), 'v@1/owner');
  });

  it('a REPLICATE never acknowledged is sent again by the next reconcile; an acknowledged one is not', () => {
    const o = new Owner();
    o.deliver({
      type: DhtOptionType.PUT,
      hopCount: 1,
      hopLimit: 64,
      reqId: 1,
      target: H,
      origin: CLIENT,
      explicitVersion: false,
      version: 0,
      ttlMs: 0,
      key: bytes(KEY),
      value: bytes('w'),
    });
    const mark = o.sent.length;
    const sent = o.transfers(DhtOptionType.REPLICATE);
    o.acknowledge(
      sent.find((r) => r.target === V1)!,
      DhtStatus.OK,
      V1,
    );
    o.advance(30 * HELLO_MS);
    const again = sends(o, DhtOptionType.REPLICATE, mark);
    assert.equal(again.get(V1), undefined, 'V1 holds the copy');
    assert.ok((again.get(V2) ?? 0) >= 2, `V2 sent again ${again.get(V2) ?? 0} times`);
    const refused = o.transfers(DhtOptionType.REPLICATE, mark).filter((r) => r.target === V2);
    assert.equal(new Set(refused.map((r) => r.reqId)).size, refused.length);
  });
});

describe('DHT: copies arriving at the owner', () => {
  const X = H + 500; // a node that is no virtual neighbour of O

  /** A HANDOFF or REPLICATE of KEY reaching O from `source`. */
  function copyFrom(
    o: Owner,
    source: Address,
    version: number,
    origin: Address,
    value: string,
    type: DhtTransferOption['type'] = DhtOptionType.HANDOFF,
    reqId = 900 + o.sent.length,
  ): DhtReplyOption {
    const mark = o.sent.length;
    o.deliver({
      type,
      hopCount: 2,
      hopLimit: 64,
      reqId,
      target: type === DhtOptionType.HANDOFF ? H : O,
      tombstone: false,
      origin,
      version,
      ttlMs: 0,
      source,
      key: bytes(KEY),
      value: bytes(value),
    } as DhtTransferOption);
    const replies = o.sent.slice(mark).filter((x): x is DhtReplyOption => x.type === DhtOptionType.REPLY);
    assert.equal(replies.length, 1, 'one answer');
    assert.equal(replies[0].reqId, reqId);
    return replies[0];
  }

  it('an older copy handed off by a replica: mine is kept, and the replica is told to keep its copy', () => {
    const o = ownerWithReplicas();
    const r = copyFrom(o, V1, 1, CLIENT - 1, 'older'); // same version, smaller origin: older
    assert.deepEqual([r.status, r.version, r.target], [DhtStatus.OK, 1, V1]);
    assert.equal(o.copy(KEY), 'v@1/owner');
    assert.equal(o.counts.get('dht.merge.keptMine'), 1);
  });

  it('a newer copy handed off by a replica replaces mine and goes to the other replicas, not back to its source', () => {
    const o = ownerWithReplicas();
    const mark = o.sent.length;
    const r = copyFrom(o, V1, 2, CLIENT, 'newer');
    assert.deepEqual([r.status, r.version], [DhtStatus.OK, 2]);
    assert.equal(o.copy(KEY), 'newer@2/owner');
    assert.deepEqual(
      o.transfers(DhtOptionType.REPLICATE, mark).map((t) => [t.target, t.version]),
      [[V2, 2]],
      'V1 holds it already',
    );
  });

  it('a copy handed off by a node that is no virtual neighbour: answered NOT_FOUND (drop yours)', () => {
    const o = ownerWithReplicas();
    const r = copyFrom(o, X, 1, CLIENT, 'v');
    assert.deepEqual([r.status, r.version, r.target], [DhtStatus.NOT_FOUND, 1, X]);
    assert.equal(o.copy(KEY), 'v@1/owner');
  });

  it('drops a hand-off not addressed to the key, a copy of version 0, and a REPLICATE from itself', () => {
    const o = ownerWithReplicas();
    const mark = o.sent.length;
    const base = {
      type: DhtOptionType.HANDOFF,
      hopCount: 1,
      hopLimit: 64,
      reqId: 77,
      target: H,
      tombstone: false,
      origin: CLIENT,
      version: 5,
      ttlMs: 0,
      source: V1,
      key: bytes(KEY),
      value: bytes('bad'),
    } as DhtTransferOption;
    o.deliver({ ...base, target: O }); // ends here, but a hand-off must be addressed to the key
    assert.equal(o.counts.get('dht.drop.badTarget'), 1);
    o.deliver({ ...base, version: 0 });
    o.deliver({ ...base, type: DhtOptionType.REPLICATE, target: O, source: O });
    assert.equal(o.counts.get('dht.drop.badTransfer'), 2);
    assert.equal(o.copy(KEY), 'v@1/owner', 'none of them stored');
    assert.deepEqual(o.sent.slice(mark), [], 'none of them answered');
  });

  it('learns how long answers take: unanswered transfers back the wait off, an answer sets it again', () => {
    const o = ownerWithReplicas(); // both replicas answered at once: the wait is the floor, 3 hellos
    const transfers = (o.dht as unknown as { ctx: { transfers: { timeoutMs: number } } }).ctx.transfers;
    assert.equal(transfers.timeoutMs, 3 * HELLO_MS);
    const mark = closerNodeAppears(o);
    // The first HANDOFF goes unanswered past 3 hellos, and is sent again.
    while (o.transfers(DhtOptionType.HANDOFF, mark).length < 2) o.advance(100);
    assert.equal(transfers.timeoutMs, 6 * HELLO_MS, 'backed off: new transfers wait twice as long');
    const handoffs = o.transfers(DhtOptionType.HANDOFF, mark);
    o.acknowledge(handoffs[handoffs.length - 1], DhtStatus.NOT_FOUND, T); // at once
    assert.equal(transfers.timeoutMs, 3 * HELLO_MS, 'a prompt answer clears the back-off');
  });
});
