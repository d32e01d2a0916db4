// Every check, by the name topology files, verify steps and `testbed verify` use. The topology loader learns the
// names and section readers from here (CHECK_CATALOG; src/topology cannot import checks), so a misspelt check
// or a bad section fails at load time with its file:line:column.
//
// How to add a check, say `foo` (no other file changes):
//  1. A folder src/checks/foo/ whose index.ts exports `fooCheck: Check<Spec>` (check.ts says what each member
//     means: name, section, lab, sim, and optionally simHolds, simUnsupported, stream). Beside it, as the check
//     needs: spec.ts (its section under `checks`: a CheckSection whose reader fails through Value.fail, so errors
//     carry file:line:column), sample.ts (whatever is drawn from the seed: one function both halves call),
//     verdict.ts (figures in, verdict and problem lines naming the pair, key or member out), lab.ts (the lab
//     half, over a LabProbe: never import src/testbed) and sim.ts (the simulator half, over a SimProbe: never
//     import src/sim). No file over 600 lines.
//  2. Here: import it and add `fooCheck` to CHECKS (one line each). The loader then accepts `verify: [foo]`
//     and `checks.foo`; the simulator's verify steps, a lab's timeline and `testbed verify` run it by name
//     (`testbed verify` by default when the topology has its section). A `stream` check also runs on while later
//     steps happen, in both.
//  3. Tests in test/unit/checks/foo/, mirroring the folder; if it samples, a case in same-seed.test.ts.

import type { CheckCatalog, CheckSectionReader } from '../topology/checks.ts';
import type { ChecksSpec } from '../topology/types.ts';
import type { Check } from './check.ts';
import { dhtCheck } from './dht/index.ts';
import { multicastCheck } from './multicast/index.ts';
import { pingAllCheck } from './ping-all/index.ts';
import { ringConsistentCheck } from './ring-consistent/index.ts';

/** A check of any section type, as the registry holds it. */
export type AnyCheck = Check<unknown>;

/** Every check, in the order messages list them. One line per check. */
export const CHECKS: readonly AnyCheck[] = [pingAllCheck, dhtCheck, multicastCheck, ringConsistentCheck];

/**
 * The checks every run closes with (and `testbed verify` runs by default), in order: the ring first, since a
 * broken ring explains failing pings.
 */
export const CLOSING_CHECKS: readonly string[] = ['ring-consistent', 'ping-all'];

/** Every check name, in the order messages list them. */
export const CHECK_NAMES: readonly string[] = CHECKS.map((c) => c.name);

/** What the topology loader needs to know of the checks: their names and the readers of their sections. */
export const CHECK_CATALOG: CheckCatalog = {
  names: CHECK_NAMES,
  sections: new Map(
    CHECKS.flatMap((c): [string, CheckSectionReader][] => (c.section ? [[c.name, c.section]] : [])),
  ),
};

/** The check called name; throws listing the names when there is none. */
export function findCheck(name: string): AnyCheck {
  const check = CHECKS.find((c) => c.name === name);
  if (!check) {
    throw new RangeError(`expected a check name (${CHECK_NAMES.join(', ')}), found ${JSON.stringify(name)}`);
  }
  return check;
}

/** The check's section in a topology's `checks`, or null when it takes none or the file left it out. */
export function sectionOf(checks: ChecksSpec, check: AnyCheck): unknown {
  return checks[check.name] ?? null;
}

/** Why a check that needs its section cannot run without it, or null when it can run. */
export function missingSection(checks: ChecksSpec, check: AnyCheck): string | null {
  if (!check.section?.required || sectionOf(checks, check) !== null) return null;
  return `the topology has no checks.${check.name} section, so there is nothing to run it with`;
}
