// The overlay TAP against the real kernel, in a namespace of its own, with a fake node and an in-memory DHT:
// ARP and neighbour solicitations are answered from the DHT (never sent as data), unicast frames become data
// packets with the right Next Header, delivered data packets reach the host, and the node publishes its own
// mappings. Needs root.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createNamespaceSync,
  deleteNamespaceSync,
  inNamespace,
  netnsUnavailableReason,
} from '../../src/testbed/links/netns.ts';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { skipForMissing } from '../support/skip.ts';

const HARNESS = fileURLToPath(new URL('./fixtures-vrrd/overlay-harness.ts', import.meta.url));

interface Report {
  sent: { dst: string; nextHeader: number; length: number; icmpType: number }[];
  neigh: { dst: string; lladdr?: string; state: string[] }[];
  published: string[];
  counters: Record<string, number>;
}

describe('daemon/overlay: the TAP against the kernel (fake node, in-memory DHT)', function () {
  this.timeout(20_000); // the harness in before() measured 3.5 s
  const ns = `vrrd-${process.pid}-overlay`;
  let report: Report;

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'overlay tests', reason);
    }
    createNamespaceSync(ns);
    try {
      const [cmd, ...args] = inNamespace(ns, [process.execPath, '--import', 'tsx', HARNESS]);
      const out = execFileSync(cmd, args, {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 20_000,
      });
      report = JSON.parse(out.trim().split('\n').pop()!) as Report;
    } catch (error) {
      deleteNamespaceSync(ns);
      throw error;
    }
  });

  after(() => deleteNamespaceSync(ns)); // not created (skipped) or already gone: nothing happens

  it('answers ARP and neighbour solicitations from the DHT: the kernel learns the peer MAC', () => {
    const byDst = new Map(report.neigh.map((n) => [n.dst, n]));
    assert.equal(byDst.get('198.18.0.2')?.lladdr, '02:00:00:00:00:02', JSON.stringify(report.neigh));
    assert.equal(byDst.get('fd76:7272::2')?.lladdr, '02:00:00:00:00:02', JSON.stringify(report.neigh));
    assert.ok(report.counters['overlay.arpReplies'] >= 1);
    assert.ok(report.counters['overlay.neighborAdvertisements'] >= 1);
  });

  it('never sends ARP or neighbour solicitations as data packets', () => {
    assert.ok(
      report.sent.every((s) => s.nextHeader !== 0x0806),
      JSON.stringify(report.sent),
    );
    assert.ok(
      report.sent.every((s) => !(s.nextHeader === 0x86dd && s.icmpType === 135)),
      JSON.stringify(report.sent),
    );
  });

  it('turns the host unicast frames into data packets: destination = Ethernet dst, Next Header = EtherType', () => {
    const echo4 = report.sent.filter((s) => s.nextHeader === 0x0800 && s.icmpType === 8);
    const echo6 = report.sent.filter((s) => s.nextHeader === 0x86dd && s.icmpType === 128);
    assert.ok(echo4.length >= 1 && echo4.every((s) => s.dst === '20000000002'), JSON.stringify(report.sent));
    assert.ok(echo6.length >= 1 && echo6.every((s) => s.dst === '20000000002'), JSON.stringify(report.sent));
  });

  it('writes delivered data packets to the host, which answers them', () => {
    const reply = report.sent.filter((s) => s.nextHeader === 0x0800 && s.icmpType === 0);
    assert.equal(reply.length, 1, JSON.stringify(report.sent));
    assert.equal(
      report.counters['overlay.notForThisHost'],
      1,
      'a KEY delivery for another address is not written',
    );
  });

  it('passes only IPv4 and IPv6 from the mesh to the host: ARP, discovery and other frames are dropped', () => {
    const c = report.counters;
    assert.equal(c['overlay.fromMesh.arpDropped'], 1, JSON.stringify(c));
    assert.equal(
      c['overlay.fromMesh.discoveryDropped'],
      2,
      'router advertisements, one behind a hop-by-hop header',
    );
    assert.equal(c['overlay.fromMesh.notIpDropped'], 1, 'LLDP');
  });

  it('counts and drops other group frames (IPv6 router solicitations, MLD reports)', () => {
    // Without a multicast extension group frames are dropped; router solicitations always are.
    const dropped =
      (report.counters['overlay.groupDropped'] ?? 0) +
      (report.counters['overlay.routerSolicitationDropped'] ?? 0);
    assert.ok(dropped >= 1, JSON.stringify(report.counters));
  });

  it('publishes the node mappings for the addresses on the overlay interface', () => {
    assert.ok(report.published.includes('ipv4:198.18.0.1'), report.published.join(' '));
    assert.ok(report.published.includes('ipv6:fd76:7272::1'), report.published.join(' '));
  });
});
