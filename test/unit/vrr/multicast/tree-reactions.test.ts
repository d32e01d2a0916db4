// The tree reactions of trees.ts that the race tests reach only in their happy orderings, each checked by the
// messages it sends at the moment (the checks and refreshes, which would repair a wrong reaction later, are out of
// reach): a lost downstream link (the upstream kept, or the tree left when nothing is below any more), a branch
// never confirmed (given up, branched again after the backoff; an older branch's timer gives up nothing), a SEED
// for a node that is no member, a BRANCH from the upstream when the route to the root runs back through it, a
// SEED at a detached fragment, and a BRANCH that came back to the relay that passed it up (a loop).

import assert from 'node:assert/strict';
import {
  MCAST_FLAG_ATTACHED,
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

describe('multicast trees: reactions, by the messages they send', () => {
  it('a relay that loses one downstream keeps its upstream and its other downstream; losing the last, it leaves', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    // X is on the tree (attached): a new downstream is confirmed at once.
    const seen = record(net);
    tellSource(net, W, S);
    drain(net);
    assert.deepEqual(
      seen.filter(([from, to]) => [from, to].every((n) => n === W || n === X)),
      [
        [W, X, 'BRANCH'],
        [X, W, 'ATTACHED'],
      ],
    );
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: U, downstream: [Y, W] });
    net.cut(X, W);
    assert.deepEqual(queued(net), [], 'nothing sent: no FELL to Y, no branch again');
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: U, downstream: [Y] });
    net.cut(X, Y);
    assert.deepEqual(queued(net), [[X, U, 'PRUNE']], 'nothing below any more: X leaves the tree');
    assert.equal(row(net, X), undefined);
    drain(net);
    assert.equal(row(net, U), undefined, 'and so does U: nothing below it either');
  });

  it('a member whose branch is never confirmed gives it up (PRUNE) and branches again after the backoff', () => {
    const net = tree();
    net.blackhole = (m) => m.to === Y && m.option?.type === McastOptionType.ATTACHED;
    const seen = record(net);
    tellSource(net, Y, S);
    drain(net);
    assert.deepEqual(row(net, Y)?.upstream, X);
    net.advance(ATTACH_TIMEOUT - 1);
    assert.equal(net.count(Y, 'mcast.branch.unattached'), 0, 'not before attachTimeoutMs');
    seen.length = 0;
    net.advance(2);
    assert.equal(net.count(Y, 'mcast.branch.unattached'), 1);
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [[Y, X, 'PRUNE']],
    );
    net.advance(100); // the first backoff (settleMs)
    assert.deepEqual(
      seen.filter(([from]) => from === Y),
      [
        [Y, X, 'PRUNE'],
        [Y, X, 'BRANCH'],
      ],
      'and branches again',
    );
  });

  it("an older branch's timer does not give up the branch that replaced it", () => {
    const net = tree();
    net.blackhole = (m) => m.to === Y && m.option?.type === McastOptionType.ATTACHED;
    tellSource(net, Y, S);
    drain(net); // the first branch: its timer fires at ATTACH_TIMEOUT
    net.advance(HELLO);
    treeOption(net, Y, X, McastOptionType.FELL); // X fells Y: Y branches again after the backoff
    net.advance(100);
    assert.equal(row(net, Y)?.upstream, X, 'branched again');
    net.advance(ATTACH_TIMEOUT - HELLO); // the first timer fires: the second branch is only 1.9 s old
    assert.equal(net.count(Y, 'mcast.branch.unattached'), 0);
    net.advance(HELLO);
    assert.equal(net.count(Y, 'mcast.branch.unattached'), 1, "the second branch's own timer");
  });

  it('a SEED for a node that is no member is turned back (PRUNE), installing nothing', () => {
    const net = tree();
    treeOption(net, Y, X, McastOptionType.SEED, Y, 1);
    assert.deepEqual(queued(net), [[Y, X, 'PRUNE']]);
    assert.equal(row(net, Y), undefined);
  });

  it('a BRANCH from a node whose route to the root runs through the sender is refused (FELL), and leaves no row', () => {
    const net = tree();
    // U's route toward S turned toward X for a moment; X's still runs through U.
    treeOption(net, X, U, McastOptionType.BRANCH, U, 1);
    assert.deepEqual(queued(net), [[X, U, 'FELL']]);
    assert.equal(row(net, X), undefined);
  });

  it('a BRANCH from the upstream (routes turned): refused, the relay keeps its downstream as a fragment, which refuses a SEED and branches itself', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    assert.equal(net.count(X, 'mcast.branch.loop'), 0);
    treeOption(net, X, U, McastOptionType.BRANCH, Y, 1000); // within a hello of passing Y's up: not a loop from U
    assert.equal(net.count(X, 'mcast.branch.loop'), 0, 'the upstream turning around is no loop');
    assert.deepEqual(queued(net), [[X, U, 'FELL']]);
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: null, downstream: [Y] });
    net.queue.length = 0;
    // A SEED reaching the fragment: not a seeding point (not connected to the root): PRUNE, and it branches.
    treeOption(net, X, U, McastOptionType.SEED, Y, 1001);
    assert.deepEqual(queued(net), [
      [X, U, 'PRUNE'],
      [X, U, 'BRANCH'],
    ]);
    assert.equal(net.count(X, 'mcast.seed.refused'), 1);
    assert.equal(row(net, X)?.upstream, U);
  });

  it('a BRANCH that comes back within a hello to the relay that passed it up is a loop: refused; later, accepted', () => {
    const net = tree();
    net.advance(5 * HELLO); // (a clock that is not at 0)
    tellSource(net, Y, S);
    drain(net); // X passed Y's branch up to U
    treeOption(net, X, W, McastOptionType.BRANCH, Y, 1);
    assert.equal(net.count(X, 'mcast.branch.loop'), 1);
    assert.deepEqual(queued(net), [[X, W, 'FELL']]);
    net.queue.length = 0;
    net.advance(HELLO + 1);
    treeOption(net, X, W, McastOptionType.BRANCH, Y, 2);
    assert.equal(net.count(X, 'mcast.branch.loop'), 1, 'a hello later: no loop any more');
    assert.ok(row(net, X)?.downstream.includes(W));
  });

  it('a relay whose own branch is never confirmed gives it up (PRUNE up, FELL down) and forgets the tree', () => {
    const net = tree();
    net.blackhole = (m) => m.to === X && m.option?.type === McastOptionType.ATTACHED;
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, Y, X, McastOptionType.ATTACHED); // Y is confirmed (as if X had been): only X's branch waits
    const seen = record(net);
    net.advance(ATTACH_TIMEOUT + 1);
    assert.equal(net.count(X, 'mcast.branch.unattached'), 1);
    assert.deepEqual(seen.filter(([from]) => from === X).slice(0, 2), [
      [X, U, 'PRUNE'],
      [X, Y, 'FELL'],
    ]);
    assert.equal(row(net, X), undefined, 'X, no member, forgets the tree (Y branches again on its own)');
  });

  it('a member felled that leaves the group before its backoff ends does not branch again', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, Y, X, McastOptionType.FELL); // the backoff starts (settleMs)
    net.mc.get(Y)!.leave(G);
    const seen = record(net);
    net.advance(HELLO);
    assert.deepEqual(
      seen.filter(([from, , type]) => from === Y && type === 'BRANCH'),
      [],
    );
    assert.equal(row(net, Y), undefined);
  });

  it('a member felled branches again through the same relay at once: no loop there', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, U, McastOptionType.FELL); // U fells X (X forgets the tree, not being a member): X fells Y
    net.advance(100); // Y's backoff: its BRANCH reaches X within a hello of X passing Y's first one up
    assert.equal(net.count(X, 'mcast.branch.loop'), 0);
    assert.deepEqual(row(net, X)?.downstream, [Y]);
    assert.equal(row(net, Y)?.upstream, X);
  });

  it('a SEED installs the hop and goes on toward its member; at a member whose branch found no route, it is taken', () => {
    const net = tree();
    net.mc.get(Y)!.join(G);
    net.routes.get(Y)!.delete(S); // no route toward S from Y: its branch goes nowhere
    net.mc.get(Y)!.onOption(
      {
        type: McastOptionType.SOURCES,
        hopCount: 0,
        hopLimit: 0,
        target: Y,
        group: G,
        origin: S,
        sources: [S],
        members: [],
      },
      Y,
    );
    drain(net);
    assert.deepEqual(row(net, Y), { root: S, group: G, upstream: null, downstream: [] });
    treeOption(net, X, U, McastOptionType.SEED, Y, 1);
    assert.deepEqual(queued(net), [[X, Y, 'SEED']]);
    const flags = () => (net.queue.at(-1)!.option as McastTreeOption).flags;
    assert.equal(flags(), 0, 'U is not known to reach S: neither is X');
    assert.deepEqual(row(net, X), { root: S, group: G, upstream: U, downstream: [Y] });
    // The same SEED again, from a U that reaches S (ATTACHED flag): X is confirmed and says so below.
    net.queue.length = 0;
    treeOption(net, X, U, McastOptionType.SEED, Y, 2, MCAST_FLAG_ATTACHED);
    assert.deepEqual(queued(net), [
      [X, Y, 'ATTACHED'],
      [X, Y, 'SEED'],
    ]);
    assert.equal(flags(), MCAST_FLAG_ATTACHED);
    drain(net);
    assert.equal(row(net, Y)?.upstream, X, 'Y hangs below X');
  });

  it('a SEED from another neighbour at a node on the tree: turned back (PRUNE), the node seeds on itself', () => {
    const net = tree();
    tellSource(net, Y, S);
    drain(net);
    treeOption(net, X, W, McastOptionType.SEED, Y, 1);
    assert.deepEqual(queued(net), [
      [X, W, 'PRUNE'],
      [X, Y, 'SEED'],
    ]);
    assert.equal(row(net, X)?.upstream, U);
  });

  it('a SEED reaching a source that withdrew is turned back, nothing else', () => {
    const net = tree();
    net.mc.get(S)!.withdraw(G);
    drain(net);
    treeOption(net, S, U, McastOptionType.SEED, Y, 1);
    assert.deepEqual(queued(net), [[S, U, 'PRUNE']]);
    assert.equal(row(net, S), undefined);
  });
  // The loop window is a hello period, no more (the branch is then taken as a new one), and a check within it
  // does not forget the branches passed up (forgetOldBranches drops only older ones).
  it('a BRANCH back exactly a hello later is no loop; one back after a check within the hello still is', () => {
    const net = tree();
    net.advance(5 * HELLO);
    tellSource(net, Y, S);
    drain(net); // X passed Y's branch up to U
    net.mc.get(X)!.onNeighborLinked(); // X's check runs settleMs later
    net.advance(60);
    treeOption(net, X, W, McastOptionType.BRANCH, Y, 1);
    assert.equal(net.count(X, 'mcast.branch.loop'), 1, 'still remembered after the check');
    const again = tree();
    again.advance(5 * HELLO);
    tellSource(again, Y, S);
    drain(again);
    again.advance(HELLO);
    treeOption(again, X, W, McastOptionType.BRANCH, Y, 1);
    assert.equal(again.count(X, 'mcast.branch.loop'), 0, 'a hello later');
  });
});
