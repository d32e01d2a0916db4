// Tree messages a node turns back or does not act on (trees.ts), checked by the messages it sends and its rows:
// a SEED at the source itself or on the broadcast tree (nobody seeds that one), a tree asked for while the table
// is full (BRANCH: FELL without FINAL; SEED: PRUNE; a learned source: no branch), the root's check (it never
// branches), and a relay left as a fragment (no upstream, a downstream below it) branching again at the check,
// first detaching a downstream its new route to the root runs through.

import assert from 'node:assert/strict';
import { BROADCAST, type Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { MAX_MCAST_TREES } from '../../../../src/vrr/limits.ts';
import {
  MCAST_FLAG_FINAL,
  McastOptionType,
  type McastMembershipOption,
  type McastTreeOption,
} from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { G, tellSource } from './mcast-kit.ts';
import { drain, HELLO, queued, record, row, S, tree, treeOption, U, W, X, Y } from './tree-kit.ts';

/**
 * Fills node's tree table: it joins G and a second group and hears of MAX_MCAST_TREES sources it has no route to,
 * half of them in each (one row each; a group may list at most MAX_GROUP_PARTIES sources).
 */
function fillTable(net: FakeNet, node: Address): void {
  const mc = net.mc.get(node)!;
  const half = MAX_MCAST_TREES / 2;
  for (const [g, base] of [
    [G, 0x030000000000],
    [G + 1, 0x030000010000],
  ]) {
    mc.join(g);
    mc.onOption(
      {
        type: McastOptionType.SOURCES,
        hopCount: 0,
        hopLimit: 0,
        target: node,
        group: g,
        origin: 0x030000ffffff,
        sources: Array.from({ length: half }, (_, i) => base + i),
        members: [],
      } as McastMembershipOption,
      node,
    );
  }
  net.queue.length = 0;
  assert.equal(mc.tableSizes().mcastTrees, MAX_MCAST_TREES);
}

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
});
