// The path between two nodes, followed through their own tables by the forwarding rule: the closest endpoint
// (a linked active neighbour or a route endpoint) wins and the packet takes the hop toward it; a walk that comes
// back to a node, or reaches a node without tables, stops and says why.

import assert from 'node:assert/strict';
import { nextHopOf, tracePath, type ForwardingView } from '../../../../src/testbed/ui/path-trace.ts';
import { parseAddress } from '../../../../src/vrr/address.ts';

const addr = (i: number): string => `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`;
const linked = (i: number) => ({ address: addr(i), state: 'linked', active: true });

describe('testbed ui path trace', () => {
  it('takes the hop toward the endpoint closest to the destination', () => {
    const view: ForwardingView = {
      address: addr(1),
      neighbors: [linked(2), { address: addr(9), state: 'failed', active: true }],
      routes: [{ ea: addr(1), eb: addr(8), na: null, nb: addr(2) }],
    };
    assert.equal(nextHopOf(view, parseAddress(addr(8))), parseAddress(addr(2)), 'via the route toward 8');
    assert.equal(nextHopOf(view, parseAddress(addr(2))), parseAddress(addr(2)), 'a linked neighbour');
    assert.equal(nextHopOf(view, parseAddress(addr(1))), null, 'delivered here');
  });

  it('stops at a loop, and at a node that hands over no tables', async () => {
    const names = new Map([
      ['a', addr(1)],
      ['b', addr(2)],
      ['c', addr(3)],
    ]);
    // a and b each send packets for c to the other.
    const loop = async (name: string): Promise<ForwardingView> => ({
      address: names.get(name)!,
      neighbors: [linked(name === 'a' ? 2 : 1)],
      routes: [{ ea: names.get(name)!, eb: addr(3), na: null, nb: addr(name === 'a' ? 2 : 1) }],
    });
    const p = await tracePath('a', 'c', names, loop);
    assert.equal(p.reached, false);
    assert.deepEqual(p.hops, ['a', 'b', 'a']);
    assert.match(p.reason!, /loop/);
    const silent = await tracePath('a', 'c', names, async (n) => (n === 'a' ? loop(n) : null));
    assert.deepEqual(silent.hops, ['a', 'b']);
    assert.match(silent.reason!, /b did not hand over its tables/);
    const unknown = await tracePath('a', 'zz', names, loop);
    assert.match(unknown.reason!, /no node named zz/);
  });
});
