// Multicast verify steps in a simulated timeline: as on a real lab (src/testbed/scenario/lab-timeline.ts), a
// multicast verify starts a stream that runs on while later steps happen (a stream across a partition is the
// point), and its result lands on its step when the stream ends. The run waits for every stream before its
// closing checks. Streams hang off the run's context (a WeakMap, as the step log does).

import { startMulticastStream, type StreamHandle } from '../checks/multicast.ts';
import type { SimRunContext } from '../steps.ts';
import type { RingWatch } from './ring-watch.ts';
import type { ScenarioStepReport } from './step-report.ts';
import { recorderOf } from './run-recorder.ts';

const streams = new WeakMap<SimRunContext, StreamHandle[]>();

/** Starts the topology's multicast stream for a verify step due at `stepMs`; its verdict is recorded on `report`. */
export function startStreamOnStep(ctx: SimRunContext, report: ScenarioStepReport, stepMs: number): void {
  const spec = ctx.topology.checks.multicast;
  if (!spec) {
    report.passed = false;
    (report.problems ??= []).push(
      `step at ${report.where}: multicast: the topology has no checks.multicast section`,
    );
    return;
  }
  const started = list(ctx);
  const streamId = started.length + 1;
  const recorder = recorderOf(ctx);
  const source = ctx.topology.nodes.find((n) => n.name === spec.source);
  const handle = startMulticastStream(
    ctx.network,
    spec,
    {
      // One id per stream of the run, so no stream counts another's datagrams.
      streamId,
      // vrrd's hold for a fresh source: max(500 ms, 3 hello periods).
      settleMs: Math.max(500, 3 * (source?.vrr.helloMs ?? 1000)),
      onArrival: recorder && ((member, id) => recorder.streamArrival(streamId, member, id)),
      onStart: recorder && ((info) => recorder.streamStarted(streamId, { ...info, where: report.where })),
    },
    (result) => {
      recorder?.streamEnded(streamId, result.passed);
      const heldAfterMs = result.passed ? ctx.network.now() - stepMs : null;
      report.figures['multicast.heldAfterMs'] = heldAfterMs;
      for (const [key, value] of Object.entries(result.figures)) report.figures[`multicast.${key}`] = value;
      if (!result.passed) {
        report.passed = false;
        (report.problems ??= []).push(
          `step at ${report.where}: multicast to ${spec.group} from ${spec.source} did not meet its expectations`,
          ...result.problems.map((p) => `multicast: ${p}`),
        );
      }
      ctx.progress(
        `${result.passed ? 'ok  ' : 'FAIL'} multicast stream of the step at ${report.where} ended: ` +
          `delivery ${result.figures.deliveryPct}%, longest outage ${result.figures.longestOutageMs} ms`,
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

function list(ctx: SimRunContext): StreamHandle[] {
  let l = streams.get(ctx);
  if (!l) streams.set(ctx, (l = []));
  return l;
}
