// The checks a scenario step or `testbed verify` runs on a real lab, by the names topology files use
// (VerifySpec.check), and the one result type they all return.

import type { ChecksSpec, VerifySpec } from '../../topology/types.ts';
import type { LabAccess } from '../lab/lab-access.ts';
import type { CheckResult } from './check-result.ts';
import { runDhtCheck } from './dht-check.ts';
import { runMulticastCheck } from './multicast-check.ts';
import { runPingAll, type PingAllOptions } from './ping-all.ts';
import { runRingCheck } from './ring-check.ts';

export { checkResult, capProblems, type CheckResult } from './check-result.ts';
export { runPingAll, parsePing, choosePairs, type PingAllOptions, type PingMatrix } from './ping-all.ts';
export { runDhtCheck, dhtCheckKey, type DhtCheckOptions } from './dht-check.ts';
export {
  runMulticastCheck,
  startMulticast,
  ensureGroupRoute,
  receiverSource,
  multicastPort,
  type MulticastOptions,
  type MulticastRun,
} from './multicast-check.ts';
export { runRingCheck, collectRingSnapshots, type RingCheckOptions } from './ring-check.ts';

/** What runCheck needs besides the lab: the topology's check parameters and the run's seed. */
export interface RunCheckContext {
  checks: ChecksSpec;
  seed: number;
  pingAll?: PingAllOptions;
}

/** Runs one round of the named check (no retry); a dht or multicast check without parameters fails saying so. */
export async function runCheck(
  lab: LabAccess,
  check: VerifySpec['check'],
  ctx: RunCheckContext,
): Promise<CheckResult> {
  switch (check) {
    case 'ping-all':
      return runPingAll(lab, { seed: ctx.seed, ...ctx.pingAll });
    case 'ring-consistent':
      return runRingCheck(lab);
    case 'dht':
      if (!ctx.checks.dht) return missingSpec('dht');
      return runDhtCheck(lab, ctx.checks.dht, ctx.seed);
    case 'multicast':
      if (!ctx.checks.multicast) return missingSpec('multicast');
      return runMulticastCheck(lab, ctx.checks.multicast, ctx.seed);
  }
}

function missingSpec(name: 'dht' | 'multicast'): CheckResult {
  return {
    name,
    passed: false,
    figures: {},
    problems: [`${name}: the topology has no checks.${name} section, so there is nothing to run it with`],
  };
}
