import assert from 'node:assert/strict';
import { GeneratorError, ringGraph } from '../../../../src/topology/index.ts';
import { assertWellFormed, degrees } from './graph-assertions.ts';

describe('ring generator', () => {
  it('closes n1..nN into a cycle: n links, two per node', () => {
    const graph = ringGraph(10);
    assert.equal(graph.nodes.length, 10);
    assert.equal(graph.links.length, 10);
    assert.ok([...degrees(graph).values()].every((d) => d === 2));
    assert.deepEqual(graph.links.at(-1), { a: 'n10', b: 'n1' });
    assertWellFormed(graph);
  });

  it('needs at least three nodes', () => {
    assert.throws(() => ringGraph(2), {
      name: 'GeneratorError',
      message: 'expected ring n to be an integer >= 3, found 2',
    });
    assert.throws(() => ringGraph(2.5), GeneratorError);
  });
});
