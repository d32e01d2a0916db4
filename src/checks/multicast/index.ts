// multicast: a stream from the source to the group reaches every alive member (at least expect.delivery of it,
// at most expect.duplicates copies). Its section checks.multicast says what to stream where; a verify of
// multicast needs it. A stream runs on while later timeline steps happen, so the check also starts as a stream.

import type { Check, CheckRun, SimCheckStream } from '../check.ts';
import { checkResult, type CheckResult } from '../report.ts';
import { everyNodeCarries, type SimProbe } from '../sim-probe.ts';
import { runMulticastCheck, startMulticast } from './lab.ts';
import { startMulticastStream, type StreamResult } from './sim.ts';
import { multicastSection, type MulticastCheckSpec } from './spec.ts';

/** The multicast check. */
export const multicastCheck: Check<MulticastCheckSpec> = {
  name: 'multicast',
  protocols: ['vrrd'],
  section: multicastSection,
  lab: (probe, run) => runMulticastCheck(probe, run.spec, run.seed),
  sim(network, run) {
    // One stream, run to its verdict; instance 0 is never a timeline stream's (those count from 1).
    const stream = startSimStream(network, { ...run, instance: 0 }, () => {});
    // The verdict of a stream that could not start is due now: run past now to deliver it.
    const deadlineMs = Math.max(stream.finishAt, network.now() + 1);
    network.runUntilTrue(() => stream.result() !== null, { everyMs: 10, deadlineMs });
    return stream.result() ?? checkResult('multicast', false, {}, ['the stream gave no verdict']);
  },
  simUnsupported: (network) =>
    everyNodeCarries(network, (node) => node.multicast !== undefined)
      ? null
      : 'multicast: not run: the nodes of this simulation carry no multicast (its node factory attaches none)',

  stream: {
    describe: (spec) => `multicast to ${spec.group} from ${spec.source}`,
    summarize: (result) =>
      `delivery ${result.figures.deliveryPct}%, longest outage ${result.figures.longestOutageMs} ms`,
    lab: (probe, run) => startMulticast(probe, run.spec, run.seed),
    sim: startSimStream,
  },
};

// A stream on the simulated clock; the source holds its first packets as vrrd does: max(500 ms, 3 hello periods).
function startSimStream(
  network: SimProbe,
  run: CheckRun<MulticastCheckSpec> & { instance: number },
  onDone: (result: CheckResult) => void,
): SimCheckStream {
  const source = run.topology?.nodes.find((n) => n.name === run.spec.source);
  const asResult = (r: StreamResult): CheckResult =>
    checkResult('multicast', r.passed, r.figures, r.problems);
  const handle = startMulticastStream(
    network,
    run.spec,
    {
      streamId: run.instance,
      settleMs: Math.max(500, 3 * (source?.vrr.helloMs ?? 1000)),
      onStart: run.observer?.streamStarted?.bind(run.observer),
      onArrival: run.observer?.streamArrival?.bind(run.observer),
    },
    (r) => onDone(asResult(r)),
  );
  return {
    startedAt: handle.startedAt,
    finishAt: handle.finishAt,
    result: () => {
      const r = handle.result();
      return r === null ? null : asResult(r);
    },
  };
}
