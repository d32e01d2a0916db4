// The multicast check (multicast.ts check(), trees.ts check()): the safety net run settleMs after a change and every
// checkMs. A member whose source was unreachable when it learned of it (no branch, no retry: nothing to retry
// along) gets on the tree at the first check after a route appears, triggered or periodic; a stopped node checks
// nothing.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import type { MulticastOptions } from '../../../../src/vrr/multicast/index.ts';
import { FakeNet } from './fake-net.ts';
import { deliveredTo, G, groupPacket, tellSource } from './mcast-kit.ts';

const S: Address = 0x020000000001; // source
const M: Address = 0x020000000002; // member

/** S and M linked, but M has no route to S yet: M learns of S and cannot branch. */
function unreachable(options: MulticastOptions = {}): FakeNet {
  const net = new FakeNet([S, M], options).link(S, M);
  net.mc.get(S)!.register(G);
  tellSource(net, M, S);
  net.flush();
  assert.ok(net.count(M, 'mcast.branch.noRoute') >= 1, 'no route to S yet');
  assert.equal(net.mc.get(M)!.table()[0]?.upstream ?? null, null);
  net.route(M, S, S).route(S, M, M);
  return net;
}

function stream(net: FakeNet, seq: number): Address[] {
  net.delivered.length = 0;
  net.mc.get(S)!.onGroupData(groupPacket(S, seq), S);
  net.advance(50);
  return deliveredTo(net);
}

describe('multicast: the periodic and triggered check', () => {
  it('a member that could not reach its source gets on the tree at the check after a change', () => {
    const net = unreachable();
    net.advance(5000);
    assert.equal(net.mc.get(M)!.table()[0]?.upstream ?? null, null, 'nothing happens by itself');
    net.mc.get(M)!.onNeighborLinked(); // a change: the check runs settleMs later
    net.advance(100);
    assert.equal(net.mc.get(M)!.table()[0]?.upstream, S, 'branched on the check');
    assert.deepEqual(stream(net, 1), [M]);
  });

  it('the same on a vset change or a lost neighbour', () => {
    const a = unreachable();
    a.mc.get(M)!.onVsetChange([S], []);
    a.advance(100);
    assert.equal(a.mc.get(M)!.table()[0]?.upstream, S);
    const b = unreachable();
    b.mc.get(M)!.onNeighborLost(0x020000000077);
    b.advance(100);
    assert.equal(b.mc.get(M)!.table()[0]?.upstream, S);
  });

  it('the periodic check (every checkMs) does it with no change reported', () => {
    const net = unreachable({ checkMs: 5000 });
    net.advance(12_000);
    assert.deepEqual(stream(net, 3), [M]);
  });

  it('a stopped node checks nothing', () => {
    const net = unreachable({ checkMs: 5000 });
    net.mc.get(M)!.onStop();
    net.mc.get(M)!.onNeighborLinked();
    net.advance(12_000);
    assert.equal(net.mc.get(M)!.table()[0]?.upstream ?? null, null);
  });
});
