// Tree messages a node turns back or does not act on (trees.ts), checked by the messages it sends and its rows:
// a SEED at the source itself or on the broadcast tree (nobody seeds that one), a tree asked for while the table
// is full (BRANCH: FELL without FINAL; SEED: PRUNE; a learned source: no branch), the root's check (it never
// branches), and a relay left as a fragment (no upstream, a downstream below it) branching again at the check,
// first detaching a downstream its new route to the root runs through.

import assert from 'node:assert/strict';
import { BROADCAST, type Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { MAX_GROUP_PARTIES } from '../../../../src/vrr/limits.ts';
import {
  MCAST_FLAG_ATTACHED,
  MCAST_FLAG_FINAL,
  McastOptionType,
  type McastMembershipOption,
  type McastTreeOption,
} from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { G, netWithRvp, tellSource } from './mcast-kit.ts';
import {
  drain,
  fillTable,
  HELLO,
  queued,
  R,
  record,
  row,
  S,
  tree,
  treeOption,
  U,
  W,
  X,
  Y,
} from './tree-kit.ts';

/** Runs node's triggered check (settleMs after a change), recording what is delivered meanwhile. */
function check(net: FakeNet, node: Address): [Address, Address, string][] {
  const seen = record(net);
  net.mc.get(node)!.onNeighborLinked();
  net.advance(60);
  return seen;
}

describe('multicast trees: refusals', () => {
  // onSeed's `root === me`: a source never hangs below anyone on its own tree; it seeds on toward the member.
  it('a SEED of its own tree reaching the source is turned back, and the source seeds on from itself', () => {
    const net = tree();
    assert.deepEqual(row(net, S), { root: S, group: G, upstream: null, downstream: [] });
    treeOption(net, S, U, McastOptionType.SEED, Y, 1);
    assert.deepEqual(queued(net), [
      [S, U, 'PRUNE'],
      [S, U, 'SEED'],
    ]);
    assert.deepEqual(row(net, S), { root: S, group: G, upstream: null, downstream: [U] });
  });

  // onSeed's `group === BROADCAST`: the shared tree is built by BRANCHes only; a SEED on it changes nothing.
  it('a SEED on the broadcast tree is turned back, from the upstream or from anyone else, and goes nowhere', () => {
    const A: Address = 0x020000000001;
    const B: Address = 0x020000000002;
    const C: Address = 0x020000000003;
    const KEY = groupKey(BROADCAST);
    const net = new FakeNet([A, B, C], { broadcast: true }).link(A, B).link(B, C);
    net.route(B, KEY, A).route(C, KEY, B).route(A, C, B).route(B, C, C).route(C, A, B).route(B, A, A);
    for (const n of [A, B, C]) net.mc.get(n)!.onNeighborLinked();
    net.advance(HELLO);
    const bcast = () =>
      net.mc
        .get(B)!
        .table()
        .find((t) => t.group === BROADCAST);
    assert.deepEqual(bcast(), { root: KEY, group: BROADCAST, upstream: A, downstream: [C] });
    treeOption(net, B, A, McastOptionType.SEED, B, 1000, 0, KEY, BROADCAST);
    treeOption(net, B, A, McastOptionType.SEED, 0x020000000077, 1001, 0, KEY, BROADCAST);
    treeOption(net, B, C, McastOptionType.SEED, 0x020000000077, 1000, 0, KEY, BROADCAST);
    assert.deepEqual(queued(net), [
      [B, A, 'PRUNE'],
      [B, A, 'PRUNE'],
      [B, C, 'PRUNE'],
    ]);
    assert.equal(net.count(B, 'mcast.seed.hint'), 0);
    assert.deepEqual(bcast(), { root: KEY, group: BROADCAST, upstream: A, downstream: [C] });
  });

  // The cap (limits.ts): a full table refuses a new tree, and the sender is told so it does not wait on it.
  it('with its table full, a relay refuses a BRANCH (FELL, not FINAL) and a SEED (PRUNE) for a new tree', () => {
    const net = tree();
    fillTable(net, U);
    treeOption(net, U, X, McastOptionType.BRANCH, Y, 1);
    treeOption(net, U, S, McastOptionType.SEED, Y, 1);
    assert.deepEqual(queued(net), [
      [U, X, 'FELL'],
      [U, S, 'PRUNE'],
    ]);
    assert.equal((net.queue[0].option as McastTreeOption).flags & MCAST_FLAG_FINAL, 0, 'not FINAL');
    assert.equal(row(net, U), undefined);
    assert.equal(net.count(U, 'cap.mcast.trees'), 2);
  });

  // learnSource and check with a full table: no row, no branch, no crash; counted.
  it('with its table full, a member that learns a source has no row for it and its check passes it by', () => {
    const net = tree();
    fillTable(net, Y);
    tellSource(net, Y, S);
    assert.equal(row(net, Y), undefined);
    assert.equal(net.count(Y, 'cap.mcast.trees'), 1);
    const seen = check(net, Y);
    assert.deepEqual(
      seen.filter(([from, , type]) => from === Y && type === 'BRANCH'),
      [],
    );
    assert.equal(net.count(Y, 'cap.mcast.trees'), 2, 'the check asked again');
  });

  // branchUp's `isRoot`: the root of a tree is connected by definition; it never looks for an upstream.
  it("the source's check does not try to branch its own tree", () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    assert.deepEqual(row(net, S)?.downstream, [U]);
    const seen = check(net, S);
    assert.deepEqual(seen, []);
    assert.equal(net.count(S, 'mcast.branch.noRoute'), 0);
    assert.equal(net.count(S, 'mcast.branch'), 0);
  });

  // check()'s relay loop: a fragment left by a refused BRANCH (no upstream, Y below) branches again at the check.
  it('a relay left as a fragment branches again at the check', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, U, McastOptionType.BRANCH, Y, 1000); // the route turned: X refuses, keeps Y
    net.queue.length = 0;
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: null, downstream: [Y] });
    const seen = check(net, X);
    assert.deepEqual(
      seen.filter(([from]) => from === X),
      [[X, U, 'BRANCH']],
    );
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: U, downstream: [Y] });
    assert.equal(row(net, Y)?.upstream, X);
  });

  // branchUp: a route to the root through a downstream would make it the upstream too (a two-node loop).
  it('a fragment whose route to the root now runs through its downstream fells that one before branching to it', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, U, McastOptionType.BRANCH, Y, 1000);
    net.queue.length = 0;
    net.route(X, S, Y); // routes still settling
    const seen = check(net, X);
    assert.deepEqual(seen.filter(([from]) => from === X).slice(0, 2), [
      [X, Y, 'FELL'],
      [X, Y, 'BRANCH'],
    ]);
    net.mc.get(X)!.checkInvariants();
    assert.ok(!row(net, X)?.downstream.includes(Y), 'Y is not both upstream and downstream');
  });

  // The relay loop's `e.group !== BROADCAST`, and its other conditions: a member already on the tree, the other
  // members' rows, nothing else branches at the check.
  it('the check leaves an attached relay and its members alone', () => {
    const net = tree();
    tellSource(net, Y, S);
    tellSource(net, W, S);
    drain(net);
    for (const n of [U, X, Y, W]) assert.deepEqual(check(net, n), [], `${n} sent nothing`);
  });
  // onBranch's first refusals: FINAL only where the tree cannot exist (the brancher forgets the source), not where
  // only the route is missing for now (the brancher tries again).
  it('a BRANCH for a tree that does not exist here is refused with FINAL; one with no route onward, without', () => {
    const net = tree();
    net.mc.get(S)!.withdraw(G);
    net.queue.length = 0;
    treeOption(net, S, U, McastOptionType.BRANCH, Y, 1); // S no longer sources G
    const off = new FakeNet([S, U], { broadcast: false }).link(S, U);
    treeOption(off, S, U, McastOptionType.BRANCH, Y, 1, 0, groupKey(BROADCAST), BROADCAST); // S is off broadcast
    net.routes.get(X)!.delete(S); // X has no route to S
    treeOption(net, X, Y, McastOptionType.BRANCH, Y, 1);
    const flags = (m: { option?: unknown }) => (m.option as McastTreeOption).flags;
    assert.deepEqual(queued(net), [
      [S, U, 'FELL'],
      [X, Y, 'FELL'],
    ]);
    assert.deepEqual(queued(off), [[S, U, 'FELL']]);
    assert.deepEqual([net.queue[0], off.queue[0], net.queue[1]].map(flags), [
      MCAST_FLAG_FINAL,
      MCAST_FLAG_FINAL,
      0,
    ]);
    assert.equal(row(net, S), undefined);
    assert.equal(row(net, X), undefined);
    assert.deepEqual(off.mc.get(S)!.table(), []);
  });

  // onBranch's "routes disagree" refusal: a member keeps its (detached) row; only a row nothing needs is dropped.
  it('a BRANCH refused because the route to the root runs back through its sender: a member keeps its row', () => {
    const net = tree();
    net.routes.get(X)!.delete(S);
    tellSource(net, X, S); // X is a member whose branch found no route
    drain(net);
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: null, downstream: [] });
    net.route(X, S, U);
    treeOption(net, X, U, McastOptionType.BRANCH, U, 1); // U's route toward S turned toward X
    assert.deepEqual(queued(net), [[X, U, 'FELL']]);
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: null, downstream: [] });
  });
  // check()'s broadcast part with a full table: no row for the shared tree, no crash; it tries again next time.
  it('with its table full, a node on broadcast checks without a broadcast row', () => {
    const net = new FakeNet([S, U], { broadcast: true }).link(S, U);
    net.route(U, groupKey(BROADCAST), S);
    fillTable(net, U);
    check(net, U);
    assert.equal(net.count(U, 'cap.mcast.trees'), 1);
    assert.equal(
      net.mc
        .get(U)!
        .table()
        .some((t) => t.group === BROADCAST),
      false,
    );
  });

  // learnSource and check skip this node as a source of its own group: no row of its own tree once it stopped
  // sourcing, even if the RVP (or its own old record) still lists it.
  it('a member that sourced the group and withdrew keeps no row of its own tree, whatever lists it', () => {
    const net = tree();
    net.mc.get(S)!.join(G); // the RVP answers with S among the sources
    drain(net);
    net.mc.get(S)!.withdraw(G);
    drain(net);
    assert.equal(row(net, S), undefined);
    check(net, S);
    assert.equal(row(net, S), undefined, 'not re-created by the check');
    tellSource(net, S, S); // a stale SOURCES listing S
    assert.equal(row(net, S), undefined, 'nor by a stale answer');
  });

  // learnSource's guard and onSeed's `forMe`: a SEED for a relay that is no member (the RVP still lists it) is
  // turned back, and the relay remembers no source of a group it did not join.
  it('a SEED for a relay that is no member: turned back, no source remembered, no hint', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, W, McastOptionType.SEED, X, 1);
    assert.deepEqual(queued(net), [[X, W, 'PRUNE']]);
    assert.equal(net.mc.get(X)!.tableSizes().mcastPartiesOfOneGroup, 0);
    assert.equal(net.count(X, 'mcast.seed.hint'), 0);
  });

  // onSeed's non-member case is for a node nothing below needs: a relay with downstreams takes a SEED for itself
  // from its upstream as any SEED, ATTACHED flag included (it confirms the relay's pending branch).
  it('a SEED flagged ATTACHED for a pending relay that is no member, from its upstream: it confirms the relay', () => {
    const net = tree();
    net.blackhole = (m) => m.to === X && m.option?.type === McastOptionType.ATTACHED;
    tellSource(net, Y, S);
    drain(net);
    net.blackhole = null;
    treeOption(net, X, U, McastOptionType.SEED, X, 1000, MCAST_FLAG_ATTACHED);
    assert.deepEqual(queued(net), [[X, Y, 'ATTACHED']]);
  });

  // learnSource keeps every source of a group, up to MAX_GROUP_PARTIES (a source beyond is not taken; counted).
  it('a member keeps every source it hears of, up to MAX_GROUP_PARTIES', () => {
    const net = tree();
    const S2: Address = 0x020000000042;
    tellSource(net, Y, S);
    tellSource(net, Y, S2);
    assert.equal(net.mc.get(Y)!.tableSizes().mcastPartiesOfOneGroup, 2);
    const many = Array.from({ length: MAX_GROUP_PARTIES }, (_, i) => 0x030000000000 + i);
    net.mc.get(W)!.join(G);
    const sources = (list: Address[]) =>
      net.mc.get(W)!.onOption(
        {
          type: McastOptionType.SOURCES,
          hopCount: 0,
          hopLimit: 0,
          target: W,
          group: G,
          origin: R,
          sources: list,
          members: [],
        } as McastMembershipOption,
        W,
      );
    sources(many);
    assert.equal(net.count(W, 'cap.mcast.parties'), 0);
    sources([S]);
    assert.equal(net.count(W, 'cap.mcast.parties'), 1, 'one more is one too many');
    sources([many[0]]);
    assert.equal(net.count(W, 'cap.mcast.parties'), 1, 'a source it knows is no new one');
    assert.equal(net.mc.get(W)!.tableSizes().mcastPartiesOfOneGroup, MAX_GROUP_PARTIES);
  });

  // The child's re-assertion after a SEED answers only a PRUNE this node sent: a parent's messages (ATTACHED here)
  // say nothing about it as a child, so a SEED from that neighbour later needs no BRANCH to confirm it.
  it('a SEED from a neighbour this node never told anything as its child: no BRANCH to confirm it', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net); // U confirmed X's branch: ATTACHED to X
    net.mc.get(Y)!.leave(G);
    drain(net); // and everyone left: U's row is gone
    assert.equal(row(net, U), undefined);
    net.route(U, W, X); // a seed from X toward W reaches U, whose route to W runs back through X
    treeOption(net, U, X, McastOptionType.SEED, W, 1000, MCAST_FLAG_ATTACHED);
    assert.deepEqual(
      queued(net).filter(([from, , type]) => from === U && type !== 'SOURCES'),
      [[U, X, 'PRUNE']],
      'it cannot go on: it leaves again, and confirms nothing first',
    );
  });

  // seedOn: no route toward the member, the seed ends at the source (the RVP's notice makes the member branch).
  it('a source with no route to a member seeds nothing and installs no downstream', () => {
    const Z: Address = 0x020000000042;
    const net = netWithRvp([S, U], R).link(S, U);
    net.mc.get(S)!.register(G);
    net.queue.length = 0; // its REGISTER is on its way; the answer follows
    net.mc.get(S)!.onOption(
      {
        type: McastOptionType.MEMBERS,
        hopCount: 0,
        hopLimit: 0,
        target: S,
        group: G,
        origin: R,
        sources: [],
        members: [Z],
      } as McastMembershipOption,
      S,
    );
    assert.deepEqual(queued(net), []);
    assert.equal(net.count(S, 'mcast.seed.stopped'), 1);
    assert.equal(net.count(S, 'mcast.seed'), 0, 'counted as stopped, not as seeded');
    assert.deepEqual(row(net, S), { root: S, group: G, upstream: null, downstream: [] });
  });

  // The hop limit of a SEED: in a cycle of upstreams (each node passes on a seed from its own upstream, which the
  // loop check does not refuse) a seed goes round until its hop count passes the limit, and no further.
  it('a SEED going round a cycle of upstreams ends at its hop limit', () => {
    const [A, B, C] = [U, X, W];
    const net = new FakeNet([S, A, B, C]).link(S, A).link(A, B).link(B, C).link(C, A);
    net.route(A, S, B).route(B, S, C).route(C, S, A);
    net.mc.get(S)!.register(G);
    net.lose(() => true);
    for (const n of [A, B, C]) tellSource(net, n, S);
    net.advance(10); // the three BRANCHes cross: A hangs below B, B below C, C below A (attach.test.ts)
    assert.deepEqual(
      [A, B, C].map((n) => row(net, n)?.upstream),
      [B, C, A],
    );
    const T: Address = 0x020000000077;
    net.route(A, T, C).route(C, T, B).route(B, T, A); // routes toward T follow the cycle downward
    let seeds = 0;
    treeOption(net, A, S, McastOptionType.SEED, T, 1000); // refused (A hangs below B), and it goes on from A
    for (let n = 0; n < 3000 && net.queue.length > 0; n++) {
      if (net.queue[0].option?.type === McastOptionType.SEED) seeds++;
      net.deliver(0);
    }
    assert.equal(net.queue.length, 0, 'it ended');
    const hopLimit = 255; // DEFAULT_CONFIG
    assert.ok(seeds >= hopLimit && seeds <= hopLimit + 2, `${seeds} SEEDs`);
    assert.equal(net.count(A, 'mcast.seed.loop') + net.count(B, 'mcast.seed.loop'), 0);
  });
});
