// A topology's scenario on a real lab: the same steps the simulator runs (src/sim/scenario/timeline.ts), at
// wall-clock times relative to the ring's first consistency, with the same per-step figures: faults get
// `ringConsistentAfterMs`, verify steps `<check>.heldAfterMs` and `<check>.<figure>`, a step that had to wait
// for the one before it `lateMs`. A multicast verify starts a stream that runs on while later steps happen
// (a stream across a partition is the point); its result lands on its step when the stream ends. Checks come
// from the registry (src/checks) by name.

import type { ScenarioAction, ScenarioStep, Topology, VerifySpec } from '../../topology/types.ts';
import { heal, impairLink, killNode, partition, restartNode, setLink, stallNode } from '../lab/faults.ts';
import type { Lab } from '../lab/lab.ts';
import type { RunStepReport } from '../report/run-report.ts';
import type { TimelineWriter } from '../report/timeline.ts';
import { findCheck, missingSection, sectionOf } from '../../checks/registry.ts';
import { runCheck, startCheckStream, type CheckResult } from '../verify/index.ts';
import { describeAction as describe } from '../../sim/scenario/apply-fault.ts';
import type { EventFeed } from './event-feed.ts';
import type { FaultTimer } from './fault-timer.ts';

/** What the steps of one run share. */
export interface LabRunContext {
  lab: Lab;
  topology: Topology;
  seed: number;
  /** lab.now() when the ring was first consistent; null when it never was (steps then do not run). */
  convergedAt: number | null;
  timeline: TimelineWriter;
  feed: EventFeed;
  faults: FaultTimer;
  /** How often a `within` check is retried. */
  pollMs: number;
  progress(line: string): void;
  /** Multicast streams still flowing: awaited before the closing checks. */
  streams: Promise<void>[];
}

/** Runs topology.scenario (sorted by `at`, file order kept for equal times); one report per step. */
export async function runLabTimeline(ctx: LabRunContext): Promise<RunStepReport[]> {
  const ordered = ctx.topology.scenario
    .map((step, index) => ({ step, index }))
    .sort((x, y) => x.step.atMs - y.step.atMs || x.index - y.index)
    .map(({ step }) => step);
  const reports: RunStepReport[] = [];
  for (const step of ordered) {
    const report: RunStepReport = {
      at: step.atMs,
      action: step.action.kind,
      where: `${step.where.file}:${step.where.line}`,
      passed: true,
      figures: {},
    };
    reports.push(report);
    await runStep(ctx, step, report);
    ctx.progress(
      `${report.passed ? 'ok  ' : 'FAIL'} at ${step.atMs / 1000} s ${describe(step.action)} (${report.where})`,
    );
  }
  return reports;
}

async function runStep(ctx: LabRunContext, step: ScenarioStep, report: RunStepReport): Promise<void> {
  const problems: string[] = [];
  const fail = (line: string): void => {
    report.passed = false;
    problems.push(line);
    report.problems = problems;
  };
  if (ctx.convergedAt === null) {
    fail(`step at ${report.where} (${step.action.kind}) did not run: the ring never converged`);
    return;
  }
  const due = ctx.convergedAt + step.atMs;
  const wait = due - ctx.lab.now();
  if (wait > 0) await ctx.lab.sleep(wait);
  const late = ctx.lab.now() - due;
  if (late > 50) report.figures.lateMs = late; // a verify that retried past this step's time delays it

  const action = step.action;
  if (action.kind === 'wait') {
    await ctx.lab.sleep(action.ms);
    return;
  }
  if (action.kind !== 'verify') {
    try {
      const did = await applyFault(ctx, action);
      // The action's own fields (a, b, groups, node, ...) too, so a replay need not parse `did`.
      const { kind, ...fields } = action;
      ctx.timeline.add({
        t: new Date().toISOString(),
        source: 'controller',
        type: 'fault',
        action: kind,
        did,
        ...fields,
      });
    } catch (error) {
      fail(`step at ${report.where} (${describe(action)}) failed: ${(error as Error).message}`);
      return;
    }
    ctx.faults.addFault(report);
    return;
  }
  const stepAt = ctx.lab.now();
  for (const spec of action.checks) {
    if (findCheck(spec.check).stream) {
      ctx.streams.push(streamOnStep(ctx, report, stepAt, spec.check, fail));
      continue;
    }
    const { result, heldAfterMs } = await checkWithin(ctx, spec, stepAt);
    record(report, result, heldAfterMs);
    ctx.timeline.add({
      t: new Date().toISOString(),
      source: 'controller',
      type: 'check',
      check: spec.check,
      passed: result.passed,
      where: report.where,
    });
    if (!result.passed) {
      const within = spec.withinMs === null ? 'at once' : `within ${spec.withinMs / 1000} s`;
      fail(`step at ${report.where}: ${spec.check} did not hold ${within}`);
      for (const p of result.problems ?? []) problems.push(`${spec.check}: ${p}`);
    }
  }
}

/** Runs a check, again every poll period until it holds or `within` runs out. */
async function checkWithin(
  ctx: LabRunContext,
  spec: VerifySpec,
  stepAt: number,
): Promise<{ result: CheckResult; heldAfterMs: number | null }> {
  const deadline = stepAt + (spec.withinMs ?? 0);
  for (;;) {
    const result = await runCheck(ctx.lab, spec.check, {
      checks: ctx.topology.checks,
      seed: ctx.seed,
      topology: ctx.topology,
    });
    if (result.passed) return { result, heldAfterMs: ctx.lab.now() - stepAt };
    if (ctx.lab.now() >= deadline) return { result, heldAfterMs: null };
    await ctx.lab.sleep(Math.min(ctx.pollMs, Math.max(0, deadline - ctx.lab.now())));
  }
}

/** Starts the named check's stream (multicast); when it ends, its result is recorded on the step. */
async function streamOnStep(
  ctx: LabRunContext,
  report: RunStepReport,
  stepAt: number,
  name: string,
  fail: (line: string) => void,
): Promise<void> {
  const check = findCheck(name);
  const spec = sectionOf(ctx.topology.checks, check);
  if (missingSection(ctx.topology.checks, check) !== null) {
    fail(`step at ${report.where}: ${name}: the topology has no checks.${name} section`);
    return;
  }
  const what = check.stream!.describe(spec);
  ctx.timeline.add({
    t: new Date().toISOString(),
    source: 'controller',
    type: 'stream-start',
    check: name,
    stream: what,
  });
  // Each stream of a run with its own seed (the run's, shifted by the step's time), so a multicast stream gets
  // its own port and none counts another's datagrams.
  const run = await startCheckStream(ctx.lab, name, {
    checks: ctx.topology.checks,
    seed: ctx.seed + report.at,
    topology: ctx.topology,
  });
  const result = await run!.stop();
  ctx.timeline.add({
    t: new Date().toISOString(),
    source: 'controller',
    type: 'stream-end',
    check: name,
    stream: what,
    passed: result.passed,
  });
  record(report, result, result.passed ? ctx.lab.now() - stepAt : null);
  if (!result.passed) {
    fail(`step at ${report.where}: ${what} did not meet its expectations`);
    for (const p of result.problems ?? []) report.problems!.push(`${name}: ${p}`);
  }
}

function record(report: RunStepReport, result: CheckResult, heldAfterMs: number | null): void {
  report.figures[`${result.name}.heldAfterMs`] = heldAfterMs;
  for (const [k, v] of Object.entries(result.figures)) report.figures[`${result.name}.${k}`] = v;
  (report.checks ??= []).push(result);
}

async function applyFault(
  ctx: LabRunContext,
  action: Exclude<ScenarioAction, { kind: 'verify' | 'wait' }>,
): Promise<string> {
  const lab = ctx.lab;
  switch (action.kind) {
    case 'link-down':
      return setLink(lab, action.a, action.b, false);
    case 'link-up':
      return setLink(lab, action.a, action.b, true);
    case 'impair':
      return impairLink(lab, action.a, action.b, action.aToB, action.bToA);
    case 'partition':
      return partition(lab, action.groups);
    case 'heal':
      return heal(lab);
    case 'crash':
      return killNode(lab, action.node);
    case 'stall':
      return stallNode(lab, action.node, action.ms);
    case 'restart': {
      const did = await restartNode(lab, action.node);
      await ctx.feed.follow(action.node);
      return did;
    }
    case 'hostile':
      throw new Error(
        `hostile steps run in the simulator only (a lab's vrrd forges nothing): ${action.node}`,
      );
  }
}
