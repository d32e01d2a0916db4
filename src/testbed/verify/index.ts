// The checks a scenario step, the closing checks or `testbed verify` run on a real lab: the registry's checks
// (src/checks) by name, each over this lab's LabProbe.

import type { LabCheckStream } from '../../checks/check.ts';
import type { CheckResult } from '../../checks/report.ts';
import { runLabCheck, startLabCheck, type LabCheckContext } from '../../checks/run-lab.ts';
import type { LabAccess } from '../lab/lab-access.ts';
import { labProbe } from './lab-probe.ts';

export { labProbe } from './lab-probe.ts';
export type { CheckResult } from '../../checks/report.ts';

/** Runs one round of the named check (no retry); a check without its section fails saying so. */
export function runCheck(lab: LabAccess, check: string, ctx: LabCheckContext): Promise<CheckResult> {
  return runLabCheck(labProbe(lab), check, ctx);
}

/** Starts the named check as a stream (multicast), or null when it is a plain round. */
export function startCheckStream(
  lab: LabAccess,
  check: string,
  ctx: LabCheckContext,
): Promise<LabCheckStream | null> {
  return startLabCheck(labProbe(lab), check, ctx);
}
