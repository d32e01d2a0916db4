// `testbed run`: up, the scenario timeline on the real lab, the closing checks, the reports (report.json,
// junit.xml, timeline.jsonl, report.html), then down unless kept. Every daemon's events and every fault go into one
// timeline; the report holds the seed and the topology file, so `testbed replay report.json` re-runs the same
// scenario in the simulator.

import { resolve } from 'node:path';
import type { Topology } from '../../topology/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { upLab } from '../lab/up.ts';
import { daemonsMode, type DaemonsMode } from '../lab/lab-state.ts';
import { downLabs } from '../lab/down.ts';
import { waitForRing } from '../lab/ring-wait.ts';
import { labVersions } from '../report/versions.ts';
import { reportPassed, type RunReport } from '../report/run-report.ts';
import { TimelineWriter } from '../report/timeline.ts';
import { writeReportJson } from '../report/report-json.ts';
import { writeJunit } from '../report/junit.ts';
import { readTimelineEvents, writeHtmlReport } from '../report/html-report.ts';
import { CLOSING_CHECKS } from '../../checks/registry.ts';
import { labProbe, runCheck, type CheckResult } from '../verify/index.ts';
import { collectRingSnapshots } from '../../checks/ring-consistent/lab.ts';
import { formatAddress } from '../../vrr/address.ts';
import { EventFeed } from './event-feed.ts';
import { FaultTimer } from './fault-timer.ts';
import { runLabTimeline } from './lab-timeline.ts';
import { RingSampler } from './ring-sampler.ts';

/** Settings of one run. */
export interface RunLabOptions {
  seed: number;
  runtime: Runtime;
  /** Where report.json, junit.xml and timeline.jsonl go. */
  reportDir: string;
  lab?: string;
  /** Leave the lab up afterwards. */
  keep?: boolean;
  /** After the last step, how long the ring gets to become consistent before the closing checks. */
  settleMs?: number;
  /**
   * Aborting it (Ctrl-C) during `up` removes what up created; later, it takes the lab down (unless keep) and
   * ends the process with the exit code its reason carries (an `exitCode` field; 130 without one).
   */
  signal?: AbortSignal;
  progress(line: string): void;
  /** One vrrd per node (default) or shared hosts (see upLab). */
  daemons?: DaemonsMode;
}

/** What a run produced. */
export interface RunLabResult {
  report: RunReport;
  files: { report: string; junit: string; timeline: string; html: string };
}

/** Runs the topology's scenario on a real lab; see the file comment. */
export async function runLab(topology: Topology, options: RunLabOptions): Promise<RunLabResult> {
  const startedAtMs = Date.now();
  const timeline = new TimelineWriter(options.reportDir, { startedAtMs });
  timeline.add({
    t: 0,
    source: 'controller',
    type: 'run-start',
    seed: options.seed,
    topology: topology.file,
  });
  const up = await upLab(topology, {
    seed: options.seed,
    runtime: options.runtime,
    lab: options.lab,
    signal: options.signal,
    progress: options.progress,
    daemons: options.daemons,
  });
  const lab = up.lab;
  // The scenario cannot stop halfway in a useful state: an abort now takes the lab down and ends the run.
  options.signal?.addEventListener(
    'abort',
    () => {
      const code = (options.signal!.reason as { exitCode?: number })?.exitCode ?? 130;
      options.progress(`interrupted: ${options.keep ? 'the lab is kept' : `down ${lab.plan.lab}`}`);
      const down = options.keep ? Promise.resolve() : downLabs(lab.plan.lab, async () => [options.runtime]);
      void down.finally(() => process.exit(code));
    },
    { once: true },
  );
  const feed = new EventFeed(lab, timeline);
  const pollMs = Math.max(500, Math.min(...lab.plan.nodes.map((n) => n.vrr.helloMs)));
  const faults = new FaultTimer(lab, pollMs);
  // report.html's ring-health chart: sampled from here until the closing checks are done.
  const sampler = new RingSampler(lab, timeline, Math.max(1000, pollMs), lab.plan.nodes.length);
  let steps: RunLabResult['report']['steps'] = [];
  const checks: CheckResult[] = [];
  try {
    await feed.followAll();
    // The tables as the feed starts: a replay of the timeline (testbed ui) starts from them, not from nothing.
    const tables = await collectRingSnapshots(labProbe(lab));
    timeline.add({
      t: new Date().toISOString(),
      source: 'controller',
      type: 'tables',
      nodes: Object.fromEntries(
        tables.map(({ snapshot: s }) => [s.name, { active: s.active, vset: s.vset.map(formatAddress) }]),
      ),
    });
    sampler.start();
    const convergedAt = up.convergenceMs === null ? null : lab.now();
    timeline.add({
      t: new Date().toISOString(),
      source: 'controller',
      type: 'ring-converged',
      ms: up.convergenceMs,
    });
    const streams: Promise<void>[] = [];
    steps = await runLabTimeline({
      lab,
      topology,
      seed: options.seed,
      convergedAt,
      timeline,
      feed,
      faults,
      pollMs,
      progress: options.progress,
      streams,
    });
    await Promise.all(streams);
    const settleMs = options.settleMs ?? 60_000;
    if (convergedAt !== null) {
      options.progress('closing checks: ring-consistent, ping-all');
      await faults.settle(lab.now() + settleMs);
      await waitForRing(lab, settleMs, pollMs);
      for (const check of CLOSING_CHECKS) {
        checks.push(await runCheck(lab, check, { checks: topology.checks, seed: options.seed, topology }));
      }
    } else {
      checks.push({
        name: 'ring-consistent',
        passed: false,
        figures: up.ring.figures as unknown as Record<string, number>,
        problems: [`the ring was not consistent within the up deadline`, ...up.ring.problems],
      });
    }
  } finally {
    await sampler.stop();
    await faults.stop();
    feed.close();
    if (!options.keep) {
      options.progress(`down ${lab.plan.lab}`);
      await downLabs(lab.plan.lab, async () => [options.runtime]);
    }
  }
  timeline.add({ t: new Date().toISOString(), source: 'controller', type: 'run-end' });
  const summary = timeline.close();
  const report: RunReport = {
    passed: reportPassed(steps, checks),
    lab: lab.plan.lab,
    topology: topology.name,
    topologyFile: resolve(topology.file),
    seed: options.seed,
    runtime: lab.plan.runtime,
    daemons: daemonsMode(lab.state),
    versions: labVersions(up.prepare.engine),
    startedAt: new Date(startedAtMs).toISOString(),
    nodes: lab.plan.nodes.length,
    convergenceMs: up.convergenceMs,
    links: lab.plan.links.map((l) => ({
      a: l.a,
      b: l.b,
      shapedBy: lab.state.links[l.index].shapedBy,
      aToB: l.aToB,
      bToA: l.bToA,
    })),
    steps,
    checks,
    figures: {
      links: lab.plan.links.length,
      wallMs: Date.now() - startedAtMs,
      upMs: Object.values(up.phases).reduce((a, b) => a + b, 0),
      timelineEvents: summary.events,
      eventsMissed: feed.missed,
    },
  };
  return {
    report,
    files: {
      report: writeReportJson(options.reportDir, report),
      junit: writeJunit(options.reportDir, report),
      timeline: summary.path,
      html: writeHtmlReport(options.reportDir, report, readTimelineEvents(summary.path)),
    },
  };
}
