// What the page highlights on the ring: per node, the virtual neighbours it lacks and the ones it should not
// hold (by the checker's definition, per partition), problem lines counted per node, and the full check's
// verdict when routes are known.

import assert from 'node:assert/strict';
import type { NodeSnapshot } from '../../../../src/checks/ring-consistent/verdict.ts';
import { components, ringView } from '../../../../src/testbed/ui/ring-view.ts';

const snap = (name: string, address: number, vset: number[], alive = true): NodeSnapshot => ({
  name,
  address,
  alive,
  active: true,
  vsetSize: 2,
  vset,
  routes: [],
  linkedNeighbors: [],
});

describe('testbed ui ring view', () => {
  it('names the missing and the wrong virtual neighbours of each node, vsets only', () => {
    // Four nodes at 1..4 on one line a-b-c-d: with r = 2, each holds its ring successor and predecessor.
    const nodes = [snap('a', 1, [2, 4]), snap('b', 2, [3, 1]), snap('c', 3, [4, 1]), snap('d', 4, [1, 3])];
    const links = [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
    ] as const;
    const ring = ringView(nodes, links, false);
    assert.equal(ring.passed, false);
    assert.equal(ring.routesChecked, false);
    assert.deepEqual(ring.missing, [['c', 'b']]);
    assert.deepEqual(ring.wrong, [['c', 'a']]);
    assert.deepEqual(ring.nodeProblems, { c: 2 });
    assert.equal(ring.problemCount, 2);
    assert.equal(ring.partitions, 1);
  });

  it('judges each partition alone, and leaves crashed nodes out', () => {
    const nodes = [
      snap('a', 1, [2]),
      snap('b', 2, [1]),
      snap('c', 3, [4]),
      snap('d', 4, [3]),
      snap('e', 5, [], false),
    ];
    const links = [
      ['a', 'b'],
      ['c', 'd'],
      ['d', 'e'],
    ] as const;
    assert.deepEqual(
      components(
        nodes.filter((n) => n.alive),
        links,
      ).map((p) => p.map((n) => n.name)),
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    );
    const ring = ringView(nodes, links, false);
    assert.equal(ring.passed, true, ring.problems.join('\n'));
    assert.equal(ring.partitions, 2);
  });

  it('runs the full checker when routes are known: no routes, so every vset member lacks its path', () => {
    const nodes = [snap('a', 1, [2]), snap('b', 2, [1])];
    const ring = ringView(nodes, [['a', 'b']], true);
    assert.equal(ring.routesChecked, true);
    assert.equal(ring.passed, false);
    assert.equal(ring.figures.missingPaths, 2);
    assert.deepEqual(ring.nodeProblems, { a: 1, b: 1 });
    assert.deepEqual(ring.brokenPaths, [
      ['a', 'b'],
      ['b', 'a'],
    ]);
  });
});
