// Broadcast on the shared tree (src/vrr/multicast/group-data.ts, the broadcast part of trees.ts check()): every node
// gets on the tree rooted at the node closest to the broadcast key at its check; a broadcast from any node reaches
// every other node exactly once, never its sender; a copy from a node off the tree is dropped; the hop limit ends
// a copy's way; when the root moves, the old root branches to the new one and the tree still reaches everyone; a
// broadcast sent inside a cycle of pending branches confirms none of them (only ATTACHED confirms a broadcast branch).

import assert from 'node:assert/strict';
import { BROADCAST, type Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import {
  DataFlag,
  McastOptionType,
  type DataPacket,
  type McastTreeOption,
} from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { record } from './tree-kit.ts';

const A: Address = 0x020000000001;
const B: Address = 0x020000000002;
const C: Address = 0x020000000003;
const D: Address = 0x020000000004;
const KEY = groupKey(BROADCAST);

/** A - B - C - D on a line; routes toward the broadcast key end at `root`; every node has run its check. */
function line(root: Address): FakeNet {
  const all = [A, B, C, D];
  const net = new FakeNet(all, { broadcast: true });
  for (let i = 0; i < 3; i++) net.link(all[i], all[i + 1]);
  route(net, root);
  for (const a of all) {
    for (const b of all)
      if (a !== b) net.route(a, b, a < b ? all[all.indexOf(a) + 1] : all[all.indexOf(a) - 1]);
    net.mc.get(a)!.onNeighborLinked();
  }
  net.advance(1000);
  return net;
}

/** Routes toward the broadcast key end at root. */
function route(net: FakeNet, root: Address): void {
  const all = [A, B, C, D];
  for (const a of all) {
    if (a === root) net.routes.get(a)!.delete(KEY);
    else net.route(a, KEY, a < root ? all[all.indexOf(a) + 1] : all[all.indexOf(a) - 1]);
  }
}

function packet(src: Address, hopLimit = 16, byte = 1): DataPacket {
  return {
    kind: 'data',
    flags: 0,
    hopLimit,
    dataFlags: DataFlag.GROUP,
    nextHeader: 0,
    src,
    dst: BROADCAST,
    payload: new Uint8Array([byte]),
  };
}

/** Broadcasts from src; returns who delivered it (sorted, with repeats). */
function broadcast(net: FakeNet, src: Address): Address[] {
  net.delivered.length = 0;
  assert.ok(net.mc.get(src)!.send(BROADCAST, new Uint8Array([9])));
  net.advance(100);
  return net.delivered.map((d) => d.node).sort((x, y) => x - y);
}

const others = (src: Address) => [A, B, C, D].filter((x) => x !== src);

describe('multicast: broadcast on the shared tree', () => {
  it('every node gets on the tree at its check; a broadcast from any node reaches every other once', () => {
    const net = line(C);
    const row = (n: Address) =>
      net.mc
        .get(n)!
        .table()
        .find((t) => t.group === BROADCAST);
    assert.deepEqual(
      [A, B, C, D].map((n) => row(n)?.upstream ?? null),
      [B, C, null, C],
      'a tree rooted at C',
    );
    for (const src of [A, B, C, D]) assert.deepEqual(broadcast(net, src), others(src), `from ${src}`);
  });

  it('drops a broadcast copy from a node off the tree, and stops a copy at its hop limit', () => {
    const net = line(C);
    net.delivered.length = 0;
    net.mc.get(A)!.onGroupData(packet(D, 16), D); // D is no tree neighbour of A
    net.advance(50);
    assert.equal(net.count(A, 'mcast.drop.offTree'), 1);
    assert.equal(net.delivered.length, 0);
    net.mc.get(B)!.onGroupData(packet(A, 1), A); // B's last hop
    net.advance(50);
    assert.deepEqual(
      net.delivered.map((d) => d.node),
      [B],
      'delivered at B, copied no further',
    );
    assert.equal(net.count(B, 'mcast.drop.hopLimit'), 1);
    net.delivered.length = 0;
    net.mc.get(B)!.onGroupData(packet(A, 2), A);
    net.advance(50);
    assert.deepEqual(
      net.delivered.map((d) => [d.node, d.packet.hopLimit]).sort(),
      [
        [B, 2],
        [C, 1],
      ].sort(),
      'one hop less per copy; at C it is the last',
    );
  });

  it('when the root moves, the old root joins the new one at its check, and broadcast still reaches everyone once', () => {
    const net = line(C);
    route(net, D);
    for (const n of [A, B, C, D]) net.mc.get(n)!.onNeighborLinked();
    net.advance(1000);
    const up = (n: Address) =>
      net.mc
        .get(n)!
        .table()
        .find((t) => t.group === BROADCAST)?.upstream ?? null;
    assert.equal(up(D), null, 'D is the root');
    assert.equal(up(C), D, 'the old root branched to it');
    for (const src of [A, B, C, D]) assert.deepEqual(broadcast(net, src), others(src), `from ${src}`);
  });
});

describe('multicast: the broadcast root moves, by the messages of the checks', () => {
  // check()'s two root moves: the new root leaves its upstream and confirms its subtree; the old root, whose
  // subtree is the whole tree, fells it before branching (its new route may run through any node of it).
  // The checks of a settled tree change nothing: neither the root nor a node below it fells or branches.
  it('on a settled tree, every check (the root included) sends nothing', () => {
    const net = line(C);
    const seen = record(net);
    for (const n of [A, B, C, D]) net.mc.get(n)!.onNeighborLinked();
    net.advance(1000);
    assert.deepEqual(seen, []);
  });

  // isRoot for broadcast (the node the key routes to): the root confirms its children at once, and nobody's
  // branch waits long enough to be given up, nor does the root look for an upstream.
  it('the root confirms the branches: nobody gives one up, and the root never branches', () => {
    const net = line(C);
    net.advance(10_000);
    for (const n of [A, B, C, D]) {
      assert.equal(net.count(n, 'mcast.branch.unattached'), 0, `${n} gave nothing up`);
      assert.equal(net.count(n, 'mcast.branch.noRoute'), 0, `${n} looked for no route`);
    }
    assert.equal(net.count(C, 'mcast.branch'), 0);
  });

  // copyTo's list: the tree neighbours only (the root has no upstream to copy to), and a copy at its last hop is
  // counted as dropped only where it would have gone on (not at a leaf, whose only neighbour sent it).
  it('a broadcast is copied to each tree neighbour once; a leaf counts no drop for a copy at its last hop', () => {
    const net = line(C);
    broadcast(net, C);
    assert.equal(net.count(C, 'mcast.forward'), 2, 'the root copies to B and D only');
    net.mc.get(A)!.onGroupData(packet(C, 1), B); // A is a leaf below B
    assert.equal(net.count(A, 'mcast.drop.hopLimit'), 0);
  });

  it('the new root prunes its old upstream and confirms its downstream; the old root fells all below it, then branches', () => {
    const net = line(C);
    route(net, B);
    const seen = record(net);
    net.mc.get(B)!.onNeighborLinked();
    net.advance(60);
    assert.deepEqual(seen, [
      [B, C, 'PRUNE'],
      [B, A, 'ATTACHED'],
    ]);
    net.mc.get(B)!.checkInvariants(); // the root is not marked attached: it has no upstream
    seen.length = 0;
    net.mc.get(C)!.onNeighborLinked();
    net.advance(60);
    assert.deepEqual(
      seen.filter(([from]) => from === C),
      [
        [C, D, 'FELL'],
        [C, B, 'BRANCH'],
      ],
    );
    net.advance(1000);
    const up = (n: Address) =>
      net.mc
        .get(n)!
        .table()
        .find((t) => t.group === BROADCAST)?.upstream ?? null;
    assert.deepEqual([A, B, C, D].map(up), [B, null, B, C]);
    for (const src of [A, B, C, D]) assert.deepEqual(broadcast(net, src), others(src), `from ${src}`);
  });
});

describe('multicast: broadcast data and pending branches', () => {
  // A regression test (group-data.ts): broadcast data from the upstream used to confirm a pending branch. A
  // broadcast can start anywhere, also inside a cycle of pending branches that transient routes closed, where it
  // went round and confirmed every branch of the cycle: nobody gave up, and the nodes stayed cut off from the root.
  it('a broadcast sent inside a cycle of pending branches confirms none: the cycle is given up and every node reaches the root', () => {
    const [R, P, Q, T] = [A, 0x020000000005, 0x020000000006, 0x020000000007];
    // R is the root; B, C, D hang below each other in a cycle (routes toward the key loop: B -> C -> D -> B), each
    // holding the branch of a leaf (P, Q, T) whose BRANCH it passed up; the three BRANCHes crossed, so none of
    // them came back to the relay that sent it (no loop seen), and nobody is connected to R.
    const net = new FakeNet([R, B, C, D, P, Q, T], { broadcast: true });
    net.link(R, B).link(B, C).link(C, D).link(D, B).link(P, B).link(Q, C).link(T, D);
    net.route(B, KEY, C).route(C, KEY, D).route(D, KEY, B);
    for (const [leaf, relay] of [
      [P, B],
      [Q, C],
      [T, D],
    ])
      net.mc.get(relay)!.onOption(
        {
          type: McastOptionType.BRANCH,
          flags: 0,
          hopCount: 0,
          seq: 1,
          root: KEY,
          group: BROADCAST,
          target: leaf,
        } as McastTreeOption,
        leaf,
      );
    net.advance(10);
    const up = (n: Address) =>
      net.mc
        .get(n)!
        .table()
        .find((t) => t.group === BROADCAST)?.upstream;
    assert.deepEqual([B, C, D].map(up), [C, D, B], 'the cycle of upstreams formed');
    net.mc.get(B)!.send(BROADCAST, new Uint8Array([1])); // goes round the cycle until its hop limit
    net.advance(10);
    net.route(B, KEY, R).route(C, KEY, B).route(D, KEY, B); // routes settle
    net.advance(10_000);
    assert.ok(
      [B, C, D].some((n) => net.count(n, 'mcast.branch.unattached') > 0),
      'an unconfirmed branch was given up',
    );
    assert.deepEqual([B, C, D].map(up), [R, B, B]);
    net.delivered.length = 0;
    net.mc.get(R)!.send(BROADCAST, new Uint8Array([2]));
    net.advance(10);
    assert.deepEqual(
      net.delivered.map((d) => d.node).sort((x, y) => x - y),
      [B, C, D],
      "the root's broadcast reaches them, once each",
    );
  });
});
