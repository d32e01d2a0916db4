// SEED installs tree state hop by hop from the source's end (trees.ts), and the races it takes part
// in: a SEED crossing a PRUNE on one link, a SEED overtaken by a FELL (a link failure mid-seed), a SEED and a
// BRANCH for the same member built at once from both ends. Every delivery order ends in a coherent tree and one
// copy of each packet per member.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { MAX_MCAST_TREE_RECORDS } from '../../../../src/vrr/limits.ts';
import { createRng, type Rng } from '../../../../src/vrr/rng.ts';
import {
  MCAST_FLAG_ATTACHED,
  McastOptionType,
  type McastMembershipOption,
  type McastTreeOption,
} from '../../../../src/vrr/wire/types.ts';
import type { FakeNet } from './fake-net.ts';
import {
  assertCoherent,
  deliveredTo,
  G,
  groupPacket,
  netWithRvp,
  permutations,
  reorder,
  tellSource,
} from './mcast-kit.ts';

const S: Address = 0x020000000001;
const U: Address = 0x020000000002;
const X: Address = 0x020000000003;
const Y: Address = 0x020000000004;
const R: Address = 0x020000000009; // the RVP

/** The line S - U - X - Y with routes both ways, membership through R. */
function line(): FakeNet {
  const net = netWithRvp([S, U, X, Y], R).link(S, U).link(U, X).link(X, Y);
  net.route(S, X, U).route(S, Y, U).route(U, X, X).route(U, Y, X).route(X, Y, Y);
  net.route(Y, S, X).route(X, S, U).route(U, S, S);
  return net;
}

/** The (S, G) row of a node's table. */
function row(net: FakeNet, n: Address) {
  return net.mc
    .get(n)!
    .table()
    .find((t) => t.root === S && t.group === G);
}

/** Sends one packet from S and returns who delivered it. */
function sendOne(net: FakeNet, seq: number): Address[] {
  net.delivered.length = 0;
  net.mc.get(S)!.onGroupData(groupPacket(S, seq), S);
  net.flush();
  return deliveredTo(net);
}

/** Registers S after X and Y joined, and delivers until the seed for Y waits on U -> X (X already seeded). */
function seedUntilYOnUX(net: FakeNet): void {
  net.mc.get(X)!.join(G);
  net.mc.get(Y)!.join(G);
  net.flush(); // both answered: no source yet
  net.mc.get(S)!.register(G);
  const isSeed = (to: Address, target: Address) =>
    net.queue.findIndex(
      (m) => m.to === to && m.option?.type === McastOptionType.SEED && m.option.target === target,
    );
  for (let n = 0; n < 20 && !(isSeed(X, Y) >= 0 && isSeed(X, X) < 0 && isSeed(U, X) < 0); n++) {
    const i =
      isSeed(X, Y) >= 0 && net.queue.length > 1 ? net.queue.findIndex((m, j) => j !== isSeed(X, Y)) : 0;
    net.deliver(i);
  }
  assert.deepEqual(
    net.queue.map((m) => [m.from, m.to, m.option?.type]),
    [[U, X, McastOptionType.SEED]],
    'only the seed for Y is in flight',
  );
  assert.equal(row(net, X)?.upstream, U, 'X hangs below U (seeded)');
}

describe('multicast SEED', () => {
  it('a source that registers after its members builds the tree from its end, hop by hop: one copy each', () => {
    const net = line();
    net.mc.get(Y)!.join(G);
    net.flush(); // Y's answer lists no source
    net.mc.get(S)!.register(G);
    net.flush(); // S's answer lists Y: the seed installs S -> U -> X -> Y; the RVP's later notice changes nothing
    assert.deepEqual(row(net, S)?.downstream, [U]);
    assert.deepEqual([row(net, U)?.upstream, row(net, U)?.downstream], [S, [X]]);
    assert.deepEqual([row(net, X)?.upstream, row(net, X)?.downstream], [U, [Y]]);
    assert.deepEqual([row(net, Y)?.upstream, row(net, Y)?.downstream], [X, []]);
    for (const n of [S, U, X, Y]) assert.equal(net.count(n, 'mcast.branch'), 0, `${n} never branched`);
    assert.equal(net.count(S, 'mcast.seed'), 1);
    assertCoherent(net, S, 'seeded');
    for (let i = 1; i <= 3; i++) assert.deepEqual(sendOne(net, i), [Y], `packet ${i} once, at Y only`);
    assert.deepEqual(
      net.delivered.map((d) => d.packet.payload[0]),
      [3],
    );
  });

  it('a SEED reaching a node already on the tree through another upstream is refused there and goes on', () => {
    // S - U - X - Y and S - X: S seeds X straight over S - X, and Y through U, whose route to Y runs through X.
    const net = line().link(S, X);
    net.route(S, X, X).route(X, S, S);
    net.mc.get(X)!.join(G);
    net.mc.get(Y)!.join(G);
    net.flush();
    net.mc.get(S)!.register(G);
    net.flush();
    assert.equal(net.count(X, 'mcast.seed.refused'), 1, 'X refused U as a second upstream');
    assert.deepEqual(row(net, S)?.downstream, [X], 'U pruned itself off: it relays for nobody');
    assert.equal(row(net, U), undefined);
    assert.deepEqual([row(net, X)?.upstream, row(net, X)?.downstream], [S, [Y]], 'the seed went on from X');
    assert.equal(row(net, Y)?.upstream, X);
    assertCoherent(net, S, 'refused');
    assert.deepEqual(sendOne(net, 1), [X, Y]);
  });

  it('a SEED that cannot go on (the route to its member runs back up the tree) hints the member, which branches', () => {
    // S - P - R, S - Q - R, P - M. R hangs below P; S's route to M runs S -> Q -> R, and R's route to M runs
    // back through its upstream P: R refuses Q, cannot go on, and tells M of S; M branches to P.
    const P: Address = 0x020000000005;
    const Q: Address = 0x020000000006;
    const net = netWithRvp([S, P, Q, X, Y], R).link(S, P).link(S, Q).link(P, X).link(Q, X).link(P, Y);
    const [RR, M] = [X, Y]; // R (the RVP's name is taken) and the member M
    net.route(S, RR, P).route(P, RR, RR).route(RR, S, P).route(P, S, S);
    net.route(S, M, Q).route(Q, M, RR).route(RR, M, P).route(P, M, M).route(M, S, P).route(Q, S, S);
    net.mc.get(RR)!.join(G);
    net.mc.get(M)!.join(G);
    net.flush();
    // The RVP's own notice of S is lost: M branches on the hint alone (SOURCES on S's behalf, listing S).
    net.blackhole = (m) =>
      m.option?.type === McastOptionType.SOURCES && (m.option as McastMembershipOption).origin !== S;
    net.mc.get(S)!.register(G);
    net.flush();
    assert.equal(net.count(RR, 'mcast.seed.refused'), 1);
    assert.equal(net.count(RR, 'mcast.seed.hint'), 1);
    assert.equal(row(net, Q), undefined, 'Q pruned itself off');
    assert.deepEqual(row(net, S)?.downstream, [P]);
    assert.deepEqual([row(net, P)?.upstream, row(net, P)?.downstream.sort()], [S, [RR, M].sort()]);
    assertCoherent(net, S, 'hinted');
    assert.deepEqual(
      sendOne(net, 1),
      [RR, M].sort((a, b) => a - b),
    );
  });

  it('a SEED crossing a PRUNE on one link, in every delivery order: coherent tree, one copy each', () => {
    // S seeds X and Y along S - U - X - Y. X, seeded, leaves (PRUNE X -> U) while the seed for Y is on U -> X.
    for (const order of permutations(3)) {
      const net = line();
      seedUntilYOnUX(net);
      net.mc.get(X)!.leave(G); // PRUNE X -> U, LEAVE X -> R
      reorder(net, order);
      net.flush();
      assertCoherent(net, S, `order ${order}`);
      assert.deepEqual(
        [row(net, X)?.upstream, row(net, X)?.downstream],
        [U, [Y]],
        `order ${order}: X relays for Y`,
      );
      assert.deepEqual(sendOne(net, 1), [Y], `order ${order}: Y once, X (left) none`);
    }
  });

  it('a SEED overtaken by a FELL (the tree link above fails mid-seed), in every order: one copy each', () => {
    // S - U - X - Y and S - X. The seed for Y waits on U -> X when S - U fails: U fells X behind it.
    for (const order of permutations(2)) {
      const net = line().link(S, X);
      seedUntilYOnUX(net);
      net.route(X, S, S).route(U, S, X);
      net.cut(S, U); // U: upstream lost, FELL U -> X (its seq is above the seed's)
      reorder(net, order);
      net.flush();
      assertCoherent(net, S, `order ${order}`);
      assert.equal(row(net, X)?.upstream, S, `order ${order}: X branched again straight to S`);
      assert.equal(row(net, Y)?.upstream, X, `order ${order}: Y below X`);
      assert.deepEqual(sendOne(net, 1), [X, Y], `order ${order}`);
    }
  });

  it('SEED and BRANCH for one member from both ends at once, in random per-link-FIFO orders: one copy', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = createRng(seed);
      const net = line();
      net.mc.get(Y)!.join(G);
      net.flush();
      net.mc.get(S)!.register(G);
      net.lose((m) => m.option?.type === McastOptionType.REGISTER); // keeps S's REGISTER pending
      // The RVP's answer to S (listing Y) and its notice to Y (listing S) arrive together: both ends start.
      net.mc.get(S)!.onOption(membersOption([Y]), S);
      net.mc.get(Y)!.onOption(sourcesOption([S]), Y);
      drainRandomly(net, rng);
      assertCoherent(net, S, `seed ${seed}`);
      assert.equal(row(net, Y)?.upstream, X, `seed ${seed}: Y on the tree`);
      assert.deepEqual(sendOne(net, 1), [Y], `seed ${seed}`);
    }
  });
});

/** MEMBERS from R to S. */
function membersOption(members: Address[]): McastMembershipOption {
  return {
    type: McastOptionType.MEMBERS,
    hopCount: 0,
    hopLimit: 64,
    target: S,
    group: G,
    origin: R,
    sources: [],
    members,
  };
}

/** SOURCES from R to Y. */
function sourcesOption(sources: Address[]): McastMembershipOption {
  return {
    type: McastOptionType.SOURCES,
    hopCount: 0,
    hopLimit: 64,
    target: Y,
    group: G,
    origin: R,
    sources,
    members: [],
  };
}

/** Delivers every message, picking a random link each time (in order on each link), then the due timers. */
function drainRandomly(net: FakeNet, rng: Rng): void {
  for (let n = 0; n < 10_000; n++) {
    if (net.queue.length === 0) {
      net.advance(1000);
      if (net.queue.length === 0) return;
      continue;
    }
    const heads: number[] = [];
    const seen = new Set<string>();
    net.queue.forEach((m, i) => {
      const k = `${m.from}>${m.to}`;
      if (!seen.has(k)) (seen.add(k), heads.push(i));
    });
    net.deliver(heads[Math.floor(rng.next() * heads.length)]);
  }
  throw new Error('drainRandomly: the network did not settle');
}

describe('multicast SEED on a routing loop', () => {
  // A regression test (trees.ts): a SEED that came back to a relay on the tree was refused there and went on again,
  // round the loop until its hop limit; the hops it re-installed between the loop's PRUNEs, each taking the one
  // before's ATTACHED flag, closed a cycle of upstreams that all believed they reached the source. Nothing gives up
  // a confirmed branch, so the member that later branched into it never got the stream.
  const W = 0x020000000005;

  /** S - U - X - W - U (a triangle below U); routes toward Y loop U -> X -> W -> U; Y hangs off X. */
  function loop(): FakeNet {
    const net = netWithRvp([S, U, X, Y, W], R).link(S, U).link(U, X).link(X, W).link(W, U).link(X, Y);
    net.route(U, S, S).route(X, S, U).route(W, S, U).route(Y, S, X);
    net.route(S, Y, U).route(U, Y, X).route(X, Y, W).route(W, Y, U);
    net.mc.get(S)!.register(G);
    net.flush();
    return net;
  }

  /** Hands U the source's SEED toward `target` (flagged ATTACHED), as S would send it. */
  function seedFromS(net: FakeNet, seq: number, target = Y): void {
    net.mc.get(U)!.onOption(
      {
        type: McastOptionType.SEED,
        flags: MCAST_FLAG_ATTACHED,
        hopCount: 0,
        seq,
        root: S,
        group: G,
        target,
      } as McastTreeOption,
      S,
    );
  }

  it('a SEED back within a hello at the relay that passed it on is turned back there; the loop unwinds, the member branches later', () => {
    const net = loop();
    let sent = 0;
    const deliver = net.deliver.bind(net);
    net.deliver = (i = 0) => {
      if (net.queue[i].option?.type === McastOptionType.SEED) sent++;
      deliver(i);
    };
    seedFromS(net, 1);
    while (net.queue.length > 0) net.deliver(0);
    assert.equal(sent, 3, 'U -> X -> W -> U, and no further');
    assert.equal(net.count(U, 'mcast.seed.loop'), 1);
    for (const n of [U, X, W]) assert.equal(row(net, n), undefined, `${n} is off the tree again`);
    // Routes settle; Y hears of S (the RVP's notice) and branches: the stream reaches it.
    net.route(X, Y, Y);
    tellSource(net, Y, S);
    net.flush();
    assertCoherent(net, S);
    assert.deepEqual(sendOne(net, 1), [Y]);
  });

  /** A SEED toward `target` reaching U from W, as if it came round the loop. */
  function seedFromW(net: FakeNet, seq: number, target = Y): void {
    net.mc.get(U)!.onOption(
      {
        type: McastOptionType.SEED,
        flags: 0,
        hopCount: 3,
        seq,
        root: S,
        group: G,
        target,
      } as McastTreeOption,
      W,
    );
  }

  it("a check within the hello keeps the relay's record of the seeds it passed on", () => {
    const net = loop();
    seedFromS(net, 1);
    net.lose(() => true); // U passed it on to X; it goes no further
    net.mc.get(U)!.onNeighborLinked(); // U's check runs settleMs later, and forgets old records only
    net.advance(60);
    seedFromW(net, 1);
    assert.equal(net.count(U, 'mcast.seed.loop'), 1);
  });

  it('a SEED for the same member a hello later, or from the upstream, is no loop', () => {
    const net = loop();
    seedFromS(net, 1);
    net.lose(() => true); // U passed it on to X; it goes no further
    net.advance(1000);
    seedFromW(net, 1);
    assert.equal(net.count(U, 'mcast.seed.loop'), 0);
    assert.deepEqual(
      net.queue.map((m) => [m.from, m.to, m.option?.type]),
      [
        [U, W, McastOptionType.PRUNE],
        [U, X, McastOptionType.SEED],
      ],
      'refused (U is on the tree through S) and passed on, as any seed reaching the tree',
    );
    net.queue.length = 0;
    seedFromS(net, 2); // from U's upstream, within a hello of passing it on
    assert.equal(net.count(U, 'mcast.seed.loop'), 0);
    assert.deepEqual(
      net.queue.map((m) => [m.from, m.to, m.option?.type]),
      [[U, X, McastOptionType.SEED]],
    );
  });

  // The relay's record of the seeds it passed on is bounded (limits.ts, as the sequence records): a flood of seeds
  // toward invented members makes it forget the oldest (counted), never grow past the bound.
  it('the record of seeds passed on keeps the newest MAX_MCAST_TREE_RECORDS (counted)', () => {
    const net = loop();
    const targets = Array.from({ length: MAX_MCAST_TREE_RECORDS + 1 }, (_, i) => 0x030000000000 + i);
    for (const t of targets) net.route(U, t, X);
    targets.forEach((t, i) =>
      net.mc.get(U)!.onOption(
        {
          type: McastOptionType.SEED,
          flags: 0,
          hopCount: 0,
          seq: i + 1,
          root: S,
          group: G,
          target: t,
        } as McastTreeOption,
        S,
      ),
    );
    net.queue.length = 0;
    assert.equal(net.count(U, 'cap.mcast.records'), 1);
    seedFromS(net, targets.length + 1, targets.at(-1)); // a member it holds a record of: nothing forgotten
    assert.equal(net.count(U, 'cap.mcast.records'), 1);
    seedFromW(net, 1, targets[1]);
    assert.equal(net.count(U, 'mcast.seed.loop'), 1, 'the second oldest was kept');
    seedFromW(net, 2, targets[0]);
    assert.equal(net.count(U, 'mcast.seed.loop'), 1, 'the oldest was forgotten');
  });
});
