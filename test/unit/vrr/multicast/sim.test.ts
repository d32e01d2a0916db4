// Multicast and broadcast on a 100-node random geometric graph in the simulator: a steady stream reaches every
// member exactly once; members join and leave mid-stream; a source withdraws; two sources share a group; a tree
// link fails and the stream resumes; the RVP crashes and the group survives; broadcast reaches every node once.

import assert from 'node:assert/strict';
import { BROADCAST, compareCloseness, type Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import { randomGeometricTopology } from '../../../sim/helpers/topologies.ts';
import { convergedMcastSim, range, treeProblems } from '../../../../src/sim/mcast-sim.ts';

const G: Address = 0x01005e000001;
const GAP_MS = 20;

/** Asserts `got` holds no sequence number twice. */
function assertNoDuplicates(got: number[], who: string): void {
  assert.equal(new Set(got).size, got.length, `${who} received duplicates`);
}

describe('multicast on a 100-node random geometric graph', function () {
  // Slowest (the partition while the tree forms): 2.1 s measured at a moderate load, 7.6 s with the machine's
  // two cores shared six ways.
  this.timeout(45_000);

  it('one source and 10 members: every packet of a steady stream exactly once', () => {
    const { sim, pick } = convergedMcastSim(4);
    const [src, ...members] = pick(11);
    sim.mc(src).register(G);
    for (const m of members) sim.mc(m).join(G);
    sim.network.runFor(2000);
    sim.stream(src, G, 0, 200, GAP_MS);
    sim.network.runFor(1000);
    for (const m of members) assert.deepEqual(sim.got(m, src, G), range(0, 200), m);
    assert.deepEqual(treeProblems(sim), []);
    sim.checkInvariants();
  });

  it('members join and leave mid-stream; a source withdraws', () => {
    const { sim, pick } = convergedMcastSim(5);
    const [src, leaver, joiner, ...members] = pick(12);
    sim.mc(src).register(G);
    for (const m of [leaver, ...members]) sim.mc(m).join(G);
    sim.network.runFor(2000);
    sim.stream(src, G, 0, 200, GAP_MS, (i) => {
      if (i === 100) {
        sim.mc(leaver).leave(G);
        sim.mc(joiner).join(G);
      }
    });
    sim.network.runFor(1000);
    for (const m of members) assert.deepEqual(sim.got(m, src, G), range(0, 200), m);
    const left = sim.got(leaver, src, G);
    assertNoDuplicates(left, leaver);
    assert.deepEqual(left, range(0, left.length), 'the leaver got a prefix');
    assert.ok(left.length >= 100 && left.length <= 105, `the leaver got ${left.length} packets`);
    const joined = sim.got(joiner, src, G);
    assertNoDuplicates(joined, joiner);
    assert.ok(joined.length > 0 && joined[0] <= 110, `the joiner started at ${joined[0]}`);
    assert.deepEqual(joined, range(joined[0], 200), 'the joiner got a contiguous suffix');
    assert.deepEqual(treeProblems(sim), []);
    // The leaver holds no state for the group unless it relays for others.
    for (const r of sim.mc(leaver).table()) if (r.group === G) assert.ok(r.downstream.length > 0);

    sim.mc(src).withdraw(G);
    sim.network.runFor(2000);
    assert.equal(sim.mc(src).send(G, new Uint8Array(4)), false);
    for (const n of sim.alive()) {
      assert.deepEqual(
        sim
          .mc(n)
          .table()
          .filter((r) => r.group === G),
        [],
        `${n} still holds the withdrawn source's tree`,
      );
    }
    const owner = sim.alive().find((n) =>
      sim
        .mc(n)
        .rvpRecords()
        .some((r) => r.group === G && r.role === 'owner'),
    )!;
    assert.deepEqual(
      sim
        .mc(owner)
        .rvpRecords()
        .find((r) => r.group === G)!.sources,
      [],
    );
  });

  it('two sources on one group: both streams reach every member exactly once', () => {
    const { sim, pick } = convergedMcastSim(6);
    const [a, b, ...members] = pick(12);
    sim.mc(a).register(G);
    for (const m of members) sim.mc(m).join(G);
    sim.mc(b).register(G); // after the members: the RVP tells it about them, it seeds
    sim.network.runFor(2000);
    for (let i = 0; i < 100; i++) {
      sim.mc(a).send(G, streamPayloadOf(i));
      sim.mc(b).send(G, streamPayloadOf(i));
      sim.network.runFor(GAP_MS);
    }
    sim.network.runFor(1000);
    for (const m of members) {
      assert.deepEqual(sim.got(m, a, G), range(0, 100), `${m} from ${a}`);
      assert.deepEqual(sim.got(m, b, G), range(0, 100), `${m} from ${b}`);
    }
    assert.deepEqual(treeProblems(sim), []);
  });

  it('a link on the tree fails: the stream resumes, each member gets each packet at most once', () => {
    const { sim, pick } = convergedMcastSim(7);
    const [src, ...members] = pick(11);
    sim.mc(src).register(G);
    for (const m of members) sim.mc(m).join(G);
    sim.network.runFor(2000);
    // The busiest tree link: the upstream link of the relay with the most downstreams (not the source).
    const srcAddr = sim.network.addressOf(src);
    let cut: [string, string] | null = null;
    let best = -1;
    for (const n of sim.alive()) {
      const r = sim
        .mc(n)
        .table()
        .find((t) => t.root === srcAddr && t.group === G);
      if (r?.upstream != null && r.downstream.length > best) {
        best = r.downstream.length;
        cut = [n, sim.network.nameOf(r.upstream)!];
      }
    }
    assert.ok(cut);
    sim.stream(src, G, 0, 500, GAP_MS, (i) => {
      if (i === 100) sim.network.linkDown(cut![0], cut![1]);
    });
    sim.network.runFor(2000);
    let worst = 0;
    for (const m of members) {
      const got = sim.got(m, src, G);
      assertNoDuplicates(got, m);
      const missing = 500 - got.length;
      worst = Math.max(worst, missing);
      assert.deepEqual(got.slice(-100), range(400, 500), `${m} receives again after the repair`);
    }
    console.log(
      `      outage after a tree-link failure: ${worst} packets = ${worst * GAP_MS} ms (worst member)`,
    );
    assert.deepEqual(treeProblems(sim), []);
    sim.checkInvariants();
  });

  it('a partition while the tree forms, then a heal: every member receives the stream', () => {
    const { sim, pick, names } = convergedMcastSim(8);
    const [src, ...members] = pick(11);
    // The half of the graph nearest the source (breadth-first) against the rest: members on both sides.
    const adjacent = new Map<string, string[]>();
    for (const l of randomGeometricTopology(100, 4).links) {
      adjacent.set(l.a, [...(adjacent.get(l.a) ?? []), l.b]);
      adjacent.set(l.b, [...(adjacent.get(l.b) ?? []), l.a]);
    }
    const near = new Set<string>([src]);
    const queue = [src];
    while (queue.length > 0 && near.size < names.length / 2) {
      for (const n of adjacent.get(queue.shift()!) ?? []) {
        if (!near.has(n) && near.size < names.length / 2) {
          near.add(n);
          queue.push(n);
        }
      }
    }
    sim.mc(src).register(G);
    for (const m of members) sim.mc(m).join(G);
    sim.network.runFor(50); // the branches are on their way when the network splits
    sim.network.partition([[...near], names.filter((n) => !near.has(n))]);
    sim.network.runFor(30_000);
    sim.network.heal();
    sim.network.runFor(30_000);
    sim.stream(src, G, 0, 100, GAP_MS);
    sim.network.runFor(2000);
    const far = members.filter((m) => !near.has(m));
    assert.ok(far.length > 0, 'some members were cut off');
    for (const m of members)
      assert.deepEqual(sim.got(m, src, G), range(0, 100), `${m} (${near.has(m) ? 'near' : 'far'} side)`);
    assert.deepEqual(treeProblems(sim), []);
    sim.checkInvariants();
  });

  it('the RVP crashes: its replica takes over, the stream goes on and a new member joins', () => {
    const { sim, names, pick } = convergedMcastSim(8);
    const key = groupKey(G);
    // The RVP: the node whose address is closest to the group's key. Sources and members avoid it.
    const rvp = [...names].sort((a, b) =>
      compareCloseness(key, sim.network.addressOf(a), sim.network.addressOf(b)),
    )[0];
    const [src, late, ...members] = pick(12, [rvp]);
    sim.mc(src).register(G);
    for (const m of members) sim.mc(m).join(G);
    sim.network.runFor(2000);
    assert.ok(
      sim
        .mc(rvp)
        .rvpRecords()
        .some((r) => r.group === G && r.role === 'owner'),
      'the closest node is the RVP',
    );
    assert.ok(
      names.filter((n) =>
        sim
          .mc(n)
          .rvpRecords()
          .some((r) => r.group === G && r.role === 'replica'),
      ).length >= 1,
      'replicas exist',
    );
    const survivors = members;
    sim.stream(src, G, 0, 100, GAP_MS);
    sim.network.crash(rvp);
    sim.network.runFor(15_000);
    const owners = sim.alive().filter((n) =>
      sim
        .mc(n)
        .rvpRecords()
        .some((r) => r.group === G && r.role === 'owner'),
    );
    assert.equal(owners.length, 1, `one new RVP (found ${owners.join(',')})`);
    sim.mc(late).join(G);
    sim.network.runFor(2000);
    sim.stream(src, G, 100, 100, GAP_MS);
    sim.network.runFor(1000);
    for (const m of survivors) {
      const got = sim.got(m, src, G);
      assertNoDuplicates(got, m);
      assert.deepEqual(got.slice(-100), range(100, 200), m);
    }
    assert.deepEqual(sim.got(late, src, G), range(100, 200), 'the member that joined after the crash');
    assert.deepEqual(treeProblems(sim), []);
  });

  it('broadcast from any node reaches all 100 nodes exactly once', () => {
    const { sim, names } = convergedMcastSim(9);
    sim.network.runFor(10_000); // every node has branched onto the broadcast tree
    const rng = createRng(3);
    const senders = [names[0], names[99], ...Array.from({ length: 3 }, () => rng.pick(names))];
    for (const s of senders) sim.stream(s, BROADCAST, 0, 5, GAP_MS);
    sim.network.runFor(1000);
    for (const s of new Set(senders)) {
      for (const n of names) {
        if (n === s) continue;
        const expected = senders.filter((x) => x === s).flatMap(() => range(0, 5));
        assert.deepEqual(
          sim.got(n, s, BROADCAST).sort((x, y) => x - y),
          expected.sort((x, y) => x - y),
          `${n} from ${s}`,
        );
      }
    }
    assert.deepEqual(treeProblems(sim), []);
  });
});

function streamPayloadOf(i: number): Uint8Array {
  const p = new Uint8Array(400);
  new DataView(p.buffer).setUint32(0, i);
  return p;
}
