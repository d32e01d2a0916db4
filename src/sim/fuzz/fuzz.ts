// The fuzzer: N seeded random fault schedules on one topology, each played after convergence, followed
// by a heal of everything, a quiet period, and the invariants (by default: a consistent ring and ping-all
// at 100 %). Every failing schedule comes with the one command that replays it exactly.

import { deriveSeed } from '../../vrr/rng.ts';
import type { ScenarioStep, Topology } from '../../topology/types.ts';
import type { SimNetwork } from '../network.ts';
import { runSimulation, type SimReport } from '../run-sim.ts';
import type { CheckReport } from '../../checks/report.ts';
import { convergeStep, type SimStep } from '../steps.ts';
import { checkNetworkRing } from '../../checks/ring-consistent/sim.ts';
import { pingAll } from '../../checks/ping-all/sim.ts';
import { scenarioSteps } from '../scenario/timeline.ts';
import { randomSchedule, type ScheduleOptions } from './schedule.ts';
import { completePathsReport } from './complete-paths.ts';

/** Checks the network after a schedule healed and quiesced; any failed report is a violation. */
export type InvariantChecker = (network: SimNetwork) => CheckReport[];

/**
 * The default invariants: one consistent ring (per partition, and there is one), every vset path complete both
 * ways (complete-paths.ts), ping-all delivers 100 %.
 */
export const defaultInvariants: InvariantChecker = (network) => {
  const ring = checkNetworkRing(network, { maxProblems: 20 });
  const ping = pingAll(network);
  return [
    { name: 'ring-consistent', passed: ring.passed, figures: { ...ring.figures }, problems: ring.problems },
    completePathsReport(network.snapshots()),
    { name: 'ping-all', passed: ping.passed, figures: { ...ping.figures }, problems: ping.problems },
  ];
};

/** Settings shared by every schedule of a fuzz run. */
export interface FuzzOptions {
  /** What the invariants are. Default: defaultInvariants. Tests inject a broken one. */
  invariants?: InvariantChecker;
  schedule?: ScheduleOptions;
  /** After the final heal, virtual ms to wait for a consistent ring before checking. Default 300,000. */
  quiesceMs?: number;
  /** Deadline for the first convergence. Default 600,000. */
  maxSimMs?: number;
}

/** The outcome of one schedule. */
export interface FuzzOneResult {
  scheduleSeed: number;
  passed: boolean;
  schedule: ScenarioStep[];
  /** Failed invariants and steps, one line each, named. */
  problems: string[];
  report: SimReport;
}

/** The seed of schedule i of a fuzz run with `seed`. */
export function scheduleSeedOf(seed: number, i: number): number {
  return deriveSeed(seed, `fuzz:${i}`);
}

/** The command that replays one schedule exactly. */
export function replayCommand(file: string, scheduleSeed: number): string {
  return `npm run testbed -- sim ${file} --fuzz-one ${scheduleSeed}`;
}

/** Plays one schedule: everything (addresses, links, nodes, schedule) derives from scheduleSeed. */
export function fuzzOne(topology: Topology, scheduleSeed: number, options: FuzzOptions = {}): FuzzOneResult {
  const schedule = randomSchedule(topology, scheduleSeed, options.schedule);
  const played: Topology = { ...topology, scenario: schedule };
  const invariants = options.invariants ?? defaultInvariants;
  const invariantStep: SimStep = {
    name: 'invariants',
    run(ctx) {
      if (ctx.convergenceMs === null) return; // reported by the timeline steps
      for (const check of invariants(ctx.network)) ctx.checks.push(check);
    },
  };
  const report = runSimulation(played, {
    seed: scheduleSeed,
    maxSimMs: options.maxSimMs,
    steps: [
      convergeStep,
      ...scenarioSteps(played, { settleMs: options.quiesceMs ?? 300_000 }),
      invariantStep,
    ],
  });
  const problems: string[] = [];
  if (report.convergenceMs === null) problems.push('the ring never converged before the schedule');
  for (const step of report.steps ?? []) {
    if (!step.passed) problems.push(...(step.problems ?? [`step ${step.where} (${step.action}) failed`]));
  }
  for (const check of report.checks) {
    if (check.passed) continue;
    problems.push(`invariant ${check.name} violated`);
    for (const p of check.problems ?? []) problems.push(`${check.name}: ${p}`);
  }
  return { scheduleSeed, passed: report.passed && problems.length === 0, schedule, problems, report };
}

/** The result of a fuzz run. */
export interface FuzzSummary {
  seed: number;
  schedules: number;
  failures: (FuzzOneResult & { index: number })[];
}

/** Runs `count` schedules derived from `seed`; calls onResult after each (for progress lines). */
export function runFuzz(
  topology: Topology,
  seed: number,
  count: number,
  options: FuzzOptions & { onResult?: (index: number, result: FuzzOneResult) => void } = {},
): FuzzSummary {
  const failures: FuzzSummary['failures'] = [];
  for (let i = 0; i < count; i++) {
    const result = fuzzOne(topology, scheduleSeedOf(seed, i), options);
    options.onResult?.(i, result);
    if (!result.passed) failures.push({ ...result, index: i });
  }
  return { seed, schedules: count, failures };
}
