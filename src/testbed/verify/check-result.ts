// The result of one check on a real lab: the simulator's CheckReport (name, passed, figures, problems) plus
// `details` for data too big for figures (the ping matrix, per-member multicast counts), so reports of the
// simulator and of real labs have the same shape and one writer serves both.

import type { CheckReport } from '../../sim/steps.ts';

/** One check's verdict, figures and problem lines; details hold the check's bulk data (JSON-serializable). */
export interface CheckResult extends CheckReport {
  details?: Record<string, unknown>;
}

/** Builds a result, leaving `problems` and `details` out when empty (as the simulator's reports do). */
export function checkResult(
  name: string,
  passed: boolean,
  figures: Record<string, number>,
  problems: string[] = [],
  details?: Record<string, unknown>,
): CheckResult {
  return {
    name,
    passed,
    figures,
    ...(problems.length > 0 ? { problems } : {}),
    ...(details !== undefined ? { details } : {}),
  };
}

/** Keeps at most max problem lines, the last one saying how many more there were. */
export function capProblems(problems: readonly string[], max: number): string[] {
  if (problems.length <= max) return [...problems];
  return [...problems.slice(0, max), `... and ${problems.length - max} more`];
}

/** Rounds to three decimals (figures are for people and diffs, not for more precision than ping gives). */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
