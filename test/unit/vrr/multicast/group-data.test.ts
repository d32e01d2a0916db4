// Group packets on a per-source tree (src/vrr/multicast/group-data.ts): a copy is taken only from the upstream of
// its tree (anything else is dropped and counted), data from the upstream confirms a branch whose ATTACHED was lost,
// and a copy at its last hop is delivered but copied no further (counted only where a copy would have gone on).

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { McastOptionType } from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';
import { deliveredTo, G, groupPacket, tellSource } from './mcast-kit.ts';

const S: Address = 0x020000000001; // source
const X: Address = 0x020000000005; // relay (and a member)
const M: Address = 0x020000000002; // member

/** S - X - M, both X and M members of (S, G), on the tree. */
function tree(lostAttached = false): FakeNet {
  const net = new FakeNet([S, X, M]).link(S, X).link(X, M);
  net.route(M, S, X).route(X, S, S).route(S, M, X).route(X, M, M).route(S, X, X);
  net.mc.get(S)!.register(G);
  if (lostAttached) net.blackhole = (m) => m.option?.type === McastOptionType.ATTACHED;
  tellSource(net, X, S);
  tellSource(net, M, S);
  net.advance(50);
  net.blackhole = null;
  return net;
}

describe('multicast: group data on a per-source tree', () => {
  it('takes a copy only from its upstream: from anyone else, or for a tree it does not hold, it is dropped', () => {
    const net = tree();
    const m = net.mc.get(M)!;
    assert.equal(m.table()[0]?.upstream, X);
    m.onGroupData(groupPacket(S, 1), S); // S is not M's upstream
    m.onGroupData({ ...groupPacket(S, 2), src: 0x020000000042 }, X); // no tree of that source here
    m.onGroupData({ ...groupPacket(S, 3), src: S }, M); // M is not S: it cannot originate S's packets
    net.advance(50);
    assert.equal(net.count(M, 'mcast.drop.notUpstream'), 3);
    assert.deepEqual(net.delivered, []);
    net.mc.get(S)!.onGroupData(groupPacket(S, 4), S);
    net.advance(50);
    assert.equal(net.count(M, 'mcast.deliver'), 1);
    assert.deepEqual(
      deliveredTo(net),
      [M, X].sort((a, b) => a - b),
    );
  });

  it('data from the upstream confirms a branch whose ATTACHED was lost: no give-up, no re-branch', () => {
    const net = tree(true);
    net.mc.get(S)!.onGroupData(groupPacket(S, 1), S);
    net.advance(10_000); // well past attachTimeoutMs
    assert.equal(net.count(M, 'mcast.branch.unattached'), 0);
    assert.equal(net.count(X, 'mcast.branch.unattached'), 0);
    assert.equal(net.count(M, 'mcast.branch'), 1, 'branched once');
  });

  // The confirmation is the data itself, not an ATTACHED the source's packet might set off: with every ATTACHED
  // lost, the stream alone keeps the branches.
  it('with every ATTACHED lost, the data alone confirms the branches', () => {
    const net = tree(true);
    net.blackhole = (m) => m.option?.type === McastOptionType.ATTACHED;
    net.mc.get(S)!.onGroupData(groupPacket(S, 1), S);
    net.advance(10_000);
    assert.equal(net.count(M, 'mcast.branch.unattached'), 0);
    assert.equal(net.count(X, 'mcast.branch.unattached'), 0);
  });

  // The source's own packets are data only: no tree message goes out with them.
  it("the source's packets go down the tree as data, and nothing else is sent", () => {
    const net = tree();
    net.mc.get(S)!.send(G, new Uint8Array([1]));
    assert.deepEqual(
      net.queue.map((m) => [m.from, m.to, m.packet ? 'data' : m.option?.type]),
      [[S, X, 'data']],
    );
  });

  it('without data, a branch whose ATTACHED was lost is given up and tried again', () => {
    const net = tree(true);
    net.advance(10_000);
    assert.ok(net.count(M, 'mcast.branch.unattached') + net.count(X, 'mcast.branch.unattached') >= 1);
  });

  it('a copy at its last hop is delivered and copied no further; counted only where it would have gone on', () => {
    const net = tree();
    net.delivered.length = 0;
    net.mc.get(X)!.onGroupData({ ...groupPacket(S, 1), hopLimit: 1 }, S);
    net.advance(50);
    assert.deepEqual(deliveredTo(net), [X]);
    assert.equal(net.count(X, 'mcast.drop.hopLimit'), 1, 'X would have copied it to M');
    net.mc.get(M)!.onGroupData({ ...groupPacket(S, 2), hopLimit: 1 }, X);
    net.advance(50);
    assert.equal(net.count(M, 'mcast.drop.hopLimit'), 0, 'M, a leaf, would not');
    net.delivered.length = 0;
    net.mc.get(X)!.onGroupData({ ...groupPacket(S, 3), hopLimit: 2 }, S);
    net.advance(50);
    assert.deepEqual(
      net.delivered.map((d) => [d.node, d.packet.hopLimit]).sort((a, b) => a[0] - b[0]),
      [
        [M, 1],
        [X, 2],
      ].sort((a, b) => a[0] - b[0]),
    );
  });
});
