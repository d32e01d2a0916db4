// Verify steps of checks that run as streams (multicast) in a simulated timeline: as on a real lab
// (src/testbed/scenario/lab-timeline.ts), such a verify starts a stream that runs on while later steps happen (a
// stream across a partition is the point), and its result lands on its step when the stream ends. The run waits
// for every stream before its closing checks. Streams hang off the run's context (a WeakMap, as the step log does).

import type { SimCheckStream } from '../../checks/check.ts';
import { findCheck, missingSection, sectionOf } from '../../checks/registry.ts';
import type { SimRunContext } from '../steps.ts';
import type { RingWatch } from './ring-watch.ts';
import type { ScenarioStepReport } from './step-report.ts';
import { recorderOf } from './run-recorder.ts';

const streams = new WeakMap<SimRunContext, SimCheckStream[]>();

/** Starts the named check's stream for a verify step due at `stepMs`; its verdict is recorded on `report`. */
export function startStreamOnStep(
  ctx: SimRunContext,
  report: ScenarioStepReport,
  stepMs: number,
  name: string,
): void {
  const check = findCheck(name);
  const stream = check.stream;
  if (!stream) throw new Error(`startStreamOnStep: ${name} is not a check that runs as a stream`);
  if (missingSection(ctx.topology.checks, check) !== null) {
    report.passed = false;
    (report.problems ??= []).push(
      `step at ${report.where}: ${name}: the topology has no checks.${name} section`,
    );
    return;
  }
  const started = list(ctx);
  const spec = sectionOf(ctx.topology.checks, check);
  // One number per stream of the run, so no stream counts another's packets.
  const instance = started.length + 1;
  const recorder = recorderOf(ctx);
  const handle = stream.sim(
    ctx.network,
    {
      spec,
      seed: ctx.seed,
      topology: ctx.topology,
      instance,
      observer: recorder?.observer(report.where, instance),
    },
    (result) => {
      recorder?.streamEnded(instance, result.passed);
      const heldAfterMs = result.passed ? ctx.network.now() - stepMs : null;
      report.figures[`${name}.heldAfterMs`] = heldAfterMs;
      for (const [key, value] of Object.entries(result.figures)) report.figures[`${name}.${key}`] = value;
      if (!result.passed) {
        report.passed = false;
        (report.problems ??= []).push(
          `step at ${report.where}: ${stream.describe(spec)} did not meet its expectations`,
          ...(result.problems ?? []).map((p) => `${name}: ${p}`),
        );
      }
      ctx.progress(
        `${result.passed ? 'ok  ' : 'FAIL'} ${name} stream of the step at ${report.where} ended: ` +
          stream.summarize(result),
      );
    },
  );
  started.push(handle);
}

/** Runs the clock until every stream of the run has ended and been recorded. */
export function finishStreams(ctx: SimRunContext, watch: RingWatch): void {
  for (const handle of list(ctx)) {
    if (handle.result() !== null) continue;
    watch.advanceTo(Math.max(ctx.network.now(), handle.finishAt));
    // A verdict due right now (a stream that could not start) is an event at the current time.
    if (handle.result() === null) ctx.network.runUntil(ctx.network.now());
  }
}

function list(ctx: SimRunContext): SimCheckStream[] {
  let l = streams.get(ctx);
  if (!l) streams.set(ctx, (l = []));
  return l;
}
