// The soft refresh of membership (rendezvous.ts): an RVP that lost its record with every copy gets it
// back from the sources' and members' periodic REGISTER/JOIN; a refresh changes nothing where nothing was lost
// (no seed to a member already seeded, no notice to anybody); a hand-off merges records.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { groupKey } from '../../../../src/vrr/multicast/index.ts';
import { McastOptionType } from '../../../../src/vrr/wire/types.ts';
import { deliveredTo, G, groupPacket, netWithRvp } from './mcast-kit.ts';

const S: Address = 0x020000000001;
const M: Address = 0x020000000002;
const L: Address = 0x020000000003; // joins late
const R: Address = 0x020000000009;
const REFRESH = 10_000;

function star() {
  const net = netWithRvp([S, M, L], R, { refreshMs: REFRESH }).link(S, M).link(S, L);
  net.route(M, S, S).route(L, S, S).route(S, M, M).route(S, L, L);
  return net;
}

describe('multicast membership refresh', () => {
  it('an RVP restarted without its record rebuilds it within a refresh period; a late member then gets the stream', () => {
    const net = star();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    net.restart(R, { refreshMs: REFRESH }); // the RVP and (here) every copy of the record are gone
    assert.deepEqual(net.mc.get(R)!.rvpRecords(), []);
    net.mc.get(L)!.join(G); // answered by the empty record: no source yet
    net.flush();
    assert.equal(net.mc.get(L)!.table().length, 0);
    net.advance(1.25 * REFRESH + 100);
    const rec = net.mc.get(R)!.rvpRecords()[0];
    assert.deepEqual([rec.role, rec.sources, [...rec.members].sort()], ['owner', [S], [M, L].sort()]);
    assert.equal(net.mc.get(L)!.table()[0]?.upstream, S, 'the late member is on the tree');
    net.delivered.length = 0;
    net.mc.get(S)!.onGroupData(groupPacket(S, 1), S);
    net.flush();
    assert.deepEqual(deliveredTo(net), [M, L].sort());
  });

  it('a refresh where nothing was lost seeds nobody, tells nobody and replicates nothing', () => {
    const net = star();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const before = { seeds: net.count(S, 'mcast.seed'), branches: net.count(M, 'mcast.branch') };
    const sent: number[] = [];
    const deliver = net.deliver.bind(net);
    net.deliver = (i = 0) => {
      sent.push(net.queue[i].option?.type ?? 0);
      deliver(i);
    };
    net.advance(3 * REFRESH);
    assert.ok(net.count(S, 'mcast.refresh') >= 2 && net.count(M, 'mcast.refresh') >= 2);
    assert.deepEqual({ seeds: net.count(S, 'mcast.seed'), branches: net.count(M, 'mcast.branch') }, before);
    assert.deepEqual(
      [...new Set(sent)].sort(),
      [
        McastOptionType.REGISTER,
        McastOptionType.MEMBERS,
        McastOptionType.JOIN,
        McastOptionType.SOURCES,
      ].sort(),
      'requests and their answers only',
    );
  });

  it('a record handed off to the owner is merged into the one it holds', () => {
    const net = star();
    net.mc.get(M)!.join(G);
    net.flush();
    // Another node that believed it owned G (the other side of a healed partition) hands its record on.
    net.mc.get(R)!.onOption(
      {
        type: McastOptionType.REPLICATE,
        hopCount: 3,
        hopLimit: 64,
        target: groupKey(G),
        group: G,
        origin: L,
        sources: [S],
        members: [L],
      },
      L,
    );
    const rec = net.mc.get(R)!.rvpRecords()[0];
    assert.deepEqual([rec.sources, [...rec.members].sort()], [[S], [M, L].sort()]);
  });
});
