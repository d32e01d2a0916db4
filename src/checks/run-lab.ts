// Running a check by name on a lab: its section from the topology, the run's seed, and a failing result that
// says why when the check needs a section the topology lacks. The scenario runner, the closing checks and
// `testbed verify` all come through here with their LabProbe.

import type { ChecksSpec, Topology } from '../topology/types.ts';
import type { LabCheckStream } from './check.ts';
import type { LabProbe } from './lab-probe.ts';
import { findCheck, missingSection, sectionOf } from './registry.ts';
import { checkResult, type CheckResult } from './report.ts';

/** What a named run needs besides the lab. */
export interface LabCheckContext {
  /** The topology's `checks` section. */
  checks: ChecksSpec;
  /** The run's seed (sampled pairs and keys). */
  seed: number;
  topology?: Topology;
}

/** Runs one round of the named check (no retry). */
export async function runLabCheck(probe: LabProbe, name: string, ctx: LabCheckContext): Promise<CheckResult> {
  const check = findCheck(name);
  const missing = missingSection(ctx.checks, check);
  if (missing !== null) return checkResult(name, false, {}, [`${name}: ${missing}`]);
  return check.lab(probe, { spec: sectionOf(ctx.checks, check), seed: ctx.seed, topology: ctx.topology });
}

/**
 * Starts the named check as a stream that runs on while later steps happen, when it is one (multicast); null
 * when the check is a plain round (run it with runLabCheck).
 */
export async function startLabCheck(
  probe: LabProbe,
  name: string,
  ctx: LabCheckContext,
): Promise<LabCheckStream | null> {
  const check = findCheck(name);
  if (!check.stream) return null;
  const missing = missingSection(ctx.checks, check);
  if (missing !== null) {
    const result = checkResult(name, false, {}, [`${name}: ${missing}`]);
    return { startedAt: probe.now(), stop: async () => result, abort: () => {} };
  }
  return check.stream.lab(probe, {
    spec: sectionOf(ctx.checks, check),
    seed: ctx.seed,
    topology: ctx.topology,
  });
}
