// Partition repair through representatives (src/vrr/repair.ts, protocol-notes §8), pinned on whole nodes: two
// rings that formed apart are joined by one link between nodes that are NOT ring neighbours of each other, with
// the vset self-check switched off. Then no other mechanism can bring the rings together: the two ends of the new
// link do not belong in each other's vset (each has two nodes of its own ring between it and the other ring on
// both sides), no path crosses, and no request is looked up. Only a representative record, learned over the link
// and spread by hellos, tells the nodes at the seams of the merged ring about the other ring, and only a SETUP
// routed along those records reaches it. So the merge must happen, and it must start with such a setup.

import assert from 'node:assert/strict';
import { closestOnEachSide } from '../../../src/vrr/vset.ts';
import { TestNet } from './harness.ts';

const base = 0x020000000000;
// Ring A: five nodes on a line, addresses ascending along it; ring B: five more, all above ring A's.
const A = [0x10, 0x20, 0x30, 0x40, 0x50].map((x) => base + x);
const B = [0x90, 0xa0, 0xb0, 0xc0, 0xd0].map((x) => base + x);
// The bridge: the middle node of each line. A3's two nearest on each side are A1 A2 / A4 A5, B3's B1 B2 / B4 B5.
const BRIDGE_A = 2;
const BRIDGE_B = 7;
/** No self-check within the test (it would find the other ring through the bridge as a proxy). */
const NO_SELF_CHECK = { selfCheckFirstHellos: 1e6, selfCheckMaxHellos: 1e6 };

/** Whether every node of `members` (indices) holds exactly its r/2 nearest on each side among them. */
function ringConsistent(net: TestNet, members: number[]): boolean {
  const all = members.map((i) => net.nodes[i].address);
  return members.every((i) => {
    const n = net.nodes[i];
    const want = closestOnEachSide(n.address, all, n.config.vsetSize);
    const have = n.vsetMembers();
    return n.isActive() && have.length === want.size && have.every((m) => want.has(m));
  });
}

/** Two rings apart, converged, with the bridge not yet up. */
function twoRings(seed: number): TestNet {
  const net = new TestNet([...A, ...B], seed, NO_SELF_CHECK);
  for (let i = 0; i < 4; i++) {
    net.link(i, i + 1);
    net.link(5 + i, 6 + i);
  }
  net.start();
  net.run(40_000);
  assert.ok(ringConsistent(net, [0, 1, 2, 3, 4]), 'ring A formed');
  assert.ok(ringConsistent(net, [5, 6, 7, 8, 9]), 'ring B formed');
  return net;
}

describe('vrr/repair: rings merge through their representatives', () => {
  for (const seed of [1, 2, 3]) {
    it(`a link between two non-adjacent nodes merges two rings, along representative records (seed ${seed})`, () => {
      const net = twoRings(seed);
      const everyone = [...Array(10).keys()];
      // The bridge ends do not belong in each other's vset: no direct setup between them is worth asking.
      const a3 = net.nodes[BRIDGE_A].address;
      const b3 = net.nodes[BRIDGE_B].address;
      assert.ok(!closestOnEachSide(a3, [...A, b3], 4).has(b3));
      assert.ok(!closestOnEachSide(b3, [...B, a3], 4).has(a3));

      const mark = net.events.length;
      const healedAt = net.now;
      net.link(BRIDGE_A, BRIDGE_B);
      let mergedAt: number | null = null;
      for (let t = 0; t < 60_000 && mergedAt === null; t += 100) {
        net.run(100);
        if (ringConsistent(net, everyone)) mergedAt = net.now;
      }
      assert.ok(mergedAt !== null, 'one ring of ten within 60 s of the heal');
      // Representatives learned over the bridge reach the seams in a few hellos: the merge is quick.
      assert.ok(mergedAt - healedAt <= 20_000, `merged ${mergedAt - healedAt} ms after the heal`);

      // How it started: the first path that crosses between the rings is a direct setup toward the other ring's
      // representative (its smallest node), set up by a node of this ring, and it reached the representative.
      const after = net.events.slice(mark);
      const ringOf = (addr: number) => (A.includes(addr) ? 'A' : 'B');
      const firstCross = after.find(
        (e) => e.event.type === 'path-up' && ringOf(e.event.ea) !== ringOf(e.event.eb),
      );
      assert.ok(firstCross && firstCross.event.type === 'path-up', 'a path crossed between the rings');
      const { ea, eb } = firstCross.event;
      assert.ok(eb === A[0] || eb === B[0], `the first crossing path ends at a representative, not ${eb}`);
      const request = after.find(
        (e) =>
          e.event.type === 'setup-req' &&
          net.nodes[e.node].address === ea &&
          e.event.target === eb &&
          e.event.why === 'direct setup: representative of another ring',
      );
      assert.ok(request, 'its far end asked for it as a representative of another ring');
      const direct = everyone.reduce((s, i) => s + (net.nodes[i].counters().directSetups ?? 0), 0);
      assert.ok(direct >= 1, 'direct setups are counted');
    });
  }

  it('without the bridge the two rings stay apart (the construction holds no other link between them)', () => {
    const net = twoRings(1);
    net.run(60_000);
    assert.ok(!ringConsistent(net, [...Array(10).keys()]));
    assert.ok(ringConsistent(net, [0, 1, 2, 3, 4]) && ringConsistent(net, [5, 6, 7, 8, 9]));
  });
});
