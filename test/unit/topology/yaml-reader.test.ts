import assert from 'node:assert/strict';
import { formatKeyPath, SourceText } from '../../../src/topology/yaml-reader.ts';
import { TopologyError } from '../../../src/topology/errors.ts';

describe('yaml-reader', () => {
  it('formats key paths like code: dots, indexes, quoted odd keys', () => {
    assert.equal(formatKeyPath([]), '(top level)');
    assert.equal(formatKeyPath(['links', 2, 'ends', 1]), 'links[2].ends[1]');
    assert.equal(formatKeyPath(['links', 0, 'a->b', 'loss']), 'links[0]["a->b"].loss');
    assert.equal(formatKeyPath(['generate', 'random-geometric', 'n']), 'generate.random-geometric.n');
  });

  it('locates values by line and column, 1-based', () => {
    const source = new SourceText('x.yaml', 'a:\n  b: [1, 2]\n');
    const b = source.root().map('a map').get('a')!.map('a map').get('b')!;
    assert.deepEqual(b.where, { file: 'x.yaml', line: 2, column: 6 });
    assert.deepEqual(b.list('a list')[1].where, { file: 'x.yaml', line: 2, column: 10 });
    assert.deepEqual(source.valueAt(['a', 'b', 1]).where, { file: 'x.yaml', line: 2, column: 10 });
  });

  it('keeps scalars as written when read as text', () => {
    const source = new SourceText('x.yaml', '[0001, 1e3, abc]\n');
    assert.deepEqual(
      source
        .root()
        .list('a list')
        .map((v) => v.text('a name')),
      ['0001', '1e3', 'abc'],
    );
  });

  it('reports syntax errors as TopologyErrors on one line', () => {
    assert.throws(
      () => new SourceText('x.yaml', 'a:\n  b: c: d\n'),
      (error: unknown) =>
        error instanceof TopologyError &&
        error.message ===
          'x.yaml:2:6: a.b.c: expected valid YAML, found a syntax error: nested mappings are not allowed in compact mappings',
    );
  });

  it('reports a duplicate key at the second one, naming the first', () => {
    const source = new SourceText('x.yaml', 'a: 1\nb: 2\na: 3\n');
    assert.throws(
      () => source.root().map('a map'),
      (error: unknown) =>
        error instanceof TopologyError &&
        error.line === 3 &&
        error.column === 1 &&
        error.message === 'x.yaml:3:1: a: expected each key once in a map, found "a" again (first at line 1)',
    );
  });
});
