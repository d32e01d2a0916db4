// Multicast on a 100-node random geometric graph, the parts issue #4's last round added: a tree the source
// starts (SEED) delivers exactly once; a JOIN lost on its way to the RVP is retried and answered; the RVP and
// every replica of its record crash together and the group recovers from the members' and source's refresh
// while the stream goes on.

import assert from 'node:assert/strict';
import { compareCloseness, type Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import type { VrrNode } from '../../../../src/vrr/node.ts';
import { convergedMcastSim, range, treeProblems, type McastSim } from '../../../../src/sim/mcast-sim.ts';

const G: Address = 0x01005e000001;
const GAP_MS = 20;

/** Node `name`'s counter. */
function counter(sim: McastSim, name: string, what: string): number {
  return sim.network.node(name)!.counters()[what] ?? 0;
}

/** The nodes holding G's record as owner or replica. */
function holders(sim: McastSim, role: 'owner' | 'replica'): string[] {
  return sim.alive().filter((n) =>
    sim
      .mc(n)
      .rvpRecords()
      .some((r) => r.group === G && r.role === role),
  );
}

describe('multicast recovery on a 100-node random geometric graph', function () {
  it('a source that registers after its 10 members seeds the tree: every packet exactly once', () => {
    const { sim, pick } = convergedMcastSim(11);
    const [src, ...members] = pick(11);
    const srcAddr = sim.network.addressOf(src);
    // How each member got on (src, G)'s tree: 'seeded' (the seed installed it) or a branch of its own.
    const how = new Map<string, string>();
    sim.network.onEvent(({ node, event }) => {
      if (event.type === 'mcast-tree' && event.root === srcAddr && members.includes(node) && !how.has(node))
        if (event.upstream !== null) how.set(node, event.why);
    });
    for (const m of members) sim.mc(m).join(G);
    sim.network.runFor(2000); // every member is known to the RVP, no source yet
    sim.mc(src).register(G);
    sim.network.runFor(2000);
    assert.equal(counter(sim, src, 'mcast.seed'), members.length, 'one seed per member');
    const branched = members.filter((m) => how.get(m) !== 'seeded');
    console.log(
      `      seeded tree: ${members.length - branched.length}/${members.length} members attached by the seed alone`,
    );
    assert.ok(
      2 * branched.length <= members.length,
      `members that had to branch: ${branched.map((m) => `${m} (${how.get(m)})`)}`,
    );
    sim.stream(src, G, 0, 200, GAP_MS);
    sim.network.runFor(1000);
    for (const m of members) assert.deepEqual(sim.got(m, src, G), range(0, 200), m);
    assert.deepEqual(treeProblems(sim), []);
    sim.checkInvariants();
  });

  it('a JOIN lost on its way to the RVP (its first hop crashes) is retried and answered', () => {
    const { sim, pick } = convergedMcastSim(12);
    const key = groupKey(G);
    const [src, ...others] = pick(12);
    sim.mc(src).register(G);
    sim.network.runFor(1000);
    // A member whose first hop toward the RVP is neither the source nor the RVP itself.
    const member = others.find((m) => {
      const hop = (sim.network.node(m) as unknown as VrrNode).services.nextHop(key);
      return hop.kind === 'forward' && hop.endpoint !== hop.via && sim.network.nameOf(hop.via) !== src;
    })!;
    const hop = (sim.network.node(member) as unknown as VrrNode).services.nextHop(key);
    assert.equal(hop.kind, 'forward');
    const relay = sim.network.nameOf(hop.kind === 'forward' ? hop.via : 0)!;
    sim.mc(member).join(G);
    sim.network.crash(relay); // the JOIN is in flight to it: lost
    sim.network.runFor(20_000);
    assert.ok(counter(sim, member, 'mcast.request.retry') >= 1, 'the JOIN was sent again');
    assert.ok(counter(sim, member, 'mcast.request.acked') >= 1, 'and answered');
    assert.equal(counter(sim, member, 'mcast.request.failed'), 0);
    const owner = holders(sim, 'owner');
    assert.equal(owner.length, 1);
    assert.ok(
      sim
        .mc(owner[0])
        .rvpRecords()
        .find((r) => r.group === G)!
        .members.includes(sim.network.addressOf(member)),
    );
    sim.stream(src, G, 0, 50, GAP_MS);
    sim.network.runFor(1000);
    assert.deepEqual(sim.got(member, src, G), range(0, 50));
  });

  it('the RVP and every replica crash mid-stream: the stream goes on, the refresh rebuilds the record', () => {
    const { sim, names, pick } = convergedMcastSim(8);
    const key = groupKey(G);
    const rvp = [...names].sort((a, b) =>
      compareCloseness(key, sim.network.addressOf(a), sim.network.addressOf(b)),
    )[0];
    // Let the first members' JOINs place the record, then find its holders.
    const provisional = pick(12, [rvp]);
    const [src, late, ...members] = provisional;
    sim.mc(src).register(G);
    for (const m of members) sim.mc(m).join(G);
    sim.network.runFor(2000);
    assert.deepEqual(holders(sim, 'owner'), [rvp]);
    const replicas = holders(sim, 'replica');
    assert.ok(replicas.length >= 1, 'replicas exist');
    const lost = [rvp, ...replicas];
    const survivors = members.filter((m) => !lost.includes(m));
    assert.ok(!lost.includes(src) && !lost.includes(late), 'the source and the late member survive');
    const refreshMs = 10 * 1000; // default: 10 hello periods of 1 s
    let crashedAt = 0;
    sim.stream(src, G, 0, 300, GAP_MS, (i) => {
      if (i === 100) {
        for (const n of lost) sim.network.crash(n);
        crashedAt = sim.network.now();
      }
    });
    // The record comes back at the new owner from the refreshes (within one refresh period, ±25 %).
    const wholeRecord = () => {
      const owners = holders(sim, 'owner');
      if (owners.length !== 1) return false;
      const rec = sim
        .mc(owners[0])
        .rvpRecords()
        .find((r) => r.group === G)!;
      return (
        rec.sources.includes(sim.network.addressOf(src)) &&
        survivors.every((m) => rec.members.includes(sim.network.addressOf(m)))
      );
    };
    const rebuiltAt = sim.network.runUntilTrue(wholeRecord, {
      everyMs: 100,
      deadlineMs: crashedAt + 2 * refreshMs,
    });
    assert.ok(rebuiltAt !== null, 'the new RVP holds the whole record again');
    sim.mc(late).join(G);
    sim.network.runFor(2000);
    sim.stream(src, G, 300, 100, GAP_MS);
    sim.network.runFor(1000);
    let worst = 0;
    for (const m of survivors) {
      const got = sim.got(m, src, G);
      assert.equal(new Set(got).size, got.length, `${m} received duplicates`);
      assert.deepEqual(got.slice(-100), range(300, 400), `${m} after the recovery`);
      worst = Math.max(worst, 400 - got.length);
    }
    assert.deepEqual(sim.got(late, src, G), range(300, 400), 'the member that joined after the crash');
    console.log(
      `      RVP + ${replicas.length} replicas crashed: record rebuilt after ${((rebuiltAt! - crashedAt) / 1000).toFixed(1)} s; stream outage ${worst} packets = ${worst * GAP_MS} ms (worst member)`,
    );
    assert.deepEqual(treeProblems(sim), []);
    sim.checkInvariants();
  });
});
