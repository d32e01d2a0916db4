// The registry and the loader's check catalog: the topology file's check names and sections come from the
// registry, a section is read by its check's own reader with file:line:column errors, and a catalog with one
// more check is all the loader needs to accept it.

import assert from 'node:assert/strict';
import {
  CHECK_CATALOG,
  CHECK_NAMES,
  CHECKS,
  findCheck,
  missingSection,
} from '../../../src/checks/registry.ts';
import { parseTopology as parseWith } from '../../../src/topology/load.ts';
import { TopologyError } from '../../../src/topology/errors.ts';
import type { CheckCatalog } from '../../../src/topology/checks.ts';
import { repoRoot, yaml } from '../topology/topology-test-kit.ts';

const ABC = ['name: t', 'nodes: { a: {}, b: {}, c: {} }', 'links: [[a, b], [b, c]]'];

describe('checks registry', () => {
  it('lists every check once, in the order messages give them', () => {
    assert.deepEqual(CHECK_NAMES, ['ping-all', 'dht', 'multicast', 'ring-consistent']);
    assert.deepEqual([...CHECK_CATALOG.sections.keys()], ['dht', 'multicast']);
    assert.equal(new Set(CHECK_NAMES).size, CHECKS.length);
    assert.equal(findCheck('dht').name, 'dht');
    assert.throws(() => findCheck('pong'), /expected a check name \(ping-all, .*\), found "pong"/);
  });

  it('says when a check that needs its section has none', () => {
    assert.equal(missingSection({ dht: null }, findCheck('ping-all')), null);
    assert.match(missingSection({ dht: null }, findCheck('dht'))!, /no checks\.dht section/);
  });

  it('a catalog with one more check is all the loader needs: its verify and its section, errors located', () => {
    const catalog: CheckCatalog = {
      names: [...CHECK_CATALOG.names, 'echo'],
      sections: new Map([
        ...CHECK_CATALOG.sections,
        [
          'echo',
          {
            required: true,
            read: (value, { names }) => {
              const node = value.text('a node name');
              if (!names.has(node)) value.fail('a node of this topology', JSON.stringify(node));
              return { node };
            },
          },
        ],
      ]),
    };
    const text = (section: string): string =>
      yaml(...ABC, `checks: { echo: ${section} }`, 'scenario:', '  - at: 0s', '    verify: [echo, ping-all]');
    const topology = parseWith(text('b'), 't.yaml', catalog, repoRoot);
    assert.deepEqual(topology.checks, { dht: null, multicast: null, echo: { node: 'b' } });
    const verify = topology.scenario[0].action;
    assert.ok(verify.kind === 'verify');
    assert.deepEqual(
      verify.checks.map((c) => c.check),
      ['echo', 'ping-all'],
    );
    assert.throws(
      () => parseWith(text('z'), 't.yaml', catalog, repoRoot),
      (error: unknown) =>
        error instanceof TopologyError &&
        error.message === 't.yaml:4:17: checks.echo: expected a node of this topology, found "z"',
    );
    // Without the check in its catalog, the loader knows no `echo`.
    assert.throws(
      () => parseWith(text('b'), 't.yaml', CHECK_CATALOG, repoRoot),
      /checks\.echo: expected one of dht, multicast, found unknown key "echo"/,
    );
  });
});
