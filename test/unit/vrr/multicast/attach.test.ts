// Attachment confirmation (trees.ts, "Pending branches"): a BRANCH is pending until ATTACHED (or a SEED flagged
// so, or data) comes down from a node connected to the root. Transient routes toward the root can close a cycle of
// pending relays, each of which stopped the next one's BRANCH; nobody in it is detached, so only the give-up of an
// unconfirmed branch gets its members out again. (A partition-heal run, seed 16, kept three members off the tree
// for good that way: test/sim/ready-made-labs.test.ts.)

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { McastOptionType } from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { assertCoherent, G, groupPacket, tellSource } from './mcast-kit.ts';

const S = 0x020000000001;
const A = 0x020000000002;
const B = 0x020000000003;
const C = 0x020000000004;

/** Node's upstream on S's tree. */
function upstreamOf(net: FakeNet, node: Address): Address | null | undefined {
  return net.mc
    .get(node)!
    .table()
    .find((t) => t.root === S && t.group === G)?.upstream;
}

describe('multicast branch attachment', () => {
  it('a branch that reaches the source is confirmed: no give-up, data flows', () => {
    // S - A - B: B's branch stops at A's pending one; S confirms A, A confirms B.
    const net = new FakeNet([S, A, B]).link(S, A).link(A, B);
    net.route(A, S, S).route(B, S, A);
    net.mc.get(S)!.register(G);
    net.lose(() => true);
    tellSource(net, A, S);
    tellSource(net, B, S);
    net.advance(10_000);
    assert.equal(net.count(A, 'mcast.branch.unattached') + net.count(B, 'mcast.branch.unattached'), 0);
    assertCoherent(net, S);
    net.mc.get(S)!.send(G, groupPacket(S, 1).payload);
    net.flush();
    assert.deepEqual(net.delivered.map((d) => d.node).sort(), [A, B].sort());
  });

  it('a cycle of pending branches closed by transient routes is given up, and the members get on once routes settle', () => {
    // S - A, A - B, B - C, C - A. Routes toward S loop for a while: A -> B -> C -> A. Each member's branch stops at
    // the next member's own pending branch (different origins, so the loop check does not see it): A hangs below B,
    // B below C, C below A, and nobody is detached.
    const net = new FakeNet([S, A, B, C]).link(S, A).link(A, B).link(B, C).link(C, A);
    net.route(A, S, B).route(B, S, C).route(C, S, A);
    net.mc.get(S)!.register(G);
    net.lose(() => true);
    tellSource(net, A, S);
    tellSource(net, B, S);
    tellSource(net, C, S);
    net.advance(10); // the three BRANCHes cross; each stops at a pending node
    assert.deepEqual(
      [A, B, C].map((n) => upstreamOf(net, n)),
      [B, C, A],
      'the cycle of upstreams formed',
    );
    net.route(A, S, S).route(B, S, A).route(C, S, A); // routes settle
    net.advance(10_000);
    assert.ok(
      [A, B, C].some((n) => net.count(n, 'mcast.branch.unattached') > 0),
      'an unconfirmed branch was given up',
    );
    assertCoherent(net, S);
    assert.equal(upstreamOf(net, A), S);
    net.delivered.length = 0;
    net.mc.get(S)!.send(G, groupPacket(S, 2).payload);
    net.flush();
    assert.deepEqual(net.delivered.map((d) => d.node).sort(), [A, B, C].sort(), 'every member, once');
  });

  it('a SEED from an attached node attaches every hop at once: nobody waits, nobody branches', () => {
    // S - A - B: S seeds B through A. The SEED carries ATTACHED from S on, so neither A nor B waits.
    const net = new FakeNet([S, A, B]).link(S, A).link(A, B);
    net.route(S, B, A).route(A, B, B).route(A, S, S).route(B, S, A);
    net.mc.get(S)!.register(G);
    net.lose(() => true);
    net.mc.get(B)!.join(G);
    net.lose(() => true);
    net.mc.get(S)!.onOption(
      {
        type: McastOptionType.MEMBERS,
        hopCount: 0,
        hopLimit: 0,
        target: S,
        group: G,
        origin: S,
        sources: [],
        members: [B],
      },
      S,
    );
    net.advance(10_000);
    assert.equal(net.count(A, 'mcast.branch.unattached') + net.count(B, 'mcast.branch.unattached'), 0);
    assert.equal(net.count(A, 'mcast.branch') + net.count(B, 'mcast.branch'), 0, 'nobody had to branch');
    assertCoherent(net, S);
  });
});
