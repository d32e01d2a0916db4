// Constructed races on the tree messages (docs/protocol.md, multicast races): a BRANCH and a PRUNE crossing on one link,
// a FELL crossing a BRANCH, and a PRUNE overtaken by a later BRANCH, in every delivery order: no orphaned branch,
// no duplicate delivery. (SEED's races: seed.test.ts.)

import assert from 'node:assert/strict';
import { DataFlag, McastOptionType, type DataPacket } from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { assertCoherent, G, tellSource } from './mcast-kit.ts';

const S = 0x020000000001;
const U = 0x020000000002;
const X = 0x020000000003;

function packet(seq: number): DataPacket {
  return {
    kind: 'data',
    flags: 0,
    hopLimit: 16,
    dataFlags: DataFlag.GROUP,
    nextHeader: 0,
    src: S,
    dst: G,
    payload: new Uint8Array([seq]),
  };
}

/** All orderings of n items. */
function permutations(n: number): number[][] {
  if (n <= 1) return [[0].slice(0, n)];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

describe('multicast tree races', () => {
  it('a BRANCH crossing a PRUNE on one link, in every delivery order: coherent tree, one copy each', () => {
    // S - U - X and S - X. Tree S -> U -> X; X is a member, U too. X leaves (PRUNE to U) while U's link to S fails
    // and U's new route to S runs through X (FELL then BRANCH to X): the messages cross on U - X.
    for (const order of permutations(3)) {
      const net = new FakeNet([S, U, X]).link(S, U).link(U, X).link(S, X);
      net.route(U, S, S).route(X, S, U);
      net.mc.get(S)!.register(G);
      tellSource(net, U, S);
      net.flush();
      tellSource(net, X, S);
      net.flush();
      assert.deepEqual(net.mc.get(X)!.table()[0].upstream, U);
      // The crossing.
      net.mc.get(X)!.leave(G); // PRUNE X -> U
      net.route(U, S, X).route(X, S, S);
      net.cut(S, U); // U: FELL U -> X, BRANCH U -> X
      assert.equal(net.queue.length, 3);
      const pending = [...net.queue];
      net.queue.length = 0;
      for (const i of order) net.queue.push(pending[i]);
      net.flush();
      assertCoherent(net, S);
      net.delivered.length = 0;
      net.mc.get(S)!.send(G, new Uint8Array([1]));
      net.flush();
      assert.deepEqual(
        net.delivered.map((d) => d.node),
        [U],
        `order ${order}: U gets the packet once, X (left) none`,
      );
    }
  });

  it('a PRUNE overtaken by a later BRANCH is ignored as stale', () => {
    const net = new FakeNet([S, U, X]).link(S, U).link(U, X);
    net.route(U, S, S).route(X, S, U);
    net.mc.get(S)!.register(G);
    tellSource(net, X, S);
    net.flush();
    net.mc.get(X)!.leave(G); // PRUNE (seq n)
    tellSource(net, X, S); // BRANCH (seq n + 1)
    const toU = net.queue.filter((m) => m.to === U);
    assert.deepEqual(
      toU.map((m) => m.option!.type),
      [McastOptionType.PRUNE, McastOptionType.BRANCH],
    );
    net.deliver(net.queue.indexOf(toU[1])); // the BRANCH first
    net.flush(); // then the PRUNE: older than the BRANCH applied, ignored
    assert.equal(net.count(U, 'mcast.stale'), 1);
    assertCoherent(net, S);
    assert.deepEqual(net.mc.get(U)!.table()[0].downstream, [X]);
    net.mc.get(S)!.onGroupData(packet(1), S);
    net.flush();
    assert.deepEqual(
      net.delivered.map((d) => d.node),
      [X],
    );
  });

  it('a FELL crossing a BRANCH on one link, in every delivery order: the parent keeps no orphaned branch', () => {
    // S - P - U - X and P - Y - S. Tree S -> P -> U -> X. X leaves and comes back (U prunes itself off P, then
    // branches to P again) and leaves again, while S - P fails and P fells U: FELL P -> U crosses BRANCH U -> P.
    const P = 0x020000000004;
    const Y = 0x020000000005;
    for (const order of permutations(4)) {
      const net = new FakeNet([S, P, U, X, Y]).link(S, P).link(P, U).link(U, X).link(P, Y).link(Y, S);
      net.route(P, S, S).route(U, S, P).route(X, S, U).route(Y, S, S);
      net.mc.get(S)!.register(G);
      tellSource(net, X, S);
      net.flush();
      assert.equal(net.mc.get(U)!.table()[0].upstream, P);
      net.mc.get(X)!.leave(G); // PRUNE X -> U
      net.deliver(net.queue.findIndex((m) => m.to === U)); // U: PRUNE U -> P, forgets the tree
      tellSource(net, X, S); // BRANCH X -> U
      net.deliver(net.queue.findIndex((m) => m.to === U)); // U: BRANCH U -> P (behind its PRUNE)
      net.mc.get(X)!.leave(G); // PRUNE X -> U
      net.route(P, S, Y);
      net.cut(S, P); // P: FELL P -> U, forgets the tree (a relay)
      assert.deepEqual(
        net.queue.map((m) => [m.from, m.to, m.option?.type]),
        [
          [U, P, McastOptionType.PRUNE],
          [U, P, McastOptionType.BRANCH],
          [X, U, McastOptionType.PRUNE],
          [P, U, McastOptionType.FELL],
        ],
      );
      const pending = [...net.queue];
      net.queue.length = 0;
      for (const i of order) net.queue.push(pending[i]);
      net.flush();
      assertCoherent(net, S);
      for (const n of [P, U, X, Y])
        assert.deepEqual(net.mc.get(n)!.table(), [], `order ${order}: ${n} holds no state (no member left)`);
    }
  });

  it('a link failure on the tree: the downstream detaches its subtree and branches again', () => {
    // S - U - X, S - X: the tree S -> U -> X loses S - U; U (member) re-branches through X after X's fell.
    const net = new FakeNet([S, U, X]).link(S, U).link(U, X).link(S, X);
    net.route(U, S, S).route(X, S, U);
    net.mc.get(S)!.register(G);
    tellSource(net, X, S);
    tellSource(net, U, S);
    net.flush();
    net.route(U, S, X).route(X, S, S);
    net.cut(S, U);
    net.flush();
    assertCoherent(net, S);
    net.delivered.length = 0;
    net.mc.get(S)!.send(G, new Uint8Array([2]));
    net.flush();
    assert.deepEqual(net.delivered.map((d) => d.node).sort(), [U, X].sort());
  });
});
