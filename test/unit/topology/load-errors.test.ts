// Broken topology files: each must be refused with ONE line naming file, line, column, key path, what was
// expected and what was found. The messages are asserted whole: they are the user interface of the loader.

import assert from 'node:assert/strict';
import path from 'node:path';
import { errorOf, repoRoot, yaml } from './topology-test-kit.ts';

const abc = ['name: t', 'nodes:', '  a: {}', '  b: {}', '  c: {}', 'links:', '  - [a, b]', '  - [b, c]'];

const cases: { what: string; text: string; message: string }[] = [
  {
    what: 'an unknown top-level key',
    text: yaml(...abc, 'nodez: {}'),
    message:
      'bad.yaml:9:1: nodez: expected one of name, seed, defaults, nodes, links, generate, scenario, checks, security, found unknown key "nodez"',
  },
  {
    what: 'an unknown key in a link',
    text: yaml('name: t', 'nodes: { a: {}, b: {} }', 'links:', '  - { ends: [a, b], dealy: 2ms }'),
    message:
      'bad.yaml:4:21: links[0].dealy: expected one of ends, delay, jitter, loss, rate, duplicate, reorder, corrupt, "a->b" (per direction), found unknown key "dealy"',
  },
  {
    what: 'a link to a missing node',
    text: yaml('name: t', 'nodes: { a: {}, b: {} }', 'links:', '  - [a, x]'),
    message:
      'bad.yaml:4:9: links[0][1]: expected the name of a node in this topology, found "x" (no such node)',
  },
  {
    what: 'a duplicate node',
    text: yaml('name: t', 'nodes:', '  a: {}', '  a: {}'),
    message: 'bad.yaml:4:3: nodes.a: expected each key once in a map, found "a" again (first at line 3)',
  },
  {
    what: 'a bad duration',
    text: yaml('name: t', 'nodes: { a: {}, b: {} }', 'links:', '  - { ends: [a, b], delay: 2 ms }'),
    message: 'bad.yaml:4:28: links[0].delay: expected a duration like 500us, 2ms, 1.5s or 1m, found "2 ms"',
  },
  {
    what: 'a duration without a unit',
    text: yaml('name: t', 'defaults:', '  link: { jitter: 5 }', 'nodes: { a: {} }'),
    message:
      'bad.yaml:3:19: defaults.link.jitter: expected a duration like 500us, 2ms, 1.5s or 1m (with its unit), found 5',
  },
  {
    what: 'a negative duration',
    text: yaml('name: t', 'defaults:', '  link: { delay: -1ms }', 'nodes: { a: {} }'),
    message: 'bad.yaml:3:18: defaults.link.delay: expected a non-negative duration, found "-1ms"',
  },
  {
    what: 'a percentage over 100',
    text: yaml('name: t', 'defaults:', '  link: { loss: 101% }', 'nodes: { a: {} }'),
    message:
      'bad.yaml:3:17: defaults.link.loss: expected a percentage from 0% to 100%, like 0.5% or 1%, found "101%"',
  },
  {
    what: 'a rate in bytes',
    text: yaml('name: t', 'nodes: { a: {}, b: {} }', 'links:', '  - { ends: [a, b], rate: 10kbps }'),
    message:
      'bad.yaml:4:27: links[0].rate: expected a rate in bits per second like 800bit, 160kbit, 1mbit or 1gbit (byte units such as kbps are not accepted), found "10kbps"',
  },
  {
    what: 'a self-link',
    text: yaml('name: t', 'nodes: { a: {}, b: {} }', 'links:', '  - [a, a]'),
    message: 'bad.yaml:4:9: links[0][1]: expected a link between two different nodes, found "a" at both ends',
  },
  {
    what: 'a duplicate link, the other way round',
    text: yaml(
      'name: t',
      'nodes: { a: {}, b: {} }',
      'links:',
      '  - [a, b]',
      '  - { ends: [b, a], loss: 1% }',
    ),
    message:
      'bad.yaml:5:5: links[1]: expected each link once, found a second link between b and a (first at line 4)',
  },
  {
    what: 'a direction that is not the link',
    text: yaml(
      'name: t',
      'nodes: { a: {}, b: {}, c: {} }',
      'links:',
      '  - { ends: [a, b], a->c: { loss: 1% } }',
    ),
    message:
      'bad.yaml:4:21: links[0]["a->c"]: expected a direction of this link: "a->b" or "b->a", found "a->c"',
  },
  {
    what: 'an odd vsetSize',
    text: yaml('name: t', 'defaults:', '  vrr: { vsetSize: 3 }', 'nodes: { a: {} }'),
    message: 'bad.yaml:3:20: defaults.vrr.vsetSize: expected an even integer >= 2, found 3',
  },
  {
    what: 'a group address pinned on a node',
    text: yaml('name: t', 'nodes:', '  a: { address: "01:00:00:00:00:01" }'),
    message:
      'bad.yaml:3:17: nodes.a.address: expected a locally administered unicast address like 02:00:00:00:00:0b (first octet: bit 0x02 set, bit 0x01 clear), found "01:00:00:00:00:01"',
  },
  {
    what: 'a malformed address',
    text: yaml('name: t', 'nodes:', '  a: { address: 02:00:00:00:00 }'),
    message:
      'bad.yaml:3:17: nodes.a.address: expected a locally administered unicast address like 02:00:00:00:00:0b (first octet: bit 0x02 set, bit 0x01 clear), found "02:00:00:00:00"',
  },
  {
    what: 'a duplicate pinned address',
    text: yaml(
      'name: t',
      'nodes:',
      '  a: { address: "02:00:00:00:00:01" }',
      '  b: { address: "02:00:00:00:00:01" }',
    ),
    message:
      'bad.yaml:4:17: nodes.b.address: expected an address no other node has, found 02:00:00:00:00:01, already pinned by a',
  },
  {
    what: 'a node name that cannot name an interface',
    text: yaml('name: t', 'nodes:', '  "a b": {}'),
    message:
      'bad.yaml:3:3: nodes["a b"]: expected a node name of 1-15 letters, digits, _ or - (starting with a letter or digit), found "a b"',
  },
  {
    what: 'an unknown check name',
    text: yaml(...abc, 'scenario:', '  - at: 0s', '    verify: [ping-all, ring-consistant]'),
    message:
      'bad.yaml:11:24: scenario[0].verify[1]: expected a check name (ping-all, dht, multicast, ring-consistent), found "ring-consistant"',
  },
  {
    what: 'verifying a check that is not defined',
    text: yaml(...abc, 'scenario:', '  - at: 0s', '    verify: { multicast: { within: 5s } }'),
    message:
      'bad.yaml:11:15: scenario[0].verify.multicast: expected a check defined under checks (add checks.multicast), found "multicast"',
  },
  {
    what: 'a partition with an unknown node',
    text: yaml(...abc, 'scenario:', '  - at: 1s', '    partition: [[a, b], [d]]'),
    message:
      'bad.yaml:11:26: scenario[0].partition[1][0]: expected the name of a node in this topology, found "d" (no such node)',
  },
  {
    what: 'a partition with a node in two groups',
    text: yaml(...abc, 'scenario:', '  - at: 1s', '    partition: [[a, b], [b, c]]'),
    message:
      'bad.yaml:11:26: scenario[0].partition[1][0]: expected each node in one group only, found "b" again (already in group 1)',
  },
  {
    what: 'a scenario step on a link that does not exist',
    text: yaml(...abc, 'scenario:', '  - at: 0s', '    link-down: [a, c]'),
    message:
      'bad.yaml:11:16: scenario[0].link-down: expected a link of this topology, found a - c (no such link)',
  },
  {
    what: 'a step with two actions',
    text: yaml(...abc, 'scenario:', '  - at: 0s', '    crash: a', '    restart: a'),
    message:
      'bad.yaml:10:5: scenario[0]: expected exactly one action (verify, link-down, link-up, impair, partition, heal, crash, restart, stall, wait, hostile), found crash and restart',
  },
  {
    what: 'steps out of time order',
    text: yaml(...abc, 'scenario:', '  - { at: 5s, crash: a }', '  - { at: 1s, restart: a }'),
    message:
      "bad.yaml:11:11: scenario[1].at: expected a time no earlier than the previous step's 5s (steps are in time order), found 1s",
  },
  {
    what: 'a multicast group that is not one',
    text: yaml(
      ...abc,
      'checks:',
      '  multicast: { group: 10.0.0.1, source: a, members: [b], rate: 160kbit, duration: 10s }',
    ),
    message:
      'bad.yaml:10:23: checks.multicast.group: expected a multicast group: IPv4 224.0.0.0-239.255.255.255, IPv6 ff00::/8, or a 48-bit group address, found "10.0.0.1"',
  },
  {
    what: 'an empty file',
    text: '',
    message:
      'bad.yaml:1:1: (top level): expected a topology: a map with name and nodes (or generate), links, scenario, checks, found an empty document',
  },
  {
    what: 'a topology without nodes',
    text: yaml('name: t', 'nodes: {}'),
    message: 'bad.yaml:2:8: nodes: expected at least one node, found an empty map',
  },
  {
    what: 'neither nodes nor a generator',
    text: yaml('name: t', 'seed: 1'),
    message: 'bad.yaml:1:1: (top level): expected a topology with nodes or generate, found neither',
  },
  {
    what: 'a random geometric graph that cannot be connected',
    text: yaml('name: t', 'seed: 1', 'generate:', '  random-geometric: { n: 100, radius: 0.02 }'),
    message:
      'bad.yaml:4:21: generate.random-geometric: expected n and radius that give a connected graph (about radius 0.182 for n=100), found n=100, radius=0.02, disconnected in all 32 draws',
  },
  {
    what: 'a random geometric graph without any seed',
    text: yaml('name: t', 'generate:', '  random-geometric: { n: 10, radius: 0.5 }'),
    message:
      'bad.yaml:3:21: generate.random-geometric: expected a seed (here or at the top level) so every run draws the same graph, found none',
  },
  {
    what: 'two generators',
    text: yaml('name: t', 'generate:', '  grid: { rows: 2, cols: 2 }', '  line: { n: 3 }'),
    message:
      'bad.yaml:3:3: generate: expected exactly one generator (line, ring, grid, star, random-geometric, from-file), found grid and line',
  },
  {
    what: 'a ring too small to be one',
    text: yaml('name: t', 'generate:', '  ring: { n: 2 }'),
    message: 'bad.yaml:3:14: generate.ring.n: expected an integer from 3 to 100000, found 2',
  },
  {
    what: 'refining a node the generator did not make',
    text: yaml('name: t', 'generate:', '  grid: { rows: 2, cols: 2 }', 'nodes:', '  r9c9: {}'),
    message:
      'bad.yaml:5:3: nodes.r9c9: expected a node made by the grid generator (r1c1, r1c2, r2c1, ...), found "r9c9" (no such node)',
  },
  {
    what: 'a graph file that does not exist',
    text: yaml('name: t', 'generate:', '  from-file: { path: nope.json }'),
    message: `bad.yaml:3:22: generate.from-file.path: expected a meshnet-lab JSON graph file, relative to this file, found "nope.json", which does not exist (${path.join(repoRoot, 'nope.json')})`,
  },
  {
    what: 'heal with something other than all',
    text: yaml(...abc, 'scenario:', '  - at: 1s', '    heal: everything'),
    message:
      'bad.yaml:11:11: scenario[0].heal: expected all (heal undoes every partition and link-down), found "everything"',
  },
  {
    what: 'an impair that changes nothing',
    text: yaml(...abc, 'scenario:', '  - at: 1s', '    impair: { ends: [a, b] }'),
    message:
      'bad.yaml:11:13: scenario[0].impair: expected at least one link parameter to change (delay, jitter, loss, rate, duplicate, reorder, corrupt), found only ends',
  },
  {
    what: 'a file without a name',
    text: yaml('nodes: { a: {} }'),
    message: 'bad.yaml:1:1: (top level): expected a topology with a name, found a map with only nodes',
  },
  {
    what: 'a YAML syntax error',
    text: yaml('name: t', 'nodes:', '  a: b: c'),
    message:
      'bad.yaml:3:6: nodes.a.b: expected valid YAML, found a syntax error: nested mappings are not allowed in compact mappings',
  },
];

describe('broken topology files', () => {
  it('has at least ten kinds', () => {
    assert.ok(cases.length >= 10);
  });

  for (const { what, text, message } of cases) {
    it(`refuses ${what}`, () => {
      assert.equal(errorOf(text), message);
    });
  }
});
