// Leaving and tearing down trees (trees.ts), checked by the messages sent and the rows left: a source that
// withdraws fells its tree for good (FINAL), a relay that is no member and loses its upstream detaches its subtree
// and forgets the tree, the source keeps its own row when its last member leaves, a member that does not know the
// source (yet) does not hold on to the tree, and the timers of a branch (its give-up, its backoff) do nothing
// after the tree was left or the node stopped.

import assert from 'node:assert/strict';
import {
  MCAST_FLAG_ATTACHED,
  MCAST_FLAG_FINAL,
  McastOptionType,
  type McastTreeOption,
} from '../../../../src/vrr/wire/types.ts';
import { G, tellSource } from './mcast-kit.ts';
import {
  ATTACH_TIMEOUT,
  drain,
  HELLO,
  queued,
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

describe('multicast trees: leaving and teardown', () => {
  // withdraw's FELL FINAL: without it the members would keep a tree (and its source) that no longer exists.
  it('a source that withdraws fells its tree with FINAL: every hop forgets it, the member forgets the source', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    assert.equal(row(net, Y)?.upstream, X);
    const seen = record(net);
    net.mc.get(S)!.withdraw(G);
    const fell = net.queue.find((m) => m.from === S && m.option?.type === McastOptionType.FELL);
    assert.equal((fell?.option as McastTreeOption | undefined)?.flags, MCAST_FLAG_FINAL);
    drain(net);
    assert.deepEqual(
      seen.filter(([, , type]) => type !== 'WITHDRAW'),
      [
        [S, U, 'FELL'],
        [U, X, 'FELL'],
        [X, Y, 'FELL'],
      ],
      'no PRUNE back, no BRANCH again',
    );
    for (const n of [S, U, X, Y]) assert.equal(row(net, n), undefined, `${n} forgot the tree`);
    for (const n of [S, U, X]) assert.equal(net.count(n, 'mcast.fell'), 1, `${n} counted its FELL`);
    // Y forgot S as a source: its check does not branch toward S again.
    net.mc.get(Y)!.onNeighborLinked();
    net.advance(HELLO);
    assert.equal(row(net, Y), undefined);
    assert.deepEqual(
      seen.filter(([from, , type]) => from === Y && type === 'BRANCH'),
      [],
    );
  });

  // A relay that is no member must not hold on to a tree whose upstream is gone: it would branch for nobody.
  it('a relay that is no member and loses its upstream fells its subtree and forgets the tree; the member branches again', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    const branches = net.count(X, 'mcast.branch');
    net.cut(U, X);
    assert.deepEqual(queued(net), [
      [U, S, 'PRUNE'],
      [X, Y, 'FELL'],
    ]);
    assert.equal(row(net, X), undefined, 'X forgot the tree');
    assert.equal(net.count(X, 'mcast.branch'), branches, 'and did not branch for nobody');
    const seen = record(net);
    net.advance(100); // Y's backoff
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [
        [Y, X, 'PRUNE'],
        [Y, X, 'BRANCH'],
      ],
      'Y takes its branch back (it crossed nothing) and branches again',
    );
  });

  // needsTree of the root: a source stays on its own tree with no member below, or it could not send.
  it('the source keeps its own row when the last member leaves, and can still send', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    net.mc.get(Y)!.leave(G);
    drain(net);
    for (const n of [U, X, Y]) assert.equal(row(net, n), undefined, `${n} left the tree`);
    for (const n of [U, X, Y]) assert.equal(net.count(n, 'mcast.prune'), 1, `${n} counted its PRUNE`);
    assert.deepEqual(row(net, S), { root: S, group: G, upstream: null, downstream: [] });
    assert.equal(net.mc.get(S)!.send(G, new Uint8Array([1])), true);
    assert.equal(net.count(S, 'mcast.drop.notUpstream'), 0, 'its packet found its tree');
  });

  // needsTree of a member: it must know the source; a member still waiting for its RVP's answer relays only.
  it('a member that does not know the source is a relay like any other: its last downstream gone, it prunes', () => {
    const net = tree();
    net.mc.get(X)!.join(G);
    net.queue.length = 0; // its JOIN is lost: X knows of no source of G
    tellSource(net, Y, S);
    drain(net);
    assert.deepEqual(row(net, X)?.downstream, [Y]);
    const seen = record(net);
    net.mc.get(Y)!.leave(G);
    drain(net);
    assert.ok(
      seen.some(([from, to, type]) => from === X && to === U && type === 'PRUNE'),
      'X left the tree',
    );
    assert.equal(row(net, X), undefined);
  });

  // giveUpBranch's guard: the tree may be gone when the timer fires (the member left meanwhile).
  it('a member that leaves while its branch is pending: the give-up timer finds no tree and does nothing', () => {
    const net = tree();
    net.blackhole = (m) => m.to === Y && m.option?.type === McastOptionType.ATTACHED;
    tellSource(net, Y, S);
    drain(net);
    net.mc.get(Y)!.leave(G);
    drain(net);
    assert.equal(row(net, Y), undefined);
    const seen = record(net);
    net.advance(ATTACH_TIMEOUT + HELLO);
    assert.equal(net.count(Y, 'mcast.branch.unattached'), 0);
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [],
    );
  });

  // A stopped node sends nothing: neither the give-up of a pending branch nor a branch after the backoff.
  it("a stopped node's pending branch is not given up, and a felled one does not branch again", () => {
    const pending = tree();
    pending.blackhole = (m) => m.to === Y && m.option?.type === McastOptionType.ATTACHED;
    tellSource(pending, Y, S);
    drain(pending);
    pending.mc.get(Y)!.onStop();
    const seen = record(pending);
    pending.advance(ATTACH_TIMEOUT + HELLO);
    assert.equal(pending.count(Y, 'mcast.branch.unattached'), 0);
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [],
    );

    const felled = tree();
    tellSource(felled, Y, S);
    drain(felled);
    treeOption(felled, Y, X, McastOptionType.FELL);
    felled.queue.length = 0; // Y's PRUNE back
    felled.mc.get(Y)!.onStop();
    const seen2 = record(felled);
    felled.advance(HELLO);
    assert.deepEqual(
      seen2.filter(([from]) => from === Y),
      [],
    );
  });

  // branchUp's guard: a member seeded during its backoff is on the tree; the backoff's branch must not go out.
  it('a felled member seeded during its backoff does not branch again when the backoff ends', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    const seen = record(net);
    treeOption(net, Y, X, McastOptionType.FELL, 0, 1000); // the backoff starts (settleMs)
    treeOption(net, Y, X, McastOptionType.SEED, Y, 1001); // X seeds it meanwhile
    assert.equal(row(net, Y)?.upstream, X);
    net.advance(HELLO);
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [
        [Y, X, 'PRUNE'],
        [Y, X, 'BRANCH'],
      ],
      "the PRUNE that takes back Y's branch, the BRANCH that confirms the seed, no third",
    );
  });
  // FELL's guard: only the upstream may detach a node; a FELL from anyone else (stale, or a node that no longer
  // is the upstream) changes nothing.
  it('a FELL from a node that is not the upstream, or for a tree not held, changes nothing', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, Y, McastOptionType.FELL); // Y is X's downstream, not its upstream
    treeOption(net, Y, W, McastOptionType.FELL, 0, 1000, 0, 0x020000000077); // a tree Y does not hold
    assert.deepEqual(queued(net), []);
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: U, downstream: [Y] });
    net.advance(HELLO);
    assert.deepEqual(queued(net), []);
  });

  // FELL's re-assertion: a child takes back (PRUNE) only a BRANCH it sent; one that was seeded sent none.
  it('a member that was seeded, not branched, sends no PRUNE back when felled; it branches after the backoff', () => {
    const net = tree();
    net.mc.get(Y)!.join(G);
    net.queue.length = 0; // Y is a member that does not know S yet
    treeOption(net, Y, X, McastOptionType.SEED, Y, 1000); // X seeds it
    drain(net);
    assert.equal(row(net, Y)?.upstream, X);
    const seen = record(net);
    treeOption(net, Y, X, McastOptionType.FELL, 0, 1001);
    assert.deepEqual(queued(net), [], 'nothing to take back');
    net.advance(100);
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [[Y, X, 'BRANCH']],
    );
  });

  // ATTACHED's guard: only the upstream's confirmation counts; one from another node (stale: this node has moved
  // on) leaves the branch pending, so it is given up if nothing else confirms it.
  it('an ATTACHED from a node that is not the upstream confirms nothing', () => {
    const net = tree();
    net.blackhole = (m) => m.to === Y && m.option?.type === McastOptionType.ATTACHED;
    tellSource(net, Y, S);
    drain(net);
    net.blackhole = null;
    treeOption(net, Y, W, McastOptionType.ATTACHED);
    assert.deepEqual(queued(net), []);
    net.advance(ATTACH_TIMEOUT + 1);
    assert.equal(net.count(Y, 'mcast.branch.unattached'), 1);
  });

  // attach()'s guard: a node already confirmed does not confirm its subtree again on every flagged SEED.
  it('a SEED flagged ATTACHED at a node confirmed already passes on the seed and nothing else', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, U, McastOptionType.SEED, Y, 1000, MCAST_FLAG_ATTACHED);
    assert.deepEqual(queued(net), [[X, Y, 'SEED']]);
  });
});
