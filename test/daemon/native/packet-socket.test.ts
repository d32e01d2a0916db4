// AF_PACKET sockets for real, between two namespaces joined by a veth pair: one link-peer child per side.

import assert from 'node:assert/strict';
import { LinkPeer } from '../../../src/testbed/bare/link-peer-client.ts';
import { ipSync as ip, netnsUnavailableReason } from '../../../src/testbed/links/netns.ts';
import { VethLab } from '../../../src/testbed/bare/veth-lab.ts';
import { skipForMissing } from '../../support/skip.ts';

const VRR = 0x88b5;
const OTHER = 0x88b6;

interface Opened {
  handle: number;
  mac: number;
  mtu: number;
  ifindex: number;
}

describe('daemon/native: packet socket across a veth pair', function () {
  let lab: VethLab | undefined;
  let a: LinkPeer | undefined;
  let b: LinkPeer | undefined;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'packet socket tests', reason);
    }
    lab = new VethLab('pkt');
    lab.create();
    [a, b] = await Promise.all([LinkPeer.start(lab.nsA), LinkPeer.start(lab.nsB)]);
  });

  after(async () => {
    try {
      await Promise.all([a?.stop(), b?.stop()]);
    } finally {
      lab?.destroy();
    }
  });

  it('reports the MAC, MTU and ifindex the kernel has for the interface', async () => {
    const sock = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: VRR });
    const [link] = JSON.parse(ip('-n', lab!.nsA, '-j', 'link', 'show', lab!.ifA)) as {
      ifindex: number;
      mtu: number;
      address: string;
    }[];
    assert.equal(sock.mac, parseInt(link.address.replaceAll(':', ''), 16));
    assert.equal(sock.mtu, link.mtu);
    assert.equal(sock.ifindex, link.ifindex);
    await a!.call('close', { handle: sock.handle });
  });

  it('carries a broadcast one way and a unicast back, unpadded, with the source MAC', async () => {
    const sa = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: VRR });
    const sb = await b!.call<Opened>('openPacket', { ifname: lab!.ifB, etherType: VRR });
    // 8 bytes: far below the 46-byte Ethernet minimum; veth delivers it as sent.
    await a!.call('burst', { handle: sa.handle, dst: null, count: 1, size: 8, fill: 0x11 });
    const atB = await b!.call('waitReceived', { handle: sb.handle, count: 1, timeoutMs: 3000 });
    assert.equal(atB.count, 1);
    assert.deepEqual(atB.sources, [sa.mac]);
    assert.equal(atB.firstPayloadHex, '0000000011111111');

    await b!.call('burst', { handle: sb.handle, dst: sa.mac, count: 1, size: 20, fill: 0x22 });
    const atA = await a!.call('waitReceived', { handle: sa.handle, count: 1, timeoutMs: 3000 });
    assert.equal(atA.count, 1);
    assert.deepEqual(atA.sources, [sb.mac]);
    assert.equal(atA.bytes, 20);
    await Promise.all([a!.call('close', { handle: sa.handle }), b!.call('close', { handle: sb.handle })]);
  });

  for (const direction of ['a->b', 'b->a'] as const) {
    it(`delivers a burst of 1,000 frames ${direction}, all of them, in order, in bounded batches`, async () => {
      const [from, to, fromIf, toIf] =
        direction === 'a->b' ? [a!, b!, lab!.ifA, lab!.ifB] : [b!, a!, lab!.ifB, lab!.ifA];
      const sender = await from.call<Opened>('openPacket', { ifname: fromIf, etherType: VRR });
      const receiver = await to.call<Opened>('openPacket', { ifname: toIf, etherType: VRR, budget: 64 });
      const sent = await from.call('burst', {
        handle: sender.handle,
        dst: receiver.mac,
        count: 1000,
        size: 100,
      });
      assert.equal(sent.sent, 1000, `sender refused ${sent.refused}: ${JSON.stringify(sent.counters)}`);
      const got = await to.call('waitReceived', { handle: receiver.handle, count: 1000, timeoutMs: 5000 });
      assert.equal(got.count, 1000, `received ${got.count} of 1000`);
      assert.equal(got.outOfOrder, 0);
      assert.equal(got.lastSeq, 999);
      assert.ok(got.maxBatch <= 64, `a batch of ${got.maxBatch} exceeds the budget of 64`);
      assert.ok(got.batches >= 16, `1,000 frames in ${got.batches} batches of at most 64`);
      const counters = await to.call('counters', { handle: receiver.handle });
      assert.equal(counters.rx, 1000);
      assert.equal(counters.rxBytes, 1000 * 114);
      await Promise.all([
        from.call('close', { handle: sender.handle }),
        to.call('close', { handle: receiver.handle }),
      ]);
    });
  }

  it('receives only its own EtherType', async () => {
    const vrrA = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: VRR });
    const otherA = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: OTHER });
    const vrrB = await b!.call<Opened>('openPacket', { ifname: lab!.ifB, etherType: VRR });
    const otherB = await b!.call<Opened>('openPacket', { ifname: lab!.ifB, etherType: OTHER });
    await a!.call('burst', { handle: otherA.handle, dst: null, count: 7, size: 16, fill: 0x0e });
    await a!.call('burst', { handle: vrrA.handle, dst: null, count: 5, size: 16, fill: 0x0f });
    const gotOther = await b!.call('waitReceived', { handle: otherB.handle, count: 7, timeoutMs: 3000 });
    const gotVrr = await b!.call('waitReceived', { handle: vrrB.handle, count: 5, timeoutMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 200)); // time for any stray frame to show up
    const vrrFinal = await b!.call('received', { handle: vrrB.handle });
    const otherFinal = await b!.call('received', { handle: otherB.handle });
    assert.equal(gotVrr.count, 5);
    assert.equal(vrrFinal.count, 5, 'frames of EtherType 0x88B6 reached the 0x88B5 socket');
    assert.match(vrrFinal.firstPayloadHex, /0f0f$/);
    assert.equal(gotOther.count, 7);
    assert.equal(otherFinal.count, 7, 'frames of EtherType 0x88B5 reached the 0x88B6 socket');
    for (const h of [vrrA, otherA]) await a!.call('close', { handle: h.handle });
    for (const h of [vrrB, otherB]) await b!.call('close', { handle: h.handle });
  });

  it('ignores unicast frames addressed to another host (and counts them as filtered)', async () => {
    const sa = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: VRR });
    const sb = await b!.call<Opened>('openPacket', { ifname: lab!.ifB, etherType: VRR });
    const stranger = sb.mac === 0x02000000beef ? 0x02000000bef0 : 0x02000000beef;
    await a!.call('burst', { handle: sa.handle, dst: stranger, count: 3, size: 16 });
    await a!.call('burst', { handle: sa.handle, dst: sb.mac, count: 1, size: 16 });
    const got = await b!.call('waitReceived', { handle: sb.handle, count: 1, timeoutMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const counters = await b!.call('counters', { handle: sb.handle });
    assert.equal(got.count, 1);
    assert.equal(counters.rx, 1);
    assert.equal(counters.rxFiltered, 3);
    await Promise.all([a!.call('close', { handle: sa.handle }), b!.call('close', { handle: sb.handle })]);
  });

  it('refuses to send on a down link without throwing, and counts it', async () => {
    const sa = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: VRR });
    ip('-n', lab!.nsA, 'link', 'set', lab!.ifA, 'down');
    try {
      const sent = await a!.call('burst', { handle: sa.handle, dst: null, count: 3, size: 16 });
      assert.equal(sent.sent, 0);
      assert.equal(sent.counters.txErrors, 3);
      assert.equal(sent.counters.lastError, 'ENETDOWN');
    } finally {
      ip('-n', lab!.nsA, 'link', 'set', lab!.ifA, 'up');
    }
    await a!.call('close', { handle: sa.handle });
  });

  it('fails to open on a missing interface with ENODEV', async () => {
    await assert.rejects(a!.call('openPacket', { ifname: 'nosuchif0', etherType: VRR }), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'ENODEV');
      assert.match(error.message, /openPacketSocket\(nosuchif0\): ioctl\(SIOCGIFINDEX\) failed/);
      return true;
    });
  });
});
