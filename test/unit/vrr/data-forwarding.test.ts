// The data plane (src/vrr/data-forwarding.ts) through the node's public API: a relay decrements the hop limit and
// drops a packet that arrives with its last hop, a packet that cannot go on is delivered (KEY) or dropped and
// counted, and group traffic without a multicast extension is refused and counted.

import assert from 'node:assert/strict';
import { DataFlag, type DataPacket } from '../../../src/vrr/wire/types.ts';
import { encodePacket } from '../../../src/vrr/wire/index.ts';
import { TestNet } from './harness.ts';

const A = 0x020000000010;
const B = 0x020000000020;
const C = 0x020000000030;
/** A group address (the group bit set): only a multicast extension takes such traffic. */
const GROUP = 0x030000000001;

/** A 3-node line A - B - C, converged. */
function line(): TestNet {
  const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
  net.run(20_000);
  return net;
}

function data(dst: number, hopLimit: number, dataFlags = 0, byte = 1): Uint8Array {
  const p: DataPacket = {
    kind: 'data',
    flags: 0,
    hopLimit,
    dataFlags,
    nextHeader: 0,
    src: A,
    dst,
    payload: new Uint8Array([byte]),
  };
  return encodePacket(p);
}

const count = (net: TestNet, i: number, name: string): number => net.nodes[i].counters()[name] ?? 0;

describe('vrr/data-forwarding (the data plane)', () => {
  it('a relay forwards with one hop less, and drops (and counts) a packet that arrives with its last hop', () => {
    const net = line();
    const b = net.nodes[1];
    b.receive(0, A, data(C, 2, 0, 2));
    net.run(50);
    const atC = net.delivered
      .filter((d) => d.node === 2)
      .map((d) => [d.packet.payload[0], d.packet.hopLimit]);
    assert.deepEqual(atC, [[2, 1]], 'hop limit 2 reaches C with 1');
    assert.equal(count(net, 1, 'dataForwarded'), 1);
    b.receive(0, A, data(C, 1, 0, 3));
    net.run(50);
    assert.equal(net.delivered.filter((d) => d.node === 2).length, 1, 'hop limit 1 goes no further');
    assert.equal(count(net, 1, 'drop.hopLimit'), 1);
    assert.equal(count(net, 1, 'dataForwarded'), 1);
    // A packet for the relay itself is delivered whatever its hop limit.
    b.receive(0, A, data(B, 1, 0, 4));
    assert.deepEqual(
      net.delivered.filter((d) => d.node === 1).map((d) => d.packet.payload[0]),
      [4],
    );
    assert.equal(count(net, 1, 'drop.hopLimit'), 1);
  });

  it('a looping packet dies at the hop limit: every relay takes one off', () => {
    // Sent with hop limit 2 from A to C over A - B - C: it arrives with 2 at B, 1 at C (delivered).
    const net = new TestNet([A, B, C], 1, { hopLimit: 2 }).link(0, 1).link(1, 2).start();
    net.run(20_000);
    assert.ok(net.nodes[0].sendData(C, new Uint8Array([5])));
    net.run(50);
    assert.deepEqual(
      net.delivered.filter((d) => d.node === 2).map((d) => d.packet.hopLimit),
      [1],
    );
    const short = new TestNet([A, B, C], 1, { hopLimit: 1 }).link(0, 1).link(1, 2).start();
    short.run(20_000);
    assert.ok(short.nodes[0].sendData(C, new Uint8Array([6])), 'sent to B');
    short.run(50);
    assert.equal(short.delivered.length, 0, 'B may not relay a packet sent with hop limit 1');
    assert.equal(count(short, 1, 'drop.hopLimit'), 1);
  });

  it('with no route, an originated packet is refused and counted; a KEY packet is delivered here', () => {
    const net = new TestNet([A]).start();
    net.run(5000);
    const a = net.nodes[0];
    assert.equal(a.sendData(B, new Uint8Array([1])), false);
    assert.equal(count(net, 0, 'drop.noRoute'), 1);
    assert.equal(a.sendData(B, new Uint8Array([2]), { key: true }), true);
    assert.deepEqual(
      net.delivered.map((d) => [d.node, d.packet.payload[0], d.packet.dataFlags & DataFlag.KEY]),
      [[0, 2, DataFlag.KEY]],
    );
    assert.equal(count(net, 0, 'dataOriginated'), 2);
    assert.equal(count(net, 0, 'dataDelivered'), 1);
    // Received: the same two outcomes.
    a.receive(0, B, data(C, 9, 0, 3));
    a.receive(0, B, data(C, 9, DataFlag.KEY, 4));
    assert.equal(count(net, 0, 'drop.noRoute'), 2);
    assert.deepEqual(
      net.delivered.map((d) => d.packet.payload[0]),
      [2, 4],
    );
  });

  it('delivers data to itself without sending anything', () => {
    const net = line();
    let sent = 0;
    net.tap = (_from, _port, frame) => {
      if ((frame[0] & 0x0f) !== 0) sent++;
      return frame;
    };
    assert.equal(net.nodes[0].sendData(A, new Uint8Array([7]), { nextHeader: 17 }), true);
    assert.deepEqual(
      net.delivered.map((d) => [d.node, d.packet.payload[0], d.packet.nextHeader, d.packet.src]),
      [[0, 7, 17, A]],
    );
    net.run(10);
    assert.equal(sent, 0);
  });

  it('group traffic without a multicast extension is refused and counted, sent or received', () => {
    const net = line();
    const a = net.nodes[0];
    assert.equal(a.sendData(GROUP, new Uint8Array([1])), false);
    assert.equal(count(net, 0, 'drop.groupDataWithoutMulticast'), 1);
    net.nodes[1].receive(0, A, data(GROUP, 9, DataFlag.GROUP));
    net.nodes[1].receive(0, A, data(C, 9, DataFlag.GROUP));
    net.run(50);
    assert.equal(count(net, 1, 'drop.groupDataWithoutMulticast'), 2, 'the GROUP flag decides, not dst');
    assert.equal(net.delivered.length, 0);
  });

  // Pins the hand-off of group traffic to the extension that takes it: sent here, the packet goes to it flagged
  // GROUP with this node as its previous hop; received, with the neighbour it came from; nothing is routed or
  // delivered by the core itself.
  it('group traffic goes to the extension that takes it: sent with the GROUP flag, received with its sender', () => {
    const net = line();
    const got: { node: number; packet: DataPacket; from: number }[] = [];
    net.nodes.forEach((n, node) =>
      n.attach({
        optionTypes: [],
        optionCodecs: [],
        onOption: () => {},
        onGroupData: (packet, from) => got.push({ node, packet, from }),
      }),
    );
    assert.equal(net.nodes[0].sendData(GROUP, new Uint8Array([7])), true);
    assert.equal(got.length, 1);
    assert.equal(got[0].node, 0);
    assert.equal(got[0].from, A, 'from this node');
    assert.equal(got[0].packet.dataFlags & DataFlag.GROUP, DataFlag.GROUP);
    assert.equal(got[0].packet.dst, GROUP);
    assert.equal(got[0].packet.src, A);
    assert.deepEqual([...got[0].packet.payload], [7]);
    net.nodes[1].receive(0, A, data(C, 9, DataFlag.GROUP));
    assert.equal(got.length, 2);
    assert.equal(got[1].node, 1);
    assert.equal(got[1].from, A, 'from the neighbour it came from');
    assert.equal(got[1].packet.dst, C);
    net.run(50);
    assert.equal(count(net, 1, 'dataForwarded'), 0, 'not routed by the core');
    assert.equal(net.delivered.length, 0);
  });
});
