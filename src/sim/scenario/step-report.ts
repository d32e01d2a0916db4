// What a scenario run reports per timeline step, and where the steps of one run keep those reports. The
// SimRunContext is shared by every step of a run, so the log hangs off it (a WeakMap keeps steps.ts as is).

import type { SimRunContext } from '../steps.ts';

/** One timeline step in the report: when it ran, what it did, and whether it held. */
export interface ScenarioStepReport {
  /** The step's `at`, ms after the ring first converged. */
  at: number;
  action: string;
  /** file:line of the step in the topology file. */
  where: string;
  passed: boolean;
  /** Fault steps: ringConsistentAfterMs (null: never seen). Verify steps: `<check>.<figure>` and `<check>.heldAfterMs`. */
  figures: Record<string, number | null>;
  problems?: string[];
  /** Checks of a verify step the simulator cannot run, each with the reason (they neither pass nor fail). */
  notRun?: string[];
}

const logs = new WeakMap<SimRunContext, ScenarioStepReport[]>();

/** The step reports of this run so far (created empty on first use). */
export function scenarioLog(ctx: SimRunContext): ScenarioStepReport[] {
  let log = logs.get(ctx);
  if (!log) {
    log = [];
    logs.set(ctx, log);
  }
  return log;
}

/** The step reports of this run, or undefined when it ran no timeline. */
export function scenarioReports(ctx: SimRunContext): ScenarioStepReport[] | undefined {
  return logs.get(ctx);
}
