import assert from 'node:assert/strict';
import { GeneratorError, lineGraph } from '../../../../src/topology/index.ts';
import { assertWellFormed } from './graph-assertions.ts';

describe('line generator', () => {
  it('links n1..nN one after the other', () => {
    const graph = lineGraph(5);
    assert.deepEqual(graph.nodes, ['n1', 'n2', 'n3', 'n4', 'n5']);
    assert.deepEqual(
      graph.links.map((l) => `${l.a}-${l.b}`),
      ['n1-n2', 'n2-n3', 'n3-n4', 'n4-n5'],
    );
    assertWellFormed(graph);
  });

  it('allows a single node and nothing less', () => {
    assert.deepEqual(lineGraph(1), { nodes: ['n1'], links: [] });
    assert.throws(() => lineGraph(0), GeneratorError);
  });

  it('is the same every time', () => {
    assert.deepEqual(lineGraph(7), lineGraph(7));
  });
});
