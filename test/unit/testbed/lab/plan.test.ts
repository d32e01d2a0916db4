// The lab plan's invariants (src/testbed/lab/plan.ts): addresses from seed and name, unique overlay IPv4 in
// 198.18.0.0/15, interface names unique per node in link order, per-node seeds from the run seed and name.

import assert from 'node:assert/strict';
import { hostIpv4, nodeSeed, planLab, plannedLink, plannedNode } from '../../../../src/testbed/lab/plan.ts';
import { loadTopology, parseTopology } from '../../../../src/checks/topology.ts';
import { REPO_ROOT } from '../../../../src/daemon/daemon-bundle.ts';

const opts = { seed: 7, runtime: 'netns' as const, runId: 'r1' };

describe('lab plan', () => {
  it('numbers each node’s interfaces eth1.. in link order and names the peer', () => {
    const t = parseTopology(
      'name: t\nnodes: { a: {}, b: {}, c: {} }\nlinks: [[a, b], [b, c], [c, a]]\n',
      't.yaml',
      REPO_ROOT,
    );
    const plan = planLab(t, opts);
    assert.deepEqual(
      plan.links.map((l) => [l.a, l.ifA, l.b, l.ifB]),
      [
        ['a', 'eth1', 'b', 'eth1'],
        ['b', 'eth2', 'c', 'eth1'],
        ['c', 'eth2', 'a', 'eth2'],
      ],
    );
    assert.deepEqual(plannedNode(plan, 'b').interfaces, [
      { ifname: 'eth1', link: 0, peer: 'a' },
      { ifname: 'eth2', link: 1, peer: 'c' },
    ]);
    assert.equal(plannedLink(plan, 'a', 'c').index, 2);
    assert.throws(() => plannedLink(plan, 'a', 'x'), /has no node "x"/);
  });

  it('gives unique overlay IPv4 addresses in 198.18.0.0/15 on a 1,000-node graph', () => {
    const plan = planLab(loadTopology(`${REPO_ROOT}/topologies/rgg-1000.yaml`), opts);
    const v4 = plan.nodes.map(hostIpv4);
    assert.equal(new Set(v4).size, plan.nodes.length);
    for (const a of v4) assert.match(a, /^198\.1[89]\.\d+\.\d+$/);
    assert.equal(new Set(plan.nodes.map((n) => n.ipv6)).size, plan.nodes.length);
    for (const n of plan.nodes) for (const i of n.interfaces) assert.ok(i.ifname.length <= 15);
  });

  it('derives addresses and seeds from the name: adding a node changes no one else’s', () => {
    const small = parseTopology('name: t\nnodes: { a: {}, b: {} }\nlinks: [[a, b]]\n', 't.yaml', REPO_ROOT);
    const big = parseTopology(
      'name: t\nnodes: { z: {}, a: {}, b: {} }\nlinks: [[a, b], [b, z]]\n',
      't.yaml',
      REPO_ROOT,
    );
    const p1 = planLab(small, opts);
    const p2 = planLab(big, opts);
    for (const name of ['a', 'b']) {
      assert.equal(plannedNode(p1, name).address, plannedNode(p2, name).address);
      assert.equal(plannedNode(p1, name).seed, plannedNode(p2, name).seed);
    }
    assert.equal(plannedNode(p1, 'a').seed, nodeSeed(7, 'a'));
    assert.notEqual(nodeSeed(7, 'a'), nodeSeed(8, 'a'));
  });
});
