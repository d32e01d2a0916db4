// Batched writes and TAP offload, for real inside two namespaces: a burst sent inside runBatched leaves in
// sendmmsg batches when the batch ends (and not before), close() still sends what was queued, and TCP transfers
// (IPv4, IPv6) between the namespaces' kernels through two offloading TAPs bridged over the veth arrive intact,
// the sending TAP cutting TSO super-packets into segments and the receiving TAP merging them again.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { LinkPeer } from '../../../src/testbed/bare/link-peer-client.ts';
import { exited, spawnInNetns, waitForLine } from '../../../src/testbed/bare/netns-child.ts';
import { ipSync as ip, netnsUnavailableReason } from '../../../src/testbed/links/netns.ts';
import { VethLab } from '../../../src/testbed/bare/veth-lab.ts';
import { skipForMissing } from '../../support/skip.ts';

const VRR = 0x88b5;
const TCP_TRANSFER = fileURLToPath(new URL('./fixtures/tcp-transfer.ts', import.meta.url));

interface Opened {
  handle: number;
  mac: number;
}

describe('daemon/native: batched writes and TAP offload', function () {
  let lab: VethLab | undefined;
  let a: LinkPeer | undefined;
  let b: LinkPeer | undefined;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'batch/offload tests', reason);
    }
    lab = new VethLab('batch');
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

  it('sends a burst made inside runBatched when the batch ends, in order, in sendmmsg batches', async () => {
    const sender = await a!.call<Opened>('openPacket', {
      ifname: lab!.ifA,
      etherType: VRR,
      batchWrites: true,
    });
    const receiver = await b!.call<Opened>('openPacket', { ifname: lab!.ifB, etherType: VRR, budget: 1024 });
    const r = await a!.call('burstBatched', {
      handle: sender.handle,
      dst: receiver.mac,
      count: 1000,
      size: 100,
    });
    assert.equal(r.accepted, 1000, 'every send inside the batch is accepted (queued)');
    // At most 512 frames are queued: the 512th is written early, the other 488 when the batch ends.
    assert.equal(r.inside.tx + r.inside.txDropped, 512, `inside the batch: ${JSON.stringify(r.inside)}`);
    assert.equal(r.inside.txBatches, 1);
    assert.equal(r.after.tx + r.after.txDropped, 1000, JSON.stringify(r.after));
    assert.equal(r.after.txErrors, 0);
    assert.equal(r.after.txBatches, 2);
    const got = await b!.call('waitReceived', {
      handle: receiver.handle,
      count: r.after.tx,
      timeoutMs: 5000,
    });
    assert.equal(got.count, r.after.tx);
    assert.equal(got.outOfOrder, 0);
    await a!.call('close', { handle: sender.handle });
    await b!.call('close', { handle: receiver.handle });
  });

  it('without batchWrites, runBatched changes nothing: every send leaves at once', async () => {
    const sender = await a!.call<Opened>('openPacket', { ifname: lab!.ifA, etherType: VRR });
    const r = await a!.call('burstBatched', {
      handle: sender.handle,
      dst: 0x02000000beef,
      count: 10,
      size: 32,
    });
    assert.equal(r.inside.tx, 10);
    assert.equal(r.after.txBatches, 0);
    await a!.call('close', { handle: sender.handle });
  });

  it('close() inside a batch still sends what was queued before it', async () => {
    const sender = await a!.call<Opened>('openPacket', {
      ifname: lab!.ifA,
      etherType: VRR,
      batchWrites: true,
    });
    const receiver = await b!.call<Opened>('openPacket', { ifname: lab!.ifB, etherType: VRR });
    const r = await a!.call('burstBatched', {
      handle: sender.handle,
      dst: receiver.mac,
      count: 5,
      size: 40,
      closeInside: true,
    });
    assert.equal(r.inside.tx, 0);
    assert.equal(r.after.tx, 5);
    const got = await b!.call('waitReceived', { handle: receiver.handle, count: 5, timeoutMs: 3000 });
    assert.equal(got.count, 5);
    await b!.call('close', { handle: receiver.handle });
  });

  describe('a TCP transfer through two offloading TAPs bridged over the veth', () => {
    const macs = [0x0200000000c1, 0x0200000000c2];
    let bridges: { tap: number; socket: number }[] = [];

    before(async () => {
      const peers = [a!, b!];
      const ifnames = [lab!.ifA, lab!.ifB];
      const socketMacs = await Promise.all(
        peers.map((p, i) => p.call('openPacket', { ifname: ifnames[i], etherType: 0x88b6 })),
      );
      for (const [i, s] of socketMacs.entries()) await peers[i].call('close', { handle: s.handle });
      bridges = await Promise.all(
        peers.map((p, i) =>
          p.call('openBridge', {
            tap: { name: 'vo0', mtu: 1400, mac: macs[i], offload: true, batchWrites: true },
            ifname: ifnames[i],
            etherType: VRR,
            peerMac: socketMacs[1 - i].mac,
          }),
        ),
      );
      for (const [i, ns] of [lab!.nsA, lab!.nsB].entries()) {
        ip('-n', ns, 'addr', 'add', `198.18.7.${i + 1}/24`, 'dev', 'vo0');
        ip('-n', ns, '-6', 'addr', 'add', `fd76:7272::7:${i + 1}/64`, 'dev', 'vo0', 'nodad');
        // Static neighbours: the bridge would carry ARP and ND too, this just skips the wait.
        const lladdr = macToText(macs[1 - i]);
        ip('-n', ns, 'neigh', 'replace', `198.18.7.${2 - i}`, 'lladdr', lladdr, 'dev', 'vo0');
        ip('-n', ns, 'neigh', 'replace', `fd76:7272::7:${2 - i}`, 'lladdr', lladdr, 'dev', 'vo0');
      }
    });

    after(async () => {
      for (const [i, br] of bridges.entries()) {
        await [a!, b!][i].call('close', { handle: br.tap });
        await [a!, b!][i].call('close', { handle: br.socket });
      }
    });

    for (const [family, server] of [
      ['IPv4', '198.18.7.2'],
      ['IPv6', 'fd76:7272::7:2'],
    ] as const) {
      it(`arrives intact over ${family}: TSO super-packets cut on read, segments merged (GRO) on write`, async () => {
        const before = await a!.call('counters', { handle: bridges[0].tap });
        const merged = (await b!.call('counters', { handle: bridges[1].tap })).txMerged;
        const port = family === 'IPv4' ? '5201' : '5202';
        const srv = spawnInNetns(lab!.nsB, TCP_TRANSFER, ['server', port]);
        await waitForLine(srv, /^listening/);
        const bytes = 8 * 1024 * 1024;
        const client = spawnInNetns(lab!.nsA, TCP_TRANSFER, ['client', server, port, String(bytes)]);
        const sent = await waitForLine(client, /^sent /, 60_000);
        const got = await waitForLine(client, /^got |^timeout/, 60_000);
        await Promise.all([exited(client), exited(srv)]);
        assert.equal(got.replace(/^got/, 'sent'), sent, 'the server read what the client sent');
        const tapA = await a!.call('counters', { handle: bridges[0].tap });
        const tapB = await b!.call('counters', { handle: bridges[1].tap });
        assert.ok(
          tapA.rxOffloaded > before.rxOffloaded,
          `the sending TAP handed over no TSO super-packet: ${JSON.stringify(tapA)}`,
        );
        assert.ok(tapB.txMerged > merged, `the receiving TAP merged no segments: ${JSON.stringify(tapB)}`);
        assert.equal(tapB.txErrors, 0, JSON.stringify(tapB));
      });
    }
  });
});

function macToText(mac: number): string {
  return mac
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?!$)/g, '$1:');
}
