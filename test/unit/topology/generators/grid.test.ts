import assert from 'node:assert/strict';
import { GeneratorError, gridGraph } from '../../../../src/topology/index.ts';
import { assertWellFormed, degrees } from './graph-assertions.ts';

describe('grid generator', () => {
  it('names nodes r1c1..rRcC row by row and links right and down neighbours', () => {
    const graph = gridGraph(3, 3);
    assert.deepEqual(graph.nodes, ['r1c1', 'r1c2', 'r1c3', 'r2c1', 'r2c2', 'r2c3', 'r3c1', 'r3c2', 'r3c3']);
    assert.equal(graph.links.length, 12);
    const degree = degrees(graph);
    assert.equal(degree.get('r1c1'), 2);
    assert.equal(degree.get('r1c2'), 3);
    assert.equal(degree.get('r2c2'), 4);
    assertWellFormed(graph);
  });

  it('has rows*(cols-1) + cols*(rows-1) links', () => {
    for (const [rows, cols] of [
      [1, 1],
      [1, 5],
      [4, 2],
      [32, 32],
    ]) {
      const graph = gridGraph(rows, cols);
      assert.equal(graph.nodes.length, rows * cols);
      assert.equal(graph.links.length, rows * (cols - 1) + cols * (rows - 1));
      assertWellFormed(graph);
    }
  });

  it('refuses an empty dimension', () => {
    assert.throws(() => gridGraph(0, 3), GeneratorError);
    assert.throws(() => gridGraph(3, 0), GeneratorError);
  });
});
