// Running a check by name on a lab: its section from the topology, the run's seed, and a failing result that
// says why when the check needs a section the topology lacks. The scenario runner, the closing checks and
// `testbed verify` all come through here with their LabProbe.

import type { ChecksSpec, Topology } from '../topology/types.ts';
import type { LabCheckStream } from './check.ts';
import { restrictProbe, type LabProbe } from './lab-probe.ts';
import { findCheck, missingSection, sectionOf, type AnyCheck } from './registry.ts';
import { checkResult, type CheckResult } from './report.ts';

/** What a named run needs besides the lab. */
export interface LabCheckContext {
  /** The topology's `checks` section. */
  checks: ChecksSpec;
  /** The run's seed (sampled pairs and keys). */
  seed: number;
  topology?: Topology;
}

/**
 * The probe a check sees: only the nodes of the protocols it applies to. A skipped result instead when the lab
 * has alive nodes but none of those (a babeld lab has no ring to check).
 */
function probeFor(probe: LabProbe, check: AnyCheck): LabProbe | CheckResult {
  if (check.protocols === undefined) return probe;
  const restricted = restrictProbe(probe, check.protocols);
  const others = probe.aliveNodes().length - restricted.aliveNodes().length;
  if (restricted.aliveNodes().length > 0 || others === 0) return restricted;
  const kinds = [...new Set(probe.aliveNodes().map((n) => probe.node(n).protocol ?? 'vrrd'))].join(', ');
  return {
    ...checkResult(check.name, true, {}),
    skipped: `applies to ${check.protocols.join(', ')} nodes only: skipped for ${others} ${kinds} node(s)`,
  };
}

/** Runs one round of the named check (no retry). */
export async function runLabCheck(
  labProbe: LabProbe,
  name: string,
  ctx: LabCheckContext,
): Promise<CheckResult> {
  const check = findCheck(name);
  const probe = probeFor(labProbe, check);
  if (!('exec' in probe)) return probe;
  const missing = missingSection(ctx.checks, check);
  if (missing !== null) return checkResult(name, false, {}, [`${name}: ${missing}`]);
  return check.lab(probe, { spec: sectionOf(ctx.checks, check), seed: ctx.seed, topology: ctx.topology });
}

/**
 * Starts the named check as a stream that runs on while later steps happen, when it is one (multicast); null
 * when the check is a plain round (run it with runLabCheck).
 */
export async function startLabCheck(
  labProbe: LabProbe,
  name: string,
  ctx: LabCheckContext,
): Promise<LabCheckStream | null> {
  const check = findCheck(name);
  if (!check.stream) return null;
  const probe = probeFor(labProbe, check);
  const missing = 'exec' in probe ? missingSection(ctx.checks, check) : null;
  if (!('exec' in probe) || missing !== null) {
    const result = 'exec' in probe ? checkResult(name, false, {}, [`${name}: ${missing}`]) : probe;
    return { startedAt: labProbe.now(), stop: async () => result, abort: () => {} };
  }
  return check.stream.lab(probe, {
    spec: sectionOf(ctx.checks, check),
    seed: ctx.seed,
    topology: ctx.topology,
  });
}
