// Reads the `checks` section: each check's own parameters (checks.multicast, checks.dht, ...). The loader does
// not know which checks exist: src/checks owns them and hands their names and section readers in as a
// CheckCatalog (topology sits below checks, so it cannot import them). Readers fail through Value.fail, so a
// bad section is reported at its file:line:column like any other key.

import type { ChecksSpec } from './types.ts';
import type { Value } from './yaml-reader.ts';

/** What a check's section reader may refer to. */
export interface CheckSectionContext {
  /** The topology's node names (a section naming a node must name one of these). */
  names: ReadonlySet<string>;
}

/** How one check's section under `checks` is read. */
export interface CheckSectionReader {
  /** Reads the section; errors go through value.fail (file:line:col, expected, found). */
  read(value: Value, context: CheckSectionContext): unknown;
  /** True when a verify step of the check needs the section: without it the check could only fail at run time. */
  readonly required: boolean;
}

/** The checks a topology file may name, as src/checks's registry describes them. */
export interface CheckCatalog {
  /** Every check name, in the order messages list them. */
  readonly names: readonly string[];
  /** The checks that take a section under `checks`, by name, in the order messages list them. */
  readonly sections: ReadonlyMap<string, CheckSectionReader>;
}

/** Reads `checks`: every section of the catalog, null when the file leaves it out. */
export function readChecks(
  value: Value | undefined,
  names: ReadonlySet<string>,
  catalog: CheckCatalog,
): ChecksSpec {
  const checks: Record<string, unknown> = {};
  for (const name of catalog.sections.keys()) checks[name] = null;
  if (!value) return checks;
  const sectionNames = [...catalog.sections.keys()];
  const map = value.map(`a map with ${sectionNames.join(' and/or ')}`);
  map.allowOnly(sectionNames);
  for (const [name, reader] of catalog.sections) {
    const section = map.get(name);
    if (section) checks[name] = reader.read(section, { names });
  }
  return checks;
}
