// Loading a topology file with the registry's checks: what the simulator, the testbed and the benches call. The
// loader itself (src/topology) takes the check catalog as an argument because it sits below the checks.

import { loadTopology as loadWith, parseTopology as parseWith } from '../topology/load.ts';
import type { Topology } from '../topology/types.ts';
import { CHECK_CATALOG } from './registry.ts';

/** Reads and parses a topology file; its checks are the registry's. */
export function loadTopology(file: string): Topology {
  return loadWith(file, CHECK_CATALOG);
}

/** Parses topology text; `fileName` is used in messages, `baseDir` resolves relative paths (from-file). */
export function parseTopology(text: string, fileName: string, baseDir?: string): Topology {
  return parseWith(text, fileName, CHECK_CATALOG, baseDir);
}
