import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAddress } from '../../../src/vrr/address.ts';
import { DEFAULT_LINK, TopologyError, type LinkParams, type Topology } from '../../../src/topology/index.ts';
import { loadTopology } from '../../../src/checks/topology.ts';
import type { MulticastCheckSpec } from '../../../src/checks/multicast/spec.ts';
import { errorOf, parse, topologiesDir, yaml } from './topology-test-kit.ts';

const load = (file: string): Topology => loadTopology(path.join(topologiesDir, file));
const linkBetween = (t: Topology, a: string, b: string) =>
  t.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))!;

describe('loadTopology', () => {
  describe('ready-made topologies', () => {
    const expected: Record<string, { nodes: number; links: number; seed: number }> = {
      'line-3.yaml': { nodes: 3, links: 2, seed: 3 },
      'ring-10.yaml': { nodes: 10, links: 10, seed: 10 },
      'grid-3x3.yaml': { nodes: 9, links: 12, seed: 42 },
      'grid-3x3-babeld.yaml': { nodes: 9, links: 12, seed: 42 },
      'keyed-3x3.yaml': { nodes: 10, links: 13, seed: 33 },
      'grid-5x5.yaml': { nodes: 25, links: 40, seed: 55 },
      'grid-32x32.yaml': { nodes: 1024, links: 1984, seed: 1024 },
      'rgg-100.yaml': { nodes: 100, links: 418, seed: 100 },
      'rgg-1000.yaml': { nodes: 1000, links: 5219, seed: 1000 },
      'freifunk-ulm.yaml': { nodes: 217, links: 447, seed: 217 },
      'partition-heal-12.yaml': { nodes: 12, links: 17, seed: 12 },
    };

    it('covers every file in topologies/', () => {
      assert.deepEqual(readdirSync(topologiesDir).sort(), Object.keys(expected).sort());
    });

    for (const [file, want] of Object.entries(expected)) {
      it(`loads ${file}`, () => {
        const topology = load(file);
        assert.equal(topology.name, file.replace(/\.yaml$/, ''));
        assert.equal(topology.seed, want.seed);
        assert.equal(topology.nodes.length, want.nodes);
        assert.equal(topology.links.length, want.links);
        assert.ok(topology.nodes.every((n) => n.vrr.vsetSize === 4 && n.vrr.helloMs === 1000));
        assert.ok(topology.links.every((l) => l.aToB.delayMs >= 1 && l.aToB.delayMs <= 2));
        assert.ok(topology.scenario.length >= 1);
        assert.equal(topology.scenario[0].action.kind, 'verify');
      });
    }

    it('partition-heal-12 partitions in two halves, heals, and checks multicast at 160kbit and the DHT', () => {
      const topology = load('partition-heal-12.yaml');
      const kinds = topology.scenario.map((s) => s.action.kind);
      assert.deepEqual(kinds, [
        'verify',
        'verify',
        'verify',
        'partition',
        'verify',
        'heal',
        'verify',
        'verify',
      ]);
      const partition = topology.scenario[3].action;
      assert.ok(partition.kind === 'partition');
      assert.deepEqual(
        partition.groups.map((g) => g.length),
        [6, 6],
      );
      const multicast = topology.checks.multicast as MulticastCheckSpec;
      assert.equal(multicast.rateBps, 160_000);
      assert.equal(multicast.group, '239.1.1.1');
      assert.deepEqual(topology.checks.dht, { keys: 100, expect: { foundPct: 100 } });
      assert.deepEqual(topology.scenario[2].where, {
        file: path.join(topologiesDir, 'partition-heal-12.yaml'),
        line: 22,
        column: 5,
      });
    });

    it('loads the same topology every time', () => {
      assert.deepEqual(load('rgg-100.yaml'), load('rgg-100.yaml'));
    });
  });

  it('reports an unreadable file', () => {
    assert.throws(() => loadTopology('no/such/file.yaml'), {
      name: 'TopologyError',
      message:
        'no/such/file.yaml:1:1: (top level): expected a readable topology file, found ENOENT when reading it',
    });
  });

  describe('the schema', () => {
    it('applies the defaults for everything left out', () => {
      const topology = parse(yaml('name: t', 'nodes:', '  a:', '  b: {}', 'links:', '  - [a, b]'));
      assert.equal(topology.seed, null);
      assert.deepEqual(topology.nodes[0], { name: 'a', address: null, vrr: { vsetSize: 4, helloMs: 1000 } });
      assert.deepEqual(topology.links[0].aToB, DEFAULT_LINK);
      assert.deepEqual(DEFAULT_LINK, {
        delayMs: 1,
        jitterMs: 0,
        lossPct: 0,
        rateBps: null,
        duplicatePct: 0,
        reorderPct: 0,
        corruptPct: 0,
      });
      assert.deepEqual(topology.scenario, []);
      assert.deepEqual(topology.checks, { multicast: null, dht: null });
    });

    it('reads the illustrative file of the testbed guide, per-direction parameters included', () => {
      const topology = parse(
        yaml(
          'name: grid3',
          'seed: 42',
          'defaults:',
          '  vrr: { vsetSize: 4, helloMs: 500 }',
          '  link: { delay: 2ms, loss: 0% }',
          'nodes:',
          '  a: {}',
          '  b: { address: "02:00:00:00:00:0b" }',
          '  c: {}',
          'links:',
          '  - [a, b]',
          '  - { ends: [b, c], delay: 10ms, jitter: 2ms, loss: 1% }',
          '  - { ends: [a, c], a->c: { rate: 1mbit }, c->a: { loss: 5% } }   # per direction',
        ),
      );
      assert.equal(topology.nodes[1].address, parseAddress('02:00:00:00:00:0b'));
      assert.ok(topology.nodes.every((n) => n.vrr.helloMs === 500));
      const base: LinkParams = { ...DEFAULT_LINK, delayMs: 2 };
      assert.deepEqual(linkBetween(topology, 'a', 'b').aToB, base);
      const bc = linkBetween(topology, 'b', 'c');
      assert.deepEqual(bc.aToB, { ...base, delayMs: 10, jitterMs: 2, lossPct: 1 });
      assert.deepEqual(bc.bToA, bc.aToB);
      const ac = linkBetween(topology, 'a', 'c');
      assert.deepEqual([ac.a, ac.b], ['a', 'c']);
      assert.deepEqual(ac.aToB, { ...base, rateBps: 1_000_000 });
      assert.deepEqual(ac.bToA, { ...base, lossPct: 5 });
    });

    it('lets a direction override the link, the link override defaults, and rate: unlimited lift a default rate', () => {
      const topology = parse(
        yaml(
          'name: t',
          'defaults: { link: { rate: 1mbit, loss: 1% } }',
          'nodes: { a: , b: }',
          'links:',
          '  - { ends: [a, b], rate: unlimited, loss: 2%, b->a: { loss: 3%, corrupt: 0.1% } }',
        ),
      );
      const [link] = topology.links;
      assert.deepEqual(link.aToB, { ...DEFAULT_LINK, rateBps: null, lossPct: 2 });
      assert.deepEqual(link.bToA, { ...DEFAULT_LINK, rateBps: null, lossPct: 3, corruptPct: 0.1 });
    });

    it('sets protocol parameters per node over the defaults', () => {
      const topology = parse(
        yaml(
          'name: t',
          'defaults: { vrr: { vsetSize: 6 } }',
          'nodes:',
          '  a: { vrr: { helloMs: 250 } }',
          '  b: {}',
        ),
      );
      assert.deepEqual(
        topology.nodes.map((n) => n.vrr),
        [
          { vsetSize: 6, helloMs: 250 },
          { vsetSize: 6, helloMs: 1000 },
        ],
      );
    });

    it('combines a generator with listed nodes (refining) and links (adding or overriding)', () => {
      const topology = parse(
        yaml(
          'name: t',
          'generate:',
          '  grid: { rows: 2, cols: 2 }',
          'nodes:',
          '  r1c1: { address: "02:00:00:00:00:01" }',
          'links:',
          '  - { ends: [r1c2, r1c1], loss: 10%, r1c2->r1c1: { delay: 5ms } }',
          '  - [r1c1, r2c2]',
        ),
      );
      assert.deepEqual(
        topology.nodes.map((n) => n.name),
        ['r1c1', 'r1c2', 'r2c1', 'r2c2'],
      );
      assert.equal(topology.nodes[0].address, parseAddress('02:00:00:00:00:01'));
      assert.equal(topology.links.length, 5);
      const overridden = topology.links[0];
      assert.deepEqual([overridden.a, overridden.b], ['r1c1', 'r1c2']);
      assert.deepEqual(overridden.aToB, { ...DEFAULT_LINK, lossPct: 10 });
      assert.deepEqual(overridden.bToA, { ...DEFAULT_LINK, lossPct: 10, delayMs: 5 });
      assert.deepEqual([topology.links[4].a, topology.links[4].b], ['r1c1', 'r2c2']);
    });

    it('derives a random-geometric seed from the file seed when the generator has none', () => {
      const text = (seed: number) =>
        yaml('name: t', `seed: ${seed}`, 'generate:', '  random-geometric: { n: 50, radius: 0.25 }');
      assert.deepEqual(parse(text(1)).links, parse(text(1)).links);
      assert.notDeepEqual(parse(text(1)).links, parse(text(2)).links);
    });

    it('generates line, ring, star and grid nodes with the names they document', () => {
      const names = (generator: string) =>
        parse(yaml('name: t', 'generate:', `  ${generator}`)).nodes.map((n) => n.name);
      assert.deepEqual(names('line: { n: 3 }'), ['n1', 'n2', 'n3']);
      assert.deepEqual(names('ring: { n: 3 }'), ['n1', 'n2', 'n3']);
      assert.deepEqual(names('star: { n: 2 }'), ['hub', 'n1', 'n2']);
      assert.deepEqual(names('grid: { rows: 1, cols: 2 }'), ['r1c1', 'r1c2']);
    });
  });

  describe('the scenario', () => {
    const mesh = yaml(
      'name: t',
      'nodes: { a: , b: , c: , d: }',
      'links: [[a, b], [b, c], [c, d], [d, a]]',
      'checks:',
      '  multicast: { group: "ff02::1:3", source: a, members: [c, d], rate: 160kbit, duration: 30s }',
      '  dht: { keys: 10 }',
    );

    it('reads every action', () => {
      const topology = parse(
        mesh +
          yaml(
            'scenario:',
            '  - { at: 0, verify: [ping-all, multicast] }',
            '  - { at: 500ms, link-down: [b, a] }',
            '  - { at: 1s, verify: { ping-all: { within: 10s }, ring-consistent: , dht: {} } }',
            '  - { at: 1s, link-up: [a, b] }',
            '  - { at: 2s, impair: { ends: [b, a], loss: 5%, "a->b": { delay: 20ms } } }',
            '  - { at: 3s, partition: [[a], [c]] }',
            '  - { at: 4s, heal: all }',
            '  - { at: 5s, crash: c }',
            '  - { at: 6s, restart: c }',
            '  - { at: 7s, stall: { node: b, for: 2.5s } }',
            '  - { at: 1m, wait: 30s }',
          ),
      );
      assert.deepEqual(
        topology.scenario.map((s) => [s.atMs, s.action]),
        [
          [
            0,
            {
              kind: 'verify',
              checks: [
                { check: 'ping-all', withinMs: null },
                { check: 'multicast', withinMs: null },
              ],
            },
          ],
          // Links are named in the orientation the topology gave them.
          [500, { kind: 'link-down', a: 'a', b: 'b' }],
          [
            1000,
            {
              kind: 'verify',
              checks: [
                { check: 'ping-all', withinMs: 10_000 },
                { check: 'ring-consistent', withinMs: null },
                { check: 'dht', withinMs: null },
              ],
            },
          ],
          [1000, { kind: 'link-up', a: 'a', b: 'b' }],
          [2000, { kind: 'impair', a: 'a', b: 'b', aToB: { lossPct: 5, delayMs: 20 }, bToA: { lossPct: 5 } }],
          // b and d were not listed: they form one more group.
          [3000, { kind: 'partition', groups: [['a'], ['c'], ['b', 'd']] }],
          [4000, { kind: 'heal' }],
          [5000, { kind: 'crash', node: 'c' }],
          [6000, { kind: 'restart', node: 'c' }],
          [7000, { kind: 'stall', node: 'b', ms: 2500 }],
          [60_000, { kind: 'wait', ms: 30_000 }],
        ],
      );
      assert.deepEqual(topology.scenario[1].where, { file: 'bad.yaml', line: 9, column: 5 });
    });

    it('reads the checks, with expect defaults and the group mapped to a VRR group address', () => {
      const topology = parse(mesh);
      assert.deepEqual(topology.checks, {
        multicast: {
          group: 'ff02::1:3',
          groupAddress: 0x333300010003,
          source: 'a',
          members: ['c', 'd'],
          rateBps: 160_000,
          durationMs: 30_000,
          expect: { deliveryPct: 99, duplicates: 0 },
        },
        dht: { keys: 10, expect: { foundPct: 100 } },
      });
    });
  });

  it('throws TopologyError with its parts', () => {
    try {
      parse(yaml('name: t', 'nodes: { a: { vrr: { vsetSize: 5 } } }'));
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof TopologyError);
      assert.deepEqual(
        { file: error.file, line: error.line, column: error.column, keyPath: error.keyPath },
        { file: 'bad.yaml', line: 2, column: 32, keyPath: 'nodes.a.vrr.vsetSize' },
      );
      assert.equal(error.expected, 'an even integer >= 2');
      assert.equal(error.found, '5');
    }
  });
});

describe('node protocol (babeld nodes)', () => {
  it('takes protocol from defaults and per node; vrrd nodes carry no protocol field', () => {
    const t = parse(
      [
        'name: t',
        'defaults: { protocol: babeld }',
        'nodes:',
        '  a: {}',
        '  b: { protocol: vrrd }',
        'links:',
        '  - [a, b]',
      ].join('\n'),
    );
    assert.deepEqual(
      t.nodes.map((n) => [n.name, n.protocol]),
      [
        ['a', 'babeld'],
        ['b', undefined],
      ],
    );
    const g = parse(['name: g', 'defaults: { protocol: babeld }', 'generate: { line: { n: 2 } }'].join('\n'));
    assert.ok(g.nodes.every((n) => n.protocol === 'babeld'));
  });

  it('refuses an unknown protocol with file, line and column', () => {
    assert.match(
      errorOf(['name: t', 'nodes:', '  a: { protocol: olsr }'].join('\n')),
      /^bad\.yaml:3:\d+: nodes\.a\.protocol: expected the routing daemon the node runs: vrrd or babeld, found "olsr"/,
    );
    assert.match(
      errorOf(['name: t', 'defaults:', '  protocol: 3', 'nodes:', '  a: {}'].join('\n')),
      /^bad\.yaml:3:\d+: defaults\.protocol: expected the routing daemon the node runs/,
    );
  });
});
