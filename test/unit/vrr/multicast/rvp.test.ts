// The RVP's records and their copies (src/vrr/multicast/rendezvous.ts, the checks of multicast.ts): the owner
// copies its record to its virtual neighbours on every change (and only then), a new virtual neighbour gets a copy
// at once, a replica that becomes the closest node takes over when the RVP goes, an owner that no longer is the
// closest hands its record on, and a member or source that loses its RVP asks again within two hello periods.
// Then the bookkeeping around them: the late notice of a new source, what a source takes from MEMBERS (seeds only
// on an answer, only new members, capped), what the RVP sends for each request and at its caps, the cut of lists
// to the option's room, the senders' versions remembered, the soft refresh and a stopped node.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { MCAST_MAX_LISTED } from '../../../../src/vrr/wire/options/mcast-membership.ts';
import { McastOptionType, type McastMembershipOption } from '../../../../src/vrr/wire/types.ts';
import { MAX_GROUP_PARTIES, MAX_RVP_GROUPS } from '../../../../src/vrr/limits.ts';
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

/** The membership options delivered from now on, with their hop's ends, in order. */
function optionsDelivered(net: FakeNet): { from: Address; to: Address; o: McastMembershipOption }[] {
  const out: { from: Address; to: Address; o: McastMembershipOption }[] = [];
  const deliver = net.deliver.bind(net);
  net.deliver = (i = 0) => {
    const m = net.queue[i];
    if (m.option !== undefined && m.option.type >= 0x20 && m.option.type <= 0x26)
      out.push({ from: m.from, to: m.to, o: m.option as McastMembershipOption });
    deliver(i);
  };
  return out;
}

/** The SOURCES notices the RVP R sent to `to` among `seen` (not a source's seed hint). */
function noticesTo(seen: ReturnType<typeof optionsDelivered>, to: Address): Address[][] {
  return seen
    .filter((d) => d.o.type === McastOptionType.SOURCES && d.o.origin === R && d.o.target === to)
    .map((d) => d.o.sources);
}

describe('multicast: the late notice of a new source (tellMembersLater)', () => {
  /** Delivers what is queued (and what that sends) without firing any timer. */
  function drain(net: FakeNet): void {
    while (net.queue.length > 0) net.deliver(0);
  }

  // Pins the first notice check: an RVP stopped meanwhile sends nothing (a stopped node must stay silent).
  it('an RVP stopped before seedWaitMs tells nobody', () => {
    const net = mesh();
    net.mc.get(M)!.join(G);
    net.flush();
    const seen = optionsDelivered(net);
    net.mc.get(S)!.register(G);
    drain(net);
    net.mc.get(R)!.onStop();
    net.advance(1500);
    assert.deepEqual(noticesTo(seen, M), []);
  });

  // Pins the role check: an RVP that handed the record on before seedWaitMs sends no notice (a replica answers for
  // nobody; a member the seeds missed gets the source from the new owner's answer to its next refresh).
  it('an RVP that handed its record on before seedWaitMs tells nobody', () => {
    const net = mesh();
    net.mc.get(M)!.join(G);
    net.flush();
    const seen = optionsDelivered(net);
    net.mc.get(S)!.register(G);
    drain(net);
    assert.equal(record(net, R), `owner s=${S} m=${M}`);
    for (const a of [S, M, L, R, V]) net.route(a, K, W); // W is the closest now
    net.routes.get(W)!.delete(K);
    net.mc.get(R)!.onNeighborLinked();
    net.advance(1500); // R's check (settleMs) hands off, then seedWaitMs passes
    assert.equal(record(net, R), `replica s=${S} m=${M}`, 'R handed off');
    assert.deepEqual(noticesTo(seen, M), []);
  });

  // Pins the control case of the two above and the member filter: the notice goes to each listed member still in
  // the record but never to the new source itself, even when it is a member too.
  it('tells every member still listed, but not the source itself when it is a member', () => {
    const net = mesh();
    net.mc.get(S)!.join(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const seen = optionsDelivered(net);
    net.mc.get(S)!.register(G);
    drain(net);
    net.advance(1500);
    assert.deepEqual(noticesTo(seen, M), [[S]], 'M told once, of S');
    assert.deepEqual(noticesTo(seen, S), [], 'S is not told of itself');
  });
});

describe('multicast: the source side of MEMBERS', () => {
  // Pins the seeding only on an answer: a notice of a newcomer (sent at its JOIN) only records it, since the
  // newcomer branches itself from the SOURCES it got; seeding too would build its branch twice.
  it('a notice of a new member seeds nothing; the answer to a REGISTER seeds each listed member once', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.flush();
    net.mc.get(M)!.join(G);
    net.flush();
    assert.equal(net.count(S, 'mcast.seed'), 0, 'the notice of M seeds nothing');
    assert.ok(
      net.mc
        .get(M)!
        .table()
        .some((t) => t.root === S && t.upstream === S),
      'M branched to S itself',
    );
    net.mc.get(S)!.withdraw(G); // S forgets what it knew of G
    net.flush();
    net.mc.get(L)!.join(G);
    net.flush();
    net.mc.get(S)!.register(G); // the answer lists M and L: both seeded
    net.flush();
    assert.equal(net.count(S, 'mcast.seed'), 2);
  });

  // Pins the skip of the source itself: a source that is also a member is listed in its own answer, and neither
  // seeds itself nor counts itself among the members it knows; it does count itself among the group's sources,
  // as it would had it joined after registering (the order of the two calls leaves the same tables).
  it('a source that is also a member skips itself, whichever it did first', () => {
    const sizes: Record<string, number>[] = [];
    for (const joinFirst of [true, false]) {
      const net = mesh();
      const s = net.mc.get(S)!;
      if (joinFirst) s.join(G);
      else s.register(G);
      net.flush();
      if (joinFirst) s.register(G);
      else s.join(G);
      net.flush();
      const why = joinFirst ? 'joined, then registered' : 'registered, then joined';
      assert.equal(net.count(S, 'mcast.seed.stopped'), 0, `${why}: no seed toward itself`);
      assert.equal(net.count(S, 'mcast.seed'), 0, why);
      sizes.push(s.tableSizes());
    }
    assert.deepEqual(sizes[0], sizes[1]);
    assert.equal(sizes[0].mcastPartiesOfOneGroup, 1, 'S: one source of G (itself), no member to seed');
  });

  // Pins the cap on what a source knows of its members (limits.ts MAX_GROUP_PARTIES): past it a listed member is
  // dropped and counted, in every message that brings one.
  it('a source knows at most MAX_GROUP_PARTIES members; one more is dropped (counted)', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.flush();
    const s = net.mc.get(S)!;
    const notice = (members: Address[]): McastMembershipOption => ({
      type: McastOptionType.MEMBERS,
      hopCount: 0,
      hopLimit: 8,
      target: S,
      group: G,
      origin: R,
      sources: [],
      members,
    });
    const all = Array.from({ length: MAX_GROUP_PARTIES + 2 }, (_, i) => 0x030000000000 + i);
    for (let i = 0; i < MAX_GROUP_PARTIES; i += 200)
      s.onOption(notice(all.slice(i, Math.min(i + 200, MAX_GROUP_PARTIES))), R);
    assert.equal(s.tableSizes().mcastPartiesOfOneGroup, MAX_GROUP_PARTIES);
    assert.equal(net.count(S, 'cap.mcast.parties'), 0);
    s.onOption(notice(all.slice(MAX_GROUP_PARTIES)), R);
    assert.equal(s.tableSizes().mcastPartiesOfOneGroup, MAX_GROUP_PARTIES);
    assert.equal(net.count(S, 'cap.mcast.parties'), 1, 'once per message');
    s.onOption(notice([all[0]]), R);
    assert.equal(net.count(S, 'cap.mcast.parties'), 1, 'a member known already is no new one');
  });
});

describe('multicast: the RVP at its caps (limits.ts, the default caps)', () => {
  /** A request from `origin` for `group`, as it reaches the RVP. */
  function request(
    type: McastMembershipOption['type'],
    group: Address,
    origin: Address,
  ): McastMembershipOption {
    return {
      type,
      hopCount: 1,
      hopLimit: 8,
      target: groupKey(group),
      group,
      origin,
      sources: [],
      members: [],
    };
  }

  // Pins MAX_RVP_GROUPS at the RVP: a request for one group more goes unanswered (the requester retries and
  // refreshes), a copy of one more is dropped, and both are counted; the groups held are still served.
  it('holds at most MAX_RVP_GROUPS records: a request or a copy for one more is dropped (counted)', () => {
    const net = mesh();
    const r = net.mc.get(R)!;
    const groups = Array.from({ length: MAX_RVP_GROUPS + 1 }, (_, i) => 0x01005e100000 + i);
    for (const g of groups.slice(0, MAX_RVP_GROUPS)) r.onOption(request(McastOptionType.JOIN, g, M), M);
    net.queue.length = 0; // the answers and copies
    assert.equal(r.tableSizes().rvpGroups, MAX_RVP_GROUPS);
    const extra = groups[MAX_RVP_GROUPS];
    r.onOption(request(McastOptionType.JOIN, extra, M), M);
    assert.equal(net.queue.length, 0, 'unanswered');
    r.onOption({ ...request(McastOptionType.REPLICATE, extra, V), target: R, members: [M], version: 1 }, V);
    assert.equal(r.tableSizes().rvpGroups, MAX_RVP_GROUPS);
    assert.equal(net.count(R, 'cap.mcast.groups'), 2);
    r.onOption(request(McastOptionType.JOIN, groups[0], L), L);
    assert.equal(
      r.rvpRecords().find((x) => x.group === groups[0])!.members.length,
      2,
      'a held group still grows',
    );
  });

  // Pins MAX_GROUP_PARTIES in a record: one member more goes unanswered (counted), while a member already listed
  // is answered again (its refresh must not look like a newcomer).
  it('a record holds at most MAX_GROUP_PARTIES members: one more goes unanswered, a listed one is answered', () => {
    const net = mesh();
    const r = net.mc.get(R)!;
    const members = Array.from({ length: MAX_GROUP_PARTIES + 1 }, (_, i) => 0x030000000000 + i);
    for (const m of members) net.route(R, m, S); // the answers go out through S
    for (const m of members.slice(0, MAX_GROUP_PARTIES)) r.onOption(request(McastOptionType.JOIN, G, m), m);
    net.queue.length = 0;
    r.onOption(request(McastOptionType.JOIN, G, members[MAX_GROUP_PARTIES]), S);
    assert.equal(net.queue.length, 0, 'unanswered');
    assert.equal(net.count(R, 'cap.mcast.parties'), 1);
    r.onOption(request(McastOptionType.JOIN, G, members[0]), S);
    assert.deepEqual(
      net.queue.map((q) => [q.option?.type, (q.option as McastMembershipOption).target]),
      [[McastOptionType.SOURCES, members[0]]],
      'the refresh of a listed member is answered, and changes nothing to copy',
    );
    assert.equal(net.count(R, 'cap.mcast.parties'), 1);
  });
});

describe('multicast: what the RVP sends for a request', () => {
  /** A request from `origin` for G, as it reaches the RVP R. */
  function request(type: McastMembershipOption['type'], origin: Address): McastMembershipOption {
    return { type, hopCount: 1, hopLimit: 8, target: K, group: G, origin, sources: [], members: [] };
  }

  // Pins the notices to newcomers only: a repeated REGISTER or JOIN (a retry, a refresh) is answered but tells
  // no other party (the members were told of the source once, the sources of the member once).
  it('a repeated REGISTER or JOIN is answered again and tells nobody else', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    net.advance(1500); // past the notice of S to M
    const seen = optionsDelivered(net);
    const r = net.mc.get(R)!;
    r.onOption(request(McastOptionType.REGISTER, S), S);
    r.onOption(request(McastOptionType.JOIN, M), M);
    net.advance(1500);
    assert.deepEqual(
      seen.map((d) => [d.o.type, d.o.target]),
      [
        [McastOptionType.MEMBERS, S],
        [McastOptionType.SOURCES, M],
      ],
      'the two answers only',
    );
  });

  // Pins the notice of a new member to the other sources: it lists the newcomer, and a source that joins its own
  // group is not told of itself.
  it('a new member is announced to every other source, listing it; a source joining its own group is not told', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(L)!.register(G);
    net.flush();
    const seen = optionsDelivered(net);
    net.mc.get(S)!.join(G);
    net.flush();
    const notices = seen.filter((d) => d.o.type === McastOptionType.MEMBERS);
    assert.deepEqual(
      notices.map((d) => [d.o.target, d.o.sources, d.o.members]),
      [[L, [], [S]]],
    );
  });

  // Pins the echo of WITHDRAW and LEAVE: an ack that lists nobody, and that stops the origin's retries.
  it('WITHDRAW and LEAVE are echoed to their origin, listing nobody, and the echo ends the retries', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const seen = optionsDelivered(net);
    net.mc.get(S)!.withdraw(G);
    net.mc.get(M)!.leave(G);
    net.advance(60_000); // every retry would have gone by now
    const echoes = seen.filter((d) => d.from === R && d.o.type !== McastOptionType.REPLICATE);
    assert.deepEqual(
      echoes.map((d) => [d.o.type, d.o.target, d.o.sources, d.o.members]),
      [
        [McastOptionType.WITHDRAW, S, [], []],
        [McastOptionType.LEAVE, M, [], []],
      ],
    );
    const requests = seen.filter((d) => d.o.target === K && d.o.type !== McastOptionType.REPLICATE);
    assert.equal(requests.length, 2, 'one WITHDRAW and one LEAVE, never retried');
  });

  // Pins the cut of an answer to one option's room (MCAST_MAX_LISTED): a JOIN to a group of more sources than
  // fit, and a REGISTER to one of more members, get the first that fit.
  it('an answer lists at most MCAST_MAX_LISTED parties', () => {
    const net = mesh();
    const r = net.mc.get(R)!;
    const many = Array.from({ length: MCAST_MAX_LISTED + 9 }, (_, i) => 0x030000000000 + i);
    for (const a of many) net.route(R, a, S); // the notices go out through S
    for (const a of many) {
      r.onOption(request(McastOptionType.REGISTER, a), S);
      r.onOption(request(McastOptionType.JOIN, a), S);
    }
    net.queue.length = 0;
    const seen = optionsDelivered(net);
    net.mc.get(M)!.join(G);
    net.mc.get(L)!.register(G);
    while (net.queue.length > 0) net.deliver(0); // no timers: the answers only
    const answer = (type: McastMembershipOption['type'], to: Address) =>
      seen.find((d) => d.o.type === type && d.o.target === to)!.o;
    assert.deepEqual(answer(McastOptionType.SOURCES, M).sources, many.slice(0, MCAST_MAX_LISTED));
    assert.equal(answer(McastOptionType.MEMBERS, L).members.length, MCAST_MAX_LISTED);
  });
});

describe('multicast: what a party takes from an answer', () => {
  // Pins that a seed's hint (a SOURCES from the source itself) does not stand for the RVP: the member still asks
  // again when it loses its RVP, and not when it loses the source.
  it('a seed hint does not replace the RVP the member refreshes on losing', () => {
    const net = mesh();
    net.mc.get(M)!.join(G);
    net.flush();
    const m = net.mc.get(M)!;
    const hint: McastMembershipOption = {
      type: McastOptionType.SOURCES,
      hopCount: 2,
      hopLimit: 8,
      target: M,
      group: G,
      origin: S,
      sources: [S],
      members: [],
    };
    m.onOption(hint, S);
    net.flush();
    const before = net.count(M, 'mcast.refresh');
    net.cut(M, S);
    net.advance(3000);
    assert.equal(net.count(M, 'mcast.refresh'), before, 'losing the source asks nobody');
    net.cut(M, R);
    net.advance(3000);
    assert.equal(net.count(M, 'mcast.refresh'), before + 1, 'losing the RVP asks again');
  });

  // Pins that only an answer addressed to this node acknowledges its request: a MEMBERS or SOURCES that ends here
  // only because its own target is gone leaves a pending REGISTER or JOIN pending (retried), and records nothing.
  it('an answer addressed to another node acknowledges nothing here', () => {
    const net = mesh();
    const X: Address = 0x020000000077; // gone: S has no route toward it, so S is the closest
    const s = net.mc.get(S)!;
    net.blackhole = (q) => q.to === R; // the requests never reach the RVP
    s.register(G);
    s.join(G);
    net.flush();
    const base = { hopCount: 1, hopLimit: 8, target: X, group: G, origin: R } as const;
    s.onOption({ ...base, type: McastOptionType.MEMBERS, sources: [], members: [M] }, R);
    s.onOption({ ...base, type: McastOptionType.SOURCES, sources: [L], members: [] }, R);
    assert.equal(s.tableSizes().mcastPartiesOfOneGroup, 0, 'neither M nor L recorded');
    const sent = net.count(S, 'mcast.request.retry');
    net.advance(3000);
    assert.equal(net.count(S, 'mcast.request.retry'), sent + 2, 'both requests still retried');
  });

  // The same for the echo of a WITHDRAW or LEAVE: one addressed to another node leaves this node's own pending.
  it('an echo addressed to another node acknowledges nothing here', () => {
    const net = mesh();
    const X: Address = 0x020000000077; // gone: S has no route toward it, so S is the closest
    const s = net.mc.get(S)!;
    s.register(G);
    s.join(G);
    net.flush();
    net.blackhole = (q) => q.to === R; // the WITHDRAW and LEAVE never reach the RVP
    s.withdraw(G);
    s.leave(G);
    net.flush();
    const base = {
      hopCount: 1,
      hopLimit: 8,
      target: X,
      group: G,
      origin: R,
      sources: [],
      members: [],
    };
    s.onOption({ ...base, type: McastOptionType.WITHDRAW }, R);
    s.onOption({ ...base, type: McastOptionType.LEAVE }, R);
    const sent = net.count(S, 'mcast.request.retry');
    net.advance(3000);
    assert.equal(net.count(S, 'mcast.request.retry'), sent + 2, 'both requests still retried');
  });

  // Pins the source-side guard: a node that does not source the group records nothing from a MEMBERS to it.
  it('a node that does not source the group keeps no members from a MEMBERS', () => {
    const net = mesh();
    const m = net.mc.get(M)!;
    const base = { hopCount: 0, hopLimit: 8, target: M, group: G, origin: R } as const;
    m.onOption({ ...base, type: McastOptionType.MEMBERS, sources: [], members: [L, S] }, R);
    assert.equal(m.tableSizes().mcastPartiesOfOneGroup, 0);
  });
});

describe('multicast: copies of a record', () => {
  /** A request from `origin` for G, as it reaches the RVP R. */
  function request(type: McastMembershipOption['type'], origin: Address): McastMembershipOption {
    return { type, hopCount: 1, hopLimit: 8, target: K, group: G, origin, sources: [], members: [] };
  }
  const cut = MCAST_MAX_LISTED >> 1;
  const many = Array.from({ length: cut + 5 }, (_, i) => 0x030000000000 + i);

  // Pins the cut of a copy's source list to its half of the option, and the merge of a copy whose sources fill
  // that half (it may be partial): the owner keeps every source, even from a copy made from its current record.
  it('a copy lists at most half an option of sources; a copy whose sources fill it is merged', () => {
    const net = mesh();
    const copies = copiesDelivered(net);
    const r = net.mc.get(R)!;
    for (const a of many) net.route(R, a, S);
    for (const a of many) r.onOption(request(McastOptionType.REGISTER, a), S);
    net.flush();
    const current = copies.at(-1)!;
    assert.deepEqual(current.sources, many.slice(0, cut), 'the copies R sends are cut');
    r.onOption({ ...current, target: R, origin: V, version: 1, seen: current.version }, V);
    net.flush();
    assert.equal(r.rvpRecords()[0].sources.length, cut + 5, 'R keeps every source');
  });

  // Pins that a former owner hands on only what the closest node lacks: a copy holding every party makes it a
  // replica quietly (no copy back); its own hand-off (at the check) is cut to half an option per list.
  it('an owner no longer closest hands nothing on when the copy it got holds all it has', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    for (const a of [S, M, L, R, V]) net.route(a, K, W); // W is the closest now
    net.routes.get(W)!.delete(K);
    const seen = countDelivered(net);
    const copy = {
      type: McastOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: 8,
      target: R,
      group: G,
      origin: W,
    };
    net.mc.get(R)!.onOption({ ...copy, sources: [S], members: [M], version: 1, seen: 0 }, W);
    net.flush();
    assert.equal(record(net, R), `replica s=${S} m=${M}`);
    assert.deepEqual([...seen], [], 'nothing sent');
  });

  // Pins the hand-off of a merge: a copy that brings a party and lacks another makes the former owner a replica
  // that hands the merged record on, so the closest node gets the party its own copy lacked.
  it('an owner no longer closest hands the merge on when the copy it got both adds a party and lacks one', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    for (const a of [S, M, L, R, V]) net.route(a, K, W); // W is the closest now
    net.routes.get(W)!.delete(K);
    const copy = {
      type: McastOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: 8,
      target: R,
      group: G,
      origin: W,
    };
    net.mc.get(R)!.onOption({ ...copy, sources: [S], members: [L], version: 1, seen: 0 }, W);
    net.flush();
    assert.equal(record(net, R), `replica s=${S} m=${[M, L].sort()}`);
    assert.equal(record(net, W), `owner s=${S} m=${[M, L].sort()}`, 'W got M from R');
  });

  it("an owner's hand-off at the check lists at most half an option of sources and of members", () => {
    const net = mesh();
    const r = net.mc.get(R)!;
    for (const a of many) net.route(R, a, S);
    for (const a of many) {
      r.onOption(request(McastOptionType.REGISTER, a), S);
      r.onOption(request(McastOptionType.JOIN, a), S);
    }
    net.queue.length = 0;
    for (const a of [S, M, L, R, V]) net.route(a, K, W); // W is the closest now
    net.routes.get(W)!.delete(K);
    const copies = copiesDelivered(net);
    r.onNeighborLinked();
    net.advance(100);
    const handOff = copies.find((c) => c.target === K)!;
    assert.deepEqual([handOff.sources, handOff.members], [many.slice(0, cut), many.slice(0, cut)]);
  });

  // Pins the memory of whose copy was which version (the Seen of the next copy to that node), bounded to the 16
  // senders heard from last: a 17th forgets the oldest, whose next copy then claims to have seen nothing.
  it('an owner remembers the versions of the last 16 senders of copies, and names them back as Seen', () => {
    const net = mesh();
    net.mc.get(S)!.register(G);
    net.flush();
    const r = net.mc.get(R)!;
    const copy = { type: McastOptionType.REPLICATE, hopCount: 0, hopLimit: 8, target: R, group: G };
    r.onOption({ ...copy, origin: V, sources: [], members: [], version: 7, seen: 0 }, V);
    const others = Array.from({ length: 16 }, (_, i) => 0x030000000000 + i);
    for (const o of others.slice(0, 15))
      r.onOption({ ...copy, origin: o, sources: [], members: [], version: 3, seen: 0 }, V);
    const copies = copiesDelivered(net);
    net.mc.get(M)!.join(G);
    net.flush();
    assert.equal(copies.at(-1)!.seen, 7, 'V is one of the last 16');
    r.onOption({ ...copy, origin: others[15], sources: [], members: [], version: 3, seen: 0 }, V);
    net.mc.get(L)!.join(G);
    net.flush();
    assert.equal(copies.at(-1)!.seen, 0, 'a 17th sender: V forgotten');
  });
});

describe('multicast: the soft refresh and a stopped node', () => {
  // Pins the single refresh timer: a node that joins and sources several groups refreshes each once a period.
  it('one refresh timer per node: each group refreshed once in the first period', () => {
    const net = mesh();
    const G2 = G + 1;
    net.route(S, groupKey(G2), R);
    const s = net.mc.get(S)!;
    s.register(G);
    s.join(G2);
    net.flush();
    net.advance(1.25 * REFRESH + 1);
    assert.equal(net.count(S, 'mcast.refresh'), 2, 'one REGISTER for G, one JOIN for G2');
  });

  // Pins that the refresh leaves a pending request alone: while a REGISTER or JOIN is still retried it is not
  // started over (its attempts would never run out).
  it('a refresh does not restart a request still pending', () => {
    const net = mesh();
    net.blackhole = (q) => q.to === R; // the RVP is unreachable
    const s = net.mc.get(S)!;
    s.register(G);
    s.join(G);
    net.advance(1.25 * REFRESH + 1); // retries after 2, 4+2 s, ...: still pending at the first refresh
    assert.equal(net.count(S, 'mcast.refresh'), 0);
    assert.equal(net.count(S, 'mcast.request.sent'), 2, 'the first REGISTER and JOIN only');
  });

  // Pins that a stopped node sends nothing more: no retry of a pending request, no refresh after losing its RVP.
  it('a stopped node neither retries a pending request nor refreshes after losing its RVP', () => {
    for (const lose of [false, true]) {
      const net = mesh();
      const m = net.mc.get(M)!;
      m.join(G);
      if (lose) {
        net.flush(); // answered by R
        net.cut(M, R); // a refresh is due within two hello periods
      } else {
        net.blackhole = (q) => q.to === R; // lost: the JOIN stays pending, retried after 2 s
        while (net.queue.length > 0) net.deliver(0);
      }
      m.onStop();
      net.blackhole = null;
      const seen = optionsDelivered(net);
      net.advance(3 * REFRESH);
      assert.deepEqual(
        seen.filter((d) => d.from === M),
        [],
        lose ? 'no refresh' : 'no retry',
      );
    }
  });
});
