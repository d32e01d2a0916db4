// The RVP's records and their copies (src/vrr/multicast/rendezvous.ts, the checks of multicast.ts): the owner
// copies its record to its virtual neighbours on every change (and only then), a new virtual neighbour gets a copy
// at once, a replica that becomes the closest node takes over when the RVP goes, an owner that no longer is the
// closest hands its record on, and a member or source that loses its RVP asks again within two hello periods.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { MCAST_MAX_LISTED } from '../../../../src/vrr/wire/options/mcast-membership.ts';
import { McastOptionType, type McastMembershipOption } from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { deliveredTo, G, groupPacket, permutations, reorder } from './mcast-kit.ts';

const S: Address = 0x020000000001; // source
const M: Address = 0x020000000002; // member
const L: Address = 0x020000000003; // joins late
const R: Address = 0x020000000009; // the RVP: closest to G's key
const V: Address = 0x02000000000a; // R's virtual neighbour: next closest
const W: Address = 0x02000000000b; // V's other virtual neighbour
const K = groupKey(G);
const REFRESH = 10_000;

/** Every node linked to every other, direct routes; R is the closest to G's key, everyone routes K to R. */
function mesh(): FakeNet {
  const all = [S, M, L, R, V, W];
  const net = new FakeNet(all, { refreshMs: REFRESH });
  for (const a of all) {
    for (const b of all) if (a < b) net.link(a, b);
    for (const b of all) if (a !== b) net.route(a, b, b);
    if (a !== R) net.route(a, K, R);
  }
  net.vsets.set(R, [V]);
  net.vsets.set(V, [R, W]);
  return net;
}

/** Counts the membership options of each type delivered from now on. */
function countDelivered(net: FakeNet): Map<number, number> {
  const seen = new Map<number, number>();
  const deliver = net.deliver.bind(net);
  net.deliver = (i = 0) => {
    const t = net.queue[i].option?.type;
    if (t !== undefined) seen.set(t, (seen.get(t) ?? 0) + 1);
    deliver(i);
  };
  return seen;
}

/** The REPLICATE options delivered from now on, in order. */
function copiesDelivered(net: FakeNet): McastMembershipOption[] {
  const copies: McastMembershipOption[] = [];
  const deliver = net.deliver.bind(net);
  net.deliver = (i = 0) => {
    const o = net.queue[i].option;
    if (o?.type === McastOptionType.REPLICATE) copies.push(o);
    deliver(i);
  };
  return copies;
}

function record(net: FakeNet, node: Address): string {
  return net.mc
    .get(node)!
    .rvpRecords()
    .map((r) => `${r.role} s=${[...r.sources].sort()} m=${[...r.members].sort()}`)
    .join('; ');
}

describe('multicast: RVP records and their replicas', () => {
  it('the RVP copies its record to its virtual neighbours on every change, and only then', () => {
    const net = mesh();
    const seen = countDelivered(net);
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    assert.equal(record(net, R), `owner s=${S} m=${M}`);
    assert.equal(record(net, V), `replica s=${S} m=${M}`);
    assert.equal(record(net, W), '', 'W is no virtual neighbour of R');
    assert.equal(seen.get(McastOptionType.REPLICATE), 2, 'one copy per change');
    net.advance(3 * REFRESH);
    assert.ok(net.count(M, 'mcast.refresh') >= 2);
    assert.equal(seen.get(McastOptionType.REPLICATE), 2, 'refreshes change nothing: no copy');
    net.mc.get(M)!.leave(G);
    net.flush();
    assert.equal(record(net, V), `replica s=${S} m=`);
    assert.equal(seen.get(McastOptionType.REPLICATE), 3);
  });

  it('a new virtual neighbour of the RVP gets a copy at once; a replica does not pass copies on', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    net.vsets.set(R, [V, W]);
    net.mc.get(R)!.onVsetChange([W], []);
    net.flush();
    assert.equal(record(net, W), `replica s=${S} m=${M}`);
    net.mc.get(L)!.onVsetChange([L], []);
    net.mc.get(V)!.onVsetChange([L], []);
    net.flush();
    assert.equal(record(net, L), '', 'only the owner replicates');
  });

  it('when the RVP goes, its replica (now the closest) takes over, copies the record on, and the parties ask it again', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const joinsBefore = net.count(M, 'mcast.refresh');
    // R crashes: every link to it fails, and routes toward G's key now end at V.
    for (const a of [S, M, L, V, W]) {
      net.route(a, K, V);
      net.cut(a, R);
    }
    net.routes.get(V)!.delete(K);
    net.vsets.set(V, [W]);
    net.mc.get(V)!.onVsetChange([W], [R]);
    net.advance(100); // past settleMs: V's check
    assert.equal(record(net, V), `owner s=${S} m=${M}`, 'took over');
    assert.equal(record(net, W), `replica s=${S} m=${M}`, 'and copied the record to its vset');
    net.advance(2000); // the parties that had R as their RVP ask again within two hello periods
    assert.ok(net.count(M, 'mcast.refresh') > joinsBefore, 'M joined again');
    assert.ok(net.count(S, 'mcast.refresh') >= 1, 'S registered again');
    // A late member gets the source from the new RVP and the stream.
    net.mc.get(L)!.join(G);
    net.flush();
    net.delivered.length = 0;
    net.mc.get(S)!.onGroupData(groupPacket(S, 1), S);
    net.flush();
    assert.deepEqual(
      deliveredTo(net),
      [M, L].sort((a, b) => a - b),
    );
  });

  it('an owner that is no longer the closest hands its record on to the node that is', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    // W turns out to be closer to G's key than R: every route toward the key ends there now.
    for (const a of [S, M, L, R, V]) net.route(a, K, W);
    net.routes.get(W)!.delete(K);
    net.mc.get(R)!.onNeighborLinked();
    net.advance(100);
    assert.equal(record(net, R), `replica s=${S} m=${M}`, 'R handed off');
    assert.equal(record(net, W), `owner s=${S} m=${M}`, 'W owns the record');
  });

  it('a member that loses a neighbour that was not its RVP asks nobody again', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const before = net.count(M, 'mcast.refresh');
    net.cut(M, W);
    net.advance(3000);
    assert.equal(net.count(M, 'mcast.refresh'), before);
  });
});

describe('multicast: RVP roles and answers', () => {
  it('a check changes nothing where the roles are right (owner closest, replica not)', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const seen = countDelivered(net);
    net.mc.get(R)!.onNeighborLinked();
    net.mc.get(V)!.onNeighborLinked();
    net.advance(100);
    assert.deepEqual([...seen], [], 'nothing sent');
    assert.equal(record(net, R), `owner s=${S} m=${M}`);
    assert.equal(record(net, V), `replica s=${S} m=${M}`);
  });

  it('two nodes that both believe they own the group: one change is copied back once, then nothing', () => {
    const net = mesh();
    net.routes.get(V)!.delete(K); // V too believes it is the closest
    net.vsets.set(V, [R]);
    const seen = countDelivered(net);
    net.mc.get(S)!.register(G);
    net.flush(); // throws if the record bounced between them forever
    assert.equal(seen.get(McastOptionType.REPLICATE), 2, 'R to V, V back to R: the same record, no more');
    net.mc.get(M)!.join(G);
    net.flush();
    assert.equal(seen.get(McastOptionType.REPLICATE), 4);
    assert.equal(record(net, R), `owner s=${S} m=${M}`);
    assert.equal(record(net, V), `owner s=${S} m=${M}`);
  });

  it('two would-be owners answering a REGISTER and a JOIN in the same instant swap two copies each, in any order, and both hold both parties', () => {
    // The copies cross: each owner's first copy lacks the other's newcomer. Taken as they were, each would
    // overwrite the other's record with an older copy and copy it back, forever; merged, they settle.
    const orders = permutations(4);
    for (const order of orders) {
      const net = mesh();
      net.routes.get(V)!.delete(K); // V too believes it is the closest
      net.route(M, K, V); // and M's JOIN reaches V, while S's REGISTER reaches R
      net.vsets.set(V, [R]);
      const seen = countDelivered(net);
      net.mc.get(S)!.register(G);
      net.mc.get(M)!.join(G);
      net.deliver(0); // the REGISTER at R: MEMBERS to S, a copy to V
      net.deliver(0); // the JOIN at V: SOURCES to M, a copy to R
      reorder(net, order);
      net.flush(100); // throws if the copies went on bouncing
      const why = `order ${order}`;
      assert.equal(seen.get(McastOptionType.REPLICATE), 4, `${why}: two copies each way`);
      assert.equal(record(net, R), `owner s=${S} m=${M}`, why);
      assert.equal(record(net, V), `owner s=${S} m=${M}`, why);
      // Now in step, a LEAVE handled at V reaches R in one copy (V had R's latest version: R takes it as is).
      net.mc.get(M)!.leave(G);
      net.flush(100);
      assert.equal(seen.get(McastOptionType.REPLICATE), 6, `${why}: the LEAVE copied and copied back`);
      assert.equal(record(net, R), `owner s=${S} m=`, why);
      assert.equal(record(net, V), `owner s=${S} m=`, why);
    }
  });

  it('an owner does not forget a party on an older copy, only on a copy made from its current record', () => {
    const net = mesh();
    const copies = copiesDelivered(net);
    net.mc.get(S)!.register(G);
    net.flush();
    const first = copies.at(-1)!; // R's record holding S alone
    net.mc.get(M)!.join(G);
    net.flush();
    const current = copies.at(-1)!.version!; // R's record holding S and M
    assert.ok(current !== first.version, 'a change moves the version on');
    const r = net.mc.get(R)!;
    // V (believing it owns the group for a moment) copies back the record R sent first: R keeps M.
    const stale = { ...first, target: R, origin: V, version: 7 };
    r.onOption({ ...stale, seen: 0 }, V);
    r.onOption({ ...stale, seen: first.version }, V);
    net.flush();
    assert.equal(record(net, R), `owner s=${S} m=${M}`, 'older copies are merged: M kept');
    // A copy made from R's current record without M (V handled M's LEAVE) is the newer one: taken as it is.
    r.onOption({ ...stale, seen: current }, V);
    net.flush();
    assert.equal(record(net, R), `owner s=${S} m=`);
  });

  it("a party merged from a third node's copy moves the version on: a copy made from the version before it is merged", () => {
    const net = mesh();
    const copies = copiesDelivered(net);
    net.mc.get(S)!.register(G);
    net.flush();
    const mine = copies.at(-1)!; // R's record, S alone: V had this version
    const r = net.mc.get(R)!;
    // W, believing it owns the group for a moment, copies its record (M) to R: R merges it.
    r.onOption({ ...mine, target: R, origin: W, members: [M], version: 1, seen: 0 }, W);
    net.flush();
    assert.equal(record(net, R), `owner s=${S} m=${M}`);
    // V's copy made from R's record before the merge lacks M: older, merged.
    r.onOption({ ...mine, target: R, origin: V, version: 1, seen: mine.version }, V);
    net.flush();
    assert.equal(record(net, R), `owner s=${S} m=${M}`, 'M kept');
  });

  it('a copy whose list is cut to its half of the option may be partial: merged, even when made from the current record', () => {
    const net = mesh();
    const copies = copiesDelivered(net);
    net.mc.get(S)!.register(G);
    net.flush();
    const r = net.mc.get(R)!;
    const cut = MCAST_MAX_LISTED >> 1;
    const many = Array.from({ length: cut + 5 }, (_, i) => 0x030000000000 + i);
    for (const m of many)
      r.onOption(
        {
          type: McastOptionType.JOIN,
          hopCount: 0,
          hopLimit: 8,
          target: K,
          group: G,
          origin: m,
          sources: [],
          members: [],
        },
        S,
      );
    net.flush();
    const current = copies.at(-1)!;
    assert.equal(current.members.length, cut, 'the copies R sends are cut');
    r.onOption({ ...current, target: R, origin: V, version: 1, seen: current.version }, V);
    net.flush();
    assert.equal(r.rvpRecords()[0].members.length, cut + 5, 'R keeps every member');
  });

  it('a hand-off reaching a replica that is now the closest is merged into its copy', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    assert.equal(record(net, V), `replica s=${S} m=${M}`);
    // Routes toward the key end at V now; before V's check, W hands on a record of its own (L only).
    net.routes.get(V)!.delete(K);
    const handOff = {
      type: McastOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: 8,
      target: K,
      group: G,
      origin: W,
    };
    net.mc.get(V)!.onOption({ ...handOff, sources: [], members: [L], version: 1, seen: 0 }, W);
    net.flush();
    assert.equal(record(net, V), `owner s=${S} m=${[M, L].sort()}`);
  });

  it('a replica that is now the closest and gets a copy it holds already takes over and copies it on', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    net.routes.get(V)!.delete(K); // V is the closest now (R has not noticed)
    const copy = {
      type: McastOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: 8,
      target: V,
      group: G,
      origin: R,
    };
    net.mc.get(V)!.onOption({ ...copy, sources: [S], members: [M], version: 2, seen: 0 }, R);
    net.flush();
    assert.equal(record(net, V), `owner s=${S} m=${M}`);
    assert.equal(record(net, W), `replica s=${S} m=${M}`, 'copied on to its virtual neighbour W');
  });

  it('an owner that is no longer the closest and gets a copy lacking a party hands the party on', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    // W is the closest now; R has not noticed yet, and W's copy of a record of its own (S only) reaches R.
    for (const a of [S, M, L, R, V]) net.route(a, K, W);
    net.routes.get(W)!.delete(K);
    const copy = {
      type: McastOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: 8,
      target: R,
      group: G,
      origin: W,
    };
    net.mc.get(R)!.onOption({ ...copy, sources: [S], members: [], version: 1, seen: 0 }, W);
    net.flush();
    assert.equal(record(net, R), `replica s=${S} m=${M}`, 'R keeps M');
    assert.equal(record(net, W), `owner s=${S} m=${M}`, 'and hands M on to W');
  });

  it('a request reaching a replica (routes moved) makes it the owner, answered and copied on', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    // Routes toward the key end at V now (R is still up), and V learns it at the next request.
    for (const a of [S, M, L, W]) net.route(a, K, V);
    net.routes.get(V)!.delete(K);
    net.vsets.set(V, [W]);
    net.mc.get(L)!.join(G);
    net.flush();
    assert.equal(record(net, V), `owner s=${S} m=${[M, L].sort()}`);
    assert.equal(record(net, W), `replica s=${S} m=${[M, L].sort()}`);
    assert.ok(
      net.mc
        .get(L)!
        .table()
        .some((t) => t.root === S),
      'L got the source from V',
    );
  });

  /** Delivers what is queued (and what that sends) without firing any timer. */
  function drain(net: FakeNet): void {
    while (net.queue.length > 0) net.deliver(0);
  }

  it('tells the members of a new source seedWaitMs later, unless it withdrew meanwhile', () => {
    for (const withdraw of [false, true]) {
      const net = mesh();
      net.mc.get(M)!.join(G);
      net.flush();
      net.blackhole = (m) => m.option?.type === McastOptionType.SEED; // the seed is lost: only the notice helps
      const seen = countDelivered(net);
      net.mc.get(S)!.register(G);
      drain(net);
      if (withdraw) {
        net.mc.get(S)!.withdraw(G);
        drain(net);
      }
      assert.equal(seen.get(McastOptionType.SOURCES) ?? 0, 0, 'not yet');
      net.advance(1500); // past seedWaitMs (one hello)
      const sources = seen.get(McastOptionType.SOURCES) ?? 0;
      assert.equal(sources > 0, !withdraw, withdraw ? 'a withdrawn source is not announced' : 'M is told');
    }
  });

  it('a member gone from the record is not told of a new source', () => {
    const net = mesh();
    net.mc.get(M)!.join(G);
    net.flush();
    const seen = countDelivered(net);
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.leave(G);
    drain(net);
    net.advance(1500);
    assert.equal(seen.get(McastOptionType.SOURCES) ?? 0, 0);
  });

  it('MEMBERS for a group this node does not source, and SOURCES for one it did not join, are ignored', () => {
    const net = mesh();
    const m = net.mc.get(M)!;
    const base = { hopCount: 0, hopLimit: 0, target: M, group: G, origin: R } as const;
    m.onOption({ ...base, type: McastOptionType.SOURCES, sources: [S], members: [] }, R);
    m.onOption({ ...base, type: McastOptionType.MEMBERS, sources: [], members: [L] }, R);
    net.flush();
    assert.deepEqual(m.table(), [], 'no tree');
    assert.equal(net.count(M, 'mcast.seed'), 0);
  });

  it('a membership request at its hop limit is dropped short of the RVP (counted)', () => {
    const net = mesh();
    net.mc.get(M)!.onOption(
      {
        type: McastOptionType.JOIN,
        hopCount: 5,
        hopLimit: 5,
        target: K,
        group: G,
        origin: L,
        sources: [],
        members: [],
      },
      L,
    );
    net.flush();
    assert.equal(net.count(M, 'mcast.drop.hopLimit'), 1);
    assert.equal(record(net, R), '', 'the RVP never heard of it');
  });
});
