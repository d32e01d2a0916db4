// The `security` section: a network key inline or in a file; bad keys are refused with file, line and column.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTopology } from '../../../src/checks/topology.ts';
import { errorOf, yaml } from './topology-test-kit.ts';

const HEX = '000102030405060708090a0b0c0d0e0f';
const two = ['name: t', 'nodes:', '  a: {}', '  b: { keyed: false }', 'links:', '  - [a, b]'];

describe('topology security', () => {
  it('reads an inline hex key and per-node keyed flags', () => {
    const t = parseTopology(yaml(...two, `security: { key: "${HEX}" }`), 't.yaml');
    assert.deepEqual(
      Array.from(t.security!.key),
      Array.from({ length: 16 }, (_, i) => i),
    );
    assert.deepEqual(
      t.nodes.map((n) => n.keyed),
      [undefined, false],
    );
  });

  it('reads a key file relative to the topology, as hex text or raw bytes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vrr-key-'));
    try {
      writeFileSync(path.join(dir, 'hex.key'), `${HEX}\n`);
      writeFileSync(path.join(dir, 'raw.key'), Buffer.alloc(32, 7));
      const hex = parseTopology(yaml(...two, 'security: { keyFile: hex.key }'), path.join(dir, 't.yaml'));
      assert.equal(hex.security!.key.length, 16);
      const raw = parseTopology(yaml(...two, 'security: { keyFile: raw.key }'), path.join(dir, 't.yaml'));
      assert.deepEqual(Array.from(raw.security!.key), new Array(32).fill(7));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a short key, both key and keyFile, and a missing key file, naming line and column', () => {
    assert.equal(
      errorOf(yaml(...two, 'security: { key: "abcd" }')),
      'bad.yaml:7:18: security.key: expected a network key: at least 32 hex digits (16 bytes), found 4 characters',
    );
    assert.match(
      errorOf(yaml(...two, `security: { key: "${HEX}", keyFile: k }`)),
      /^bad\.yaml:7:\d+: security\.keyFile: expected key or keyFile, not both, found both$/,
    );
    assert.match(
      errorOf(yaml(...two, 'security: { keyFile: /nonexistent/vrr.key }')),
      /^bad\.yaml:7:\d+: security\.keyFile: expected .*found key file \/nonexistent\/vrr\.key: ENOENT when reading it$/,
    );
    assert.match(
      errorOf(yaml('name: t', 'nodes:', '  a: { keyed: maybe }')),
      /^bad\.yaml:3:\d+: nodes\.a\.keyed: expected true or false: whether the node holds the network key, found/,
    );
  });
});
