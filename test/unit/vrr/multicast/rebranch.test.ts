// A member whose upstream link fails branches again at once (trees.ts, "Hard state, loop-free repair"): the
// stream's outage at that member is bounded by a fraction of a hello period, the time a BRANCH takes to climb
// to the tree, not by any check. The checks are set out of reach here (the re-check a change triggers, the
// periodic one and the soft refresh all ten minutes away), so only the immediate re-branch meets the bound.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { gridTopology } from '../../../sim/helpers/topologies.ts';
import { McastSim, range } from '../../../../src/sim/mcast-sim.ts';

const G: Address = 0x01005e000007;
const GAP_MS = 20;
const HELLO_MS = 1000;
/** Every safety net but the re-branch itself, out of reach of the test's time span. */
const SLOW_CHECKS = { broadcast: false, settleMs: 600_000, checkMs: 600_000, refreshMs: 600_000 };

describe('multicast: a member re-branches at once when its upstream link fails', function () {
  this.timeout(360_000);

  for (const seed of [3, 5]) {
    it(`the stream resumes at a leaf member within half a hello period (6x6 grid, seed ${seed})`, () => {
      const sim = new McastSim(gridTopology(6, 6), seed, SLOW_CHECKS);
      sim.converge();
      const names = sim.alive();
      const src = names[0];
      const members = names.filter((_, i) => i % 5 === 3);
      sim.mc(src).register(G);
      for (const m of members) sim.mc(m).join(G);
      sim.network.runFor(3000);
      const srcAddr = sim.network.addressOf(src);
      const rowOf = (n: string) =>
        sim
          .mc(n)
          .table()
          .find((t) => t.root === srcAddr && t.group === G);
      // The RVP's loss would trigger a refresh (and with it a branch) within a couple of hellos: not that link.
      const rvp = new Set(
        sim.alive().filter((n) =>
          sim
            .mc(n)
            .rvpRecords()
            .some((r) => r.group === G && r.role === 'owner'),
        ),
      );
      // A leaf member (nothing below it could branch through it and re-attach it as a relay) not hanging off the
      // RVP, whose upstream link we cut.
      const leaf = members.find((m) => {
        const r = rowOf(m);
        return r?.upstream != null && r.downstream.length === 0 && !rvp.has(sim.network.nameOf(r.upstream)!);
      });
      assert.ok(leaf, 'a leaf member exists');
      const upstream = sim.network.nameOf(rowOf(leaf)!.upstream!)!;
      const cutAt = 100;
      sim.stream(src, G, 0, 300, GAP_MS, (i) => {
        if (i === cutAt) sim.network.linkDown(leaf, upstream);
      });
      sim.network.runFor(1000);
      const got = sim.got(leaf, src, G);
      assert.equal(new Set(got).size, got.length, 'no duplicates');
      assert.deepEqual(got.slice(0, cutAt), range(0, cutAt), 'everything before the cut');
      const missed = 300 - got.length;
      const bound = HELLO_MS / 2 / GAP_MS;
      console.log(
        `      ${leaf}: outage ${missed} packets = ${missed * GAP_MS} ms after its upstream link failed`,
      );
      assert.ok(
        missed <= bound,
        `${leaf} (upstream ${upstream}) missed ${missed} packets = ${missed * GAP_MS} ms, more than half a hello period`,
      );
      assert.deepEqual(got.slice(-100), range(200, 300), 'the stream resumed');
      const row = rowOf(leaf)!;
      assert.ok(row.upstream !== null && sim.network.nameOf(row.upstream) !== upstream, 'a new upstream');
      sim.checkInvariants();
    });
  }
});
