// Shared helpers of the topology tests: where the repository and the shared graphs are, and how to get
// the one-line message of a broken file.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTopology } from '../../../src/checks/topology.ts';
import { TopologyError, type Topology } from '../../../src/topology/index.ts';

/** The project checkout (where package.json is). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The real mesh graphs shipped in data/graphs (meshnet-lab, MIT). */
export const graphsDir = path.resolve(repoRoot, 'data/graphs');

/** The ready-made topologies. */
export const topologiesDir = path.join(repoRoot, 'topologies');

/** Parses text as if read from `bad.yaml` in the repository root. */
export function parse(text: string): Topology {
  return parseTopology(text, 'bad.yaml', repoRoot);
}

/** The message of the TopologyError that parsing `text` (as bad.yaml) throws; fails if none is thrown. */
export function errorOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    assert.ok(error instanceof TopologyError, `expected a TopologyError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), `message must be one line: ${error.message}`);
    return error.message;
  }
  assert.fail('expected the topology to be rejected, but it loaded');
}

/** Joins lines into a YAML text (tests read better as one line per YAML line). */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}
