// What every check returns, in the simulator and on real labs alike: a name, a verdict, figures and problem
// lines (which pair, which key, which member), so reports of both have the same shape and one writer serves both.

/** One check's entry in a report. */
export interface CheckReport {
  name: string;
  passed: boolean;
  figures: Record<string, number>;
  problems?: string[];
}

/** A check's report plus `details`, data too big for figures (the ping matrix, per-member counts): labs add them. */
export interface CheckResult extends CheckReport {
  details?: Record<string, unknown>;
  /** Why the check did not run (it does not apply to the lab's nodes: babeld nodes have no ring); passed is true. */
  skipped?: string;
}

/** Builds a result, leaving `problems` and `details` out when empty (as the simulator's reports always have). */
export function checkResult(
  name: string,
  passed: boolean,
  figures: Record<string, number>,
  problems: readonly string[] = [],
  details?: Record<string, unknown>,
): CheckResult {
  return {
    name,
    passed,
    figures,
    ...(problems.length > 0 ? { problems: [...problems] } : {}),
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
