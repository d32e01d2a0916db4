import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseGraphJson, TopologyError } from '../../../../src/topology/index.ts';
import { parse, graphsDir, yaml } from '../topology-test-kit.ts';
import { assertWellFormed } from './graph-assertions.ts';

function graphError(text: string): string {
  try {
    parseGraphJson(text, 'g.json');
  } catch (error) {
    assert.ok(error instanceof TopologyError, String(error));
    return error.message;
  }
  return assert.fail('expected the graph to be rejected');
}

describe('from-file generator', () => {
  it('makes the link ends the nodes, in order of first appearance; ids compare as text', () => {
    const graph = parseGraphJson(
      JSON.stringify({
        nodes: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 99, name: 'no links: left out, as in meshnet-lab' }],
        links: [
          { source: 2, target: 1 },
          { source: '3', target: 2 },
        ],
      }),
      'g.json',
    );
    assert.deepEqual(graph.nodes, ['2', '1', '3']);
    assert.deepEqual(graph.links, [
      { a: '2', b: '1' },
      { a: '3', b: '2' },
    ]);
  });

  it('collapses links listed twice, either way round, into the first', () => {
    const graph = parseGraphJson(
      JSON.stringify({
        links: [
          { source: 'a', target: 'b', source_tq: 0.5 },
          { source: 'b', target: 'a', source_tq: 0.1 },
          { source: 'a', target: 'b' },
        ],
      }),
      'g.json',
      { lossFromTq: true },
    );
    assert.deepEqual(graph.links, [{ a: 'a', b: 'b', aToB: { lossPct: 50 } }]);
  });

  it('maps tq to per-direction loss when asked; tq 0 or none is unknown', () => {
    const text = JSON.stringify({
      links: [
        { source: 'a', target: 'b', source_tq: 0.9, target_tq: 0.75 },
        { source: 'b', target: 'c', source_tq: 0, target_tq: 1 },
        { source: 'c', target: 'd' },
      ],
    });
    assert.deepEqual(parseGraphJson(text, 'g.json', { lossFromTq: true }).links, [
      { a: 'a', b: 'b', aToB: { lossPct: 10 }, bToA: { lossPct: 25 } },
      { a: 'b', b: 'c', bToA: { lossPct: 0 } },
      { a: 'c', b: 'd' },
    ]);
    assert.deepEqual(parseGraphJson(text, 'g.json').links[0], { a: 'a', b: 'b' });
  });

  it('renames ids that are not node names to n<k>, avoiding names already taken', () => {
    const graph = parseGraphJson(
      JSON.stringify({
        links: [
          { source: 'a.b', target: 'n1' },
          { source: 'n1', target: 'a very long node identifier' },
        ],
      }),
      'g.json',
    );
    assert.deepEqual(graph.nodes, ['n1_2', 'n1', 'n3']);
    assert.deepEqual(graph.links, [
      { a: 'n1_2', b: 'n1' },
      { a: 'n1', b: 'n3' },
    ]);
  });

  it('reports problems in the JSON file with line and column', () => {
    assert.equal(
      graphError('{\n  "links": [\n    { "source": 1, "target": 1 }\n  ]\n}\n'),
      'g.json:3:30: links[0].target: expected a link between two different nodes, found "1" at both ends',
    );
    assert.equal(
      graphError('{\n  "links": [\n    { "source": 1 }\n  ]\n}\n'),
      'g.json:3:5: links[0]: expected a link with "source" and "target", found a link without "target"',
    );
    assert.equal(
      graphError('{ "links": [ { "source": 1, "target": [2] } ] }'),
      'g.json:1:39: links[0].target: expected a node id (a non-empty string or a number), found a list',
    );
    assert.equal(graphError('{ "nodes": [] }'), 'g.json:1:1: links: expected a list of links, found nothing');
    assert.equal(
      graphError('{ "links": [] }'),
      'g.json:1:12: links: expected at least one link, found an empty list',
    );
    assert.match(
      graphError('{\n  "links": [,]\n}'),
      // The engine's wording varies between Node versions; the place does not.
      /^g\.json:2:13: [^:]+: expected valid JSON, found a syntax error: Unexpected token/,
    );
  });

  it('refuses a tq outside 0..1 when mapping loss', () => {
    assert.throws(
      () =>
        parseGraphJson('{"links": [{"source": 1, "target": 2, "source_tq": 2}]}', 'g.json', {
          lossFromTq: true,
        }),
      { message: 'g.json:1:52: links[0].source_tq: expected a link quality (tq) from 0 to 1, found 2' },
    );
  });

  describe('every real graph in data/graphs', () => {
    const files = readdirSync(graphsDir).filter((f) => f.endsWith('.json'));

    it('finds the graphs', () => {
      assert.ok(files.length >= 7, `found ${files.join(', ')}`);
    });

    for (const file of files) {
      it(`loads ${file} through a topology file, connected, with and without lossFromTq`, () => {
        const graphPath = path.join(graphsDir, file);
        for (const lossFromTq of [false, true]) {
          const topology = parse(
            yaml(
              'name: imported',
              'generate:',
              `  from-file: { path: ${JSON.stringify(graphPath)}, lossFromTq: ${lossFromTq} }`,
            ),
          );
          assert.ok(topology.nodes.length >= 4);
          assert.ok(topology.links.length >= 3);
          assertWellFormed({ nodes: topology.nodes.map((n) => n.name), links: topology.links });
          for (const link of topology.links) {
            for (const params of [link.aToB, link.bToA])
              assert.ok(params.lossPct >= 0 && params.lossPct <= 100);
          }
        }
      });
    }

    it('reads the graphs the way meshnet-lab does (node and link counts)', () => {
      const counts = Object.fromEntries(
        [
          'freifunk-ulm.json',
          'freifunk-berlin.json',
          '17_node_mesh_network.json',
          'freifunk_mesh_cloud.json',
        ].map((file) => {
          const topology = parse(
            yaml(
              'name: imported',
              'generate:',
              `  from-file: { path: ${JSON.stringify(path.join(graphsDir, file))} }`,
            ),
          );
          return [file, [topology.nodes.length, topology.links.length]];
        }),
      );
      assert.deepEqual(counts, {
        'freifunk-ulm.json': [217, 447],
        // Ids repeat in berlin's node list; the links name 761 distinct nodes, among them the hub ic-0.
        'freifunk-berlin.json': [761, 1123],
        // One listed node has no link; one linked node (0011) is not listed.
        '17_node_mesh_network.json': [17, 25],
        // 0001-0002 is listed twice.
        'freifunk_mesh_cloud.json': [7, 13],
      });
    });
  });
});
