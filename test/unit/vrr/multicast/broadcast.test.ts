// Broadcast on the shared tree (src/vrr/multicast/group-data.ts, the broadcast part of trees.ts check()): every node
// gets on the tree rooted at the node closest to the broadcast key at its check; a broadcast from any node reaches
// every other node exactly once, never its sender; a copy from a node off the tree is dropped; the hop limit ends
// a copy's way; when the root moves, the old root branches to the new one and the tree still reaches everyone.

import assert from 'node:assert/strict';
import { BROADCAST, type Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { DataFlag, type DataPacket } from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';

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
