// A hello split into parts (src/vrr/links.ts sending, src/vrr/pset.ts assembling) through the node's public API:
// a hub whose port MTU fits only a few neighbour slots per hello still lists every neighbour, in parts, and every
// link comes up both ways; past MAX_HELLO_PARTS parts the hello is truncated and counted.

import assert from 'node:assert/strict';
import { decodePacket } from '../../../src/vrr/wire/index.ts';
import { helloNeighborCapacity } from '../../../src/vrr/wire/hello-parts.ts';
import { OptionType } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';

/** The smallest MTU whose hello holds at least one neighbour beside two representatives. */
function tinyMtu(auth = false): number {
  let mtu = 64;
  while (helloNeighborCapacity(mtu, 2, { auth }) < 1) mtu++;
  return mtu;
}

/** A network key: frames are sealed with an authentication tag, which a hello part must leave room for. */
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

/**
 * A hub (node 0) linked to `leaves` leaves, its ports at a tiny MTU (`keyed`: every node holds KEY, and the MTU is
 * the tiny one of a sealed hello); returns the net and the hub's hello parts.
 */
function star(
  leaves: number,
  runMs = 20_000,
  keyed = false,
): { net: TestNet; parts: Set<number>; partCounts: Set<number> } {
  const addrs = [0x020000000100, ...Array.from({ length: leaves }, (_, i) => 0x020000000010 + i * 0x20)];
  const net = new TestNet(addrs, 3, {}, () => (keyed ? { networkKey: KEY } : {}));
  for (let i = 1; i <= leaves; i++) net.link(0, i);
  const mtu = tinyMtu(keyed);
  for (let p = 0; p < leaves; p++) net.nodes[0].addPort(p, { mtu });
  const parts = new Set<number>();
  const partCounts = new Set<number>();
  net.tap = (from, _port, frame) => {
    if (from !== 0) return frame;
    const r = decodePacket(frame);
    if (r.ok && r.packet.kind === 'control') {
      for (const o of r.packet.options) {
        if (o.type !== OptionType.HELLO) continue;
        parts.add(o.part);
        partCounts.add(o.parts);
        assert.ok(frame.length <= mtu, `a hello part of ${frame.length} bytes on an MTU of ${mtu}`);
      }
    }
    return frame;
  };
  net.start();
  net.run(runMs);
  return { net, parts, partCounts };
}

const linkedTo = (net: TestNet, i: number): number[] =>
  net.nodes[i]
    .neighbors()
    .filter((n) => n.state === 'linked')
    .map((n) => n.address);

describe('vrr/links: hellos in parts', () => {
  it('a hub whose hellos hold few neighbours lists all of them in parts, and every link comes up', () => {
    const { net, parts, partCounts } = star(8);
    assert.ok(Math.max(...partCounts) > 1, `sent in parts: ${[...partCounts]}`);
    assert.ok(parts.size > 1);
    assert.equal(linkedTo(net, 0).length, 8, 'the hub links every leaf');
    for (let i = 1; i <= 8; i++)
      assert.deepEqual(linkedTo(net, i), [net.nodes[0].address], `leaf ${i} links the hub`);
    assert.equal(net.nodes[0].counters().helloTruncated ?? 0, 0);
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
  });

  // helloTruncated counts hellos that lost neighbours: a hello of exactly the most parts lost none.
  it('a hello of exactly the most parts is whole, not counted as truncated', () => {
    const capacity = helloNeighborCapacity(tinyMtu(), 2);
    const { net, partCounts } = star(15 * capacity, 5000);
    assert.equal(Math.max(...partCounts), 15);
    assert.equal(net.nodes[0].counters().helloTruncated ?? 0, 0);
  });

  it('past the most parts a hello may have, it is truncated and counted', () => {
    const capacity = helloNeighborCapacity(tinyMtu(), 2);
    const { net, partCounts } = star(16 * capacity, 5000);
    assert.ok(Math.max(...partCounts) <= 15);
    assert.ok((net.nodes[0].counters().helloTruncated ?? 0) > 0);
  });

  // In a keyed mesh every frame carries an authentication tag: a hello part must leave room for it, or each part
  // would exceed the MTU and be lost on a real link.
  it('in a keyed mesh, each part leaves room for the authentication tag, and every link comes up', () => {
    const { net, partCounts } = star(8, 20_000, true);
    assert.ok(Math.max(...partCounts) > 1, `sent in parts: ${[...partCounts]}`);
    assert.equal(linkedTo(net, 0).length, 8, 'the hub links every leaf');
  });
});
