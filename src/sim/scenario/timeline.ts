// topology.scenario as SimSteps: one step per timeline entry, run after convergence in `at` order at
// their virtual times (at = ms after the ring first converged), then a settle step that waits for the
// multicast streams still flowing and lets the ring recover from the last faults before the run's closing
// checks.

import type { ScenarioStep, Topology } from '../../topology/types.ts';
import { findCheck } from '../../checks/registry.ts';
import type { SimRunContext, SimStep } from '../steps.ts';
import { applyFault, describeAction, isFault, type FaultAction } from './apply-fault.ts';
import { ringWatch } from './ring-watch.ts';
import { scenarioLog, type ScenarioStepReport } from './step-report.ts';
import { unsupportedReason, verifyCheck } from './verify.ts';
import { finishStreams, startStreamOnStep } from './streams.ts';
import { recorderOf } from './run-recorder.ts';

/** Tuning of a timeline run. */
export interface TimelineOptions {
  /** After the last step, how long (virtual ms) to wait for a consistent ring. Default: the run's maxSimMs. */
  settleMs?: number;
}

/** The steps that play `topology.scenario` (sorted by `at`, file order kept for equal times). */
export function scenarioSteps(topology: Topology, options: TimelineOptions = {}): SimStep[] {
  const ordered = topology.scenario
    .map((step, index) => ({ step, index }))
    .sort((x, y) => x.step.atMs - y.step.atMs || x.index - y.index)
    .map(({ step }) => step);
  const steps: SimStep[] = ordered.map((step) => timelineStep(step));
  steps.push({
    name: 'settle',
    run(ctx) {
      const watch = ringWatch(ctx);
      // As a real lab awaits its streams (multicast) before the closing checks.
      finishStreams(ctx, watch);
      watch.settle(ctx.network.now() + (options.settleMs ?? ctx.maxSimMs));
    },
  });
  return steps;
}

/** file:line of a step, as error messages and the report name it. */
export function whereOf(step: ScenarioStep): string {
  return `${step.where.file}:${step.where.line}`;
}

function timelineStep(step: ScenarioStep): SimStep {
  const where = whereOf(step);
  return {
    name: `${step.action.kind} @ ${where}`,
    run(ctx) {
      const report: ScenarioStepReport = {
        at: step.atMs,
        action: step.action.kind,
        where,
        passed: true,
        figures: {},
      };
      scenarioLog(ctx).push(report);
      const problems: string[] = [];
      runTimelineStep(ctx, step, report, problems);
      // A multicast stream started here may already have noted a problem of its own: keep it.
      if (problems.length > 0) report.problems = [...problems, ...(report.problems ?? [])];
      ctx.progress(
        `${report.passed ? 'ok  ' : 'FAIL'} at ${step.atMs / 1000} s ${describeAction(step.action)} (${where})`,
      );
    },
  };
}

function runTimelineStep(
  ctx: SimRunContext,
  step: ScenarioStep,
  report: ScenarioStepReport,
  problems: string[],
): void {
  const where = whereOf(step);
  if (ctx.convergenceMs === null) {
    report.passed = false;
    problems.push(`step at ${where} (${step.action.kind}) did not run: the ring never converged`);
    return;
  }
  const watch = ringWatch(ctx);
  const due = ctx.convergenceMs + step.atMs;
  watch.advanceTo(due);
  // A verify that retried past this step's time delays it; say by how much rather than hide it.
  const late = ctx.network.now() - due;
  if (late > 0) report.figures.lateMs = late;

  const action = step.action;
  if (action.kind === 'wait') {
    watch.advanceTo(ctx.network.now() + action.ms);
    return;
  }
  if (isFault(action)) {
    try {
      applyFault(ctx.network, ctx.topology, action);
    } catch (error) {
      report.passed = false;
      problems.push(`step at ${where} (${describeAction(action)}) failed: ${(error as Error).message}`);
      return;
    }
    recorderOf(ctx)?.fault(action.kind, describeAction(action), where, faultFields(action));
    watch.addFault(report);
    return;
  }
  const stepMs = ctx.network.now();
  for (const spec of action.checks) {
    if (findCheck(spec.check).stream && unsupportedReason(ctx.network, spec.check) === null) {
      startStreamOnStep(ctx, report, stepMs, spec.check);
      continue;
    }
    const outcome = verifyCheck(ctx, watch, spec, stepMs, where);
    if (outcome.notRun) {
      (report.notRun ??= []).push(outcome.notRun);
      continue;
    }
    report.figures[`${spec.check}.heldAfterMs`] = outcome.heldAfterMs;
    for (const [key, value] of Object.entries(outcome.figures))
      report.figures[`${spec.check}.${key}`] = value;
    if (!outcome.passed) {
      report.passed = false;
      const within = spec.withinMs === null ? 'at once' : `within ${spec.withinMs / 1000} s`;
      problems.push(`step at ${where}: ${spec.check} did not hold ${within}`);
      for (const p of outcome.problems) problems.push(`${spec.check}: ${p}`);
    }
  }
}

// A fault's fields for its timeline line: the link, groups or node it acted on. The scenario's heal also brings
// downed links back (apply-fault.ts), which a replay must know.
function faultFields(action: FaultAction): Record<string, unknown> {
  switch (action.kind) {
    case 'link-down':
    case 'link-up':
    case 'impair':
      return { a: action.a, b: action.b };
    case 'partition':
      return { groups: action.groups.map((g) => [...g]) };
    case 'heal':
      return { restoresLinks: true };
    case 'crash':
    case 'restart':
      return { node: action.node };
    case 'hostile':
      return { node: action.node, attack: action.attack };
    case 'stall':
      return { node: action.node, ms: action.ms };
  }
}
