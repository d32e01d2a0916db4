// Hop-by-hop reliability (src/vrr/reliable.ts, driven by node-context.ts and links.ts) on links that lose frames:
// every test elsewhere runs on lossless links, where nothing is ever retransmitted and a SETUP or TEARDOWN sent
// unacknowledged would go unnoticed. Here a seeded share of every frame (hellos, control packets and ACKs alike)
// is dropped on every link. The ring must still form, each of its paths whole from end to end, and when a node
// crashes its paths must be torn down at every relay: no path is left half built or half torn down.

import assert from 'node:assert/strict';
import type { Address } from '../../../src/vrr/address.ts';
import { createRng } from '../../../src/vrr/rng.ts';
import { closestOnEachSide } from '../../../src/vrr/vset.ts';
import { decodePacket } from '../../../src/vrr/wire/index.ts';
import { OptionType } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';

const base = 0x020000000000;
// Eight nodes on a physical ring with one chord (0-4), addresses shuffled along it so that virtual neighbours are
// several hops apart and every path has relays.
const ADDRS = [0x10, 0x60, 0x30, 0x80, 0x20, 0x70, 0x40, 0x50].map((x) => base + x);

/** A lossy network: `loss` of every frame dropped, from a PRNG of its own seed. */
function lossyNet(seed: number, loss: number): TestNet {
  const net = new TestNet(ADDRS, seed);
  for (let i = 0; i < ADDRS.length; i++) net.link(i, (i + 1) % ADDRS.length);
  net.link(0, 4);
  const rng = createRng(seed * 7919 + 1);
  net.tap = (_from, _port, frame) => (rng.next() < loss ? null : frame);
  return net;
}

/** Problems of the ring among the nodes `alive` (indices): inactive nodes, wrong vsets, paths not whole. */
function ringProblems(net: TestNet, alive: number[]): string[] {
  const out: string[] = [];
  const all = alive.map((i) => net.nodes[i].address);
  const byAddress = new Map(alive.map((i) => [net.nodes[i].address, net.nodes[i]]));
  for (const i of alive) {
    const n = net.nodes[i];
    const me = n.address.toString(16);
    if (!n.isActive()) out.push(`${me} inactive`);
    const want = closestOnEachSide(n.address, all, n.config.vsetSize);
    const have = n.vsetMembers();
    if (have.length !== want.size || !have.every((m) => want.has(m)))
      out.push(`${me} vset ${have.map((m) => m.toString(16))}`);
    for (const r of n.routes()) {
      const key = `${me}: path ${r.ea.toString(16)}/${r.pathId}`;
      // A hop names a live node that holds the same entry pointing back, or is null only at the matching endpoint.
      const check = (hop: Address | null, end: Address, back: 'na' | 'nb') => {
        if (hop === null) {
          if (n.address !== end) out.push(`${key} ends here but ${end.toString(16)} is its endpoint`);
          return;
        }
        const twin = byAddress
          .get(hop)
          ?.routes()
          .find((t) => t.ea === r.ea && t.pathId === r.pathId);
        if (!twin || twin[back] !== n.address) out.push(`${key} via ${hop.toString(16)}: no entry back`);
      };
      check(r.na, r.ea, 'nb');
      check(r.nb, r.eb, 'na');
    }
    // Every virtual neighbour has a path of its own between us.
    for (const m of have)
      if (!n.routes().some((r) => (r.ea === n.address && r.eb === m) || (r.eb === n.address && r.ea === m)))
        out.push(`${me}: no path to its member ${m.toString(16)}`);
  }
  return out;
}

/** The sum of a counter over the nodes `which` (indices). */
function total(net: TestNet, which: number[], name: string): number {
  return which.reduce((s, i) => s + (net.nodes[i].counters()[name] ?? 0), 0);
}

describe('vrr/reliable on lossy links', () => {
  const everyone = [...ADDRS.keys()];
  for (const seed of [1, 2, 3]) {
    it(`with 15 % of frames lost the ring forms, every path whole, by retransmission (seed ${seed})`, () => {
      const net = lossyNet(seed, 0.15).start();
      net.run(60_000);
      assert.deepEqual(ringProblems(net, everyone), []);
      for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
      // Lost setups and teardowns were sent again, hop by hop; none was given up on for good.
      assert.ok(total(net, everyone, 'retransmits') > 0, 'something was retransmitted');
      assert.ok(total(net, everyone, 'duplicatesSuppressed') > 0, 'a lost ACK made a duplicate, suppressed');
    });
  }

  for (const seed of [4, 5]) {
    it(`a node that crashes on lossy links leaves no path half torn down behind (seed ${seed})`, () => {
      const net = lossyNet(seed, 0.15).start();
      net.run(60_000);
      assert.deepEqual(ringProblems(net, everyone), [], 'formed');
      // Node 6 (address 0x40) is a relay of paths between others and an endpoint of four: it dies at once.
      const dead = 6;
      const deadAddress = net.nodes[dead].address;
      assert.ok(
        everyone.some(
          (i) =>
            i !== dead && net.nodes[i].routes().some((r) => r.na === deadAddress || r.nb === deadAddress),
        ),
        'paths go through the node that crashes',
      );
      net.nodes[dead].stop();
      net.cut(dead, 5);
      net.cut(dead, 7);
      const alive = everyone.filter((i) => i !== dead);
      net.run(60_000);
      assert.deepEqual(ringProblems(net, alive), []);
      for (const i of alive) {
        assert.ok(
          !net.nodes[i].routes().some((r) => r.ea === deadAddress || r.eb === deadAddress),
          `${net.nodes[i].address.toString(16)} still holds a path to the dead node`,
        );
      }
    });
  }

  it('a neighbour whose ACKs are all lost is failed once a packet to it runs out of tries', () => {
    const net = lossyNet(6, 0);
    // Node 1's ACKs never arrive; everything else it sends does (its hellos: it is not silent).
    net.tap = (from, _port, frame) => {
      if (from !== 1) return frame;
      const d = decodePacket(frame);
      const ackOnly =
        d.ok && d.packet.kind === 'control' && d.packet.options.every((o) => o.type === OptionType.ACK);
      return ackOnly ? null : frame;
    };
    net.start();
    net.run(30_000);
    const why = net.events.filter(
      (e) =>
        e.event.type === 'link' &&
        e.event.neighbor === ADDRS[1] &&
        e.event.to === 'failed' &&
        e.event.why === 'control packets not acknowledged',
    );
    assert.ok(why.length > 0, 'a neighbour of node 1 failed its link for want of ACKs');
  });
});
