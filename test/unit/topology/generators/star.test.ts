import assert from 'node:assert/strict';
import { GeneratorError, starGraph } from '../../../../src/topology/index.ts';
import { assertWellFormed, degrees } from './graph-assertions.ts';

describe('star generator', () => {
  it('links a hub to n leaves n1..nN', () => {
    const graph = starGraph(5);
    assert.deepEqual(graph.nodes, ['hub', 'n1', 'n2', 'n3', 'n4', 'n5']);
    assert.equal(graph.links.length, 5);
    assert.equal(degrees(graph).get('hub'), 5);
    assert.ok(graph.links.every((l) => l.a === 'hub'));
    assertWellFormed(graph);
  });

  it('needs at least one leaf', () => {
    assert.throws(() => starGraph(0), GeneratorError);
  });
});
