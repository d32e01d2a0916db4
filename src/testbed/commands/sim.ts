// `testbed sim FILE`: the topology in the deterministic simulator. Loads the file, picks the seed (--seed,
// else the file's, else the time: printed so the run can be replayed), runs the simulation and prints a
// summary or, with --json, exactly one JSON object on stdout. Exit 0 only if every check passed, 1 if a
// check failed, 2 for usage or topology errors.

import type { Command } from 'commander';
import { loadTopology } from '../../checks/topology.ts';
import { parseDurationMs } from '../../topology/index.ts';
import type { Topology } from '../../topology/types.ts';
import { runSimulation, DEFAULT_MAX_SIM_MS, type SimOptions, type SimReport } from '../../sim/run-sim.ts';
import { runFuzzCommand } from '../../sim/fuzz/fuzz-command.ts';
import type { InvariantChecker } from '../../sim/fuzz/fuzz.ts';
import { resolve } from 'node:path';
import { fromSimReport } from '../report/run-report.ts';
import { writeReportJson } from '../report/report-json.ts';
import { writeJunit } from '../report/junit.ts';
import { vrrLabVersion } from '../report/versions.ts';
import { writeHtmlReport, writeTimelineEvents } from '../report/html-report.ts';
import { SimTimelineRecorder } from '../ui/sim-timeline.ts';

/** Options of the verb as commander hands them over (strings, unparsed). */
export interface SimCommandOptions {
  seed?: string;
  json?: boolean;
  maxSimTime?: string;
  /** Run this many seeded random fault schedules instead of the file's timeline. */
  fuzz?: string;
  /** Replay the one fuzz schedule with this seed. */
  fuzzOne?: string;
  /** Write report.json, junit.xml, timeline.jsonl and report.html (as `testbed run` does) into this directory. */
  reportDir?: string;
}

/** What the verb touches outside itself; tests replace it. */
export interface SimCommandDeps {
  load(file: string): Topology;
  simulate(topology: Topology, options: SimOptions): SimReport;
  stdout(line: string): void;
  stderr(line: string): void;
  /** Wall-clock ms: only for the default seed and the wall time printed beside (never inside) the report. */
  wallNow(): number;
  /** Whether progress lines are wanted (a terminal). */
  interactive: boolean;
  /** The fuzzer's invariants (default: ring consistent, ping-all 100 %); tests break them on purpose. */
  invariants?: InvariantChecker;
}

/** Exit codes of the verb. */
export const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

const defaultDeps: SimCommandDeps = {
  load: loadTopology,
  simulate: runSimulation,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  wallNow: () => Date.now(),
  interactive: Boolean(process.stderr.isTTY),
};

/** Runs the verb; returns the exit code. */
export function runSimCommand(
  file: string,
  options: SimCommandOptions,
  deps: SimCommandDeps = defaultDeps,
): number {
  const usage = (message: string): number => {
    deps.stderr(`error: ${message}`);
    return EXIT.usage;
  };

  let seedOption: number | null = null;
  if (options.seed !== undefined) {
    if (!/^\d+$/.test(options.seed) || !Number.isSafeInteger(Number(options.seed))) {
      return usage(`--seed expects a non-negative integer, found ${JSON.stringify(options.seed)}`);
    }
    seedOption = Number(options.seed);
  }
  let maxSimMs = DEFAULT_MAX_SIM_MS;
  if (options.maxSimTime !== undefined) {
    try {
      maxSimMs = parseDurationMs(options.maxSimTime);
    } catch (error) {
      return usage(`--max-sim-time: ${(error as Error).message}`);
    }
    if (maxSimMs <= 0) return usage(`--max-sim-time must be longer than 0, found ${options.maxSimTime}`);
  }

  let topology: Topology;
  try {
    topology = deps.load(file);
  } catch (error) {
    return usage((error as Error).message);
  }
  // The simulator runs VRR only: a babeld node (a reference protocol) exists only in real labs.
  const babeld = topology.nodes.filter((n) => n.protocol === 'babeld').map((n) => n.name);
  if (babeld.length > 0) {
    return usage(
      `${file}: the simulator runs vrrd nodes only, and ${babeld.length} node(s) run babeld (${babeld.slice(0, 3).join(', ')}${babeld.length > 3 ? ', ...' : ''}): run it as a lab (testbed up --runtime netns)`,
    );
  }

  if (options.fuzz !== undefined || options.fuzzOne !== undefined) {
    return runFuzzCommand(file, topology, { ...options, seed: seedOption, maxSimMs }, deps);
  }

  const seed = seedOption ?? topology.seed ?? Math.floor(deps.wallNow()) % 2 ** 32;
  // With --json stdout carries the report alone, so everything else goes to stderr.
  const info = options.json ? deps.stderr : deps.stdout;
  info(`seed ${seed}, replay with --seed ${seed}`);

  // Only a run that writes files is recorded (the report is the same either way). The recorder also keeps every
  // node's events and the nodes and links, so the one timeline.jsonl feeds report.html and `testbed ui --replay`.
  const recorder =
    options.reportDir !== undefined ? new SimTimelineRecorder(topology, seed, resolve(file)) : undefined;
  const started = deps.wallNow();
  const report = deps.simulate(topology, {
    recorder,
    seed,
    json: options.json,
    maxSimMs,
    onProgress: deps.interactive && !options.json ? (line) => deps.stderr(line) : undefined,
  });
  const wallMs = deps.wallNow() - started;

  if (options.reportDir !== undefined) {
    const run = {
      ...fromSimReport(report, { version: vrrLabVersion(), topology }),
      topologyFile: resolve(file),
    };
    const written = [
      writeReportJson(options.reportDir, run),
      writeJunit(options.reportDir, run),
      writeTimelineEvents(options.reportDir, recorder?.events ?? []),
      writeHtmlReport(options.reportDir, run, recorder?.events ?? []),
    ];
    info(`reports: ${written.join(', ')}`);
  }
  if (options.json) {
    deps.stdout(JSON.stringify(report));
  } else {
    for (const line of summarize(report)) deps.stdout(line);
    deps.stderr(`wall time ${(wallMs / 1000).toFixed(1)} s`);
  }
  return report.passed ? EXIT.passed : EXIT.failed;
}

// Problem lines shown per check in the summary: ping-all's 20 pairs plus its "more" and drop lines fit.
const SHOWN_PROBLEMS = 25;

/** The human summary of a report: nodes, links, convergence, each check with figures, PASS/FAIL. */
export function summarize(report: SimReport): string[] {
  const lines = [`topology ${report.topology}: ${report.nodes} nodes, ${report.links} links`];
  lines.push(
    report.convergenceMs === null
      ? 'ring did not converge (simulated time ran out)'
      : `ring converged in ${formatSeconds(report.convergenceMs)} (simulated)`,
  );
  for (const step of report.steps ?? []) {
    const figures = Object.entries(step.figures)
      .filter(([k]) => k === 'ringConsistentAfterMs' || k === 'lateMs' || k.endsWith('.heldAfterMs'))
      .map(([k, v]) => `${k} ${v === null ? 'never' : v}`)
      .join(', ');
    lines.push(
      `${step.passed ? 'PASS' : 'FAIL'} step at ${formatSeconds(step.at)} ${step.action} (${step.where}): ${figures}`,
    );
    for (const problem of (step.problems ?? []).slice(0, SHOWN_PROBLEMS)) lines.push(`     ${problem}`);
    for (const reason of step.notRun ?? []) lines.push(`     ${reason}`);
  }
  for (const check of report.checks) {
    const figures = Object.entries(check.figures)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`${check.passed ? 'PASS' : 'FAIL'} ${check.name}: ${figures}`);
    for (const problem of (check.problems ?? []).slice(0, SHOWN_PROBLEMS)) lines.push(`     ${problem}`);
    const hidden = (check.problems?.length ?? 0) - SHOWN_PROBLEMS;
    if (hidden > 0) lines.push(`     (${hidden} more in --json)`);
  }
  const f = report.figures;
  lines.push(
    `${f.events} events, ${formatSeconds(f.simulatedMs)} simulated, ${f.controlBytesPerNodePerSec} control bytes/node/s, ` +
      `routes/node mean ${f.routesPerNode.mean} max ${f.routesPerNode.max}`,
  );
  lines.push(report.passed ? 'PASS' : 'FAIL');
  return lines;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Adds the `sim` verb to the program. */
export function registerSimCommand(program: Command, deps: SimCommandDeps = defaultDeps): void {
  program
    .command('sim')
    .description('run a topology in the deterministic simulator and check the ring and all-pairs delivery')
    .argument('<file>', 'topology file (YAML)')
    .option('--seed <n>', 'run seed (default: the file’s seed, else the current time, printed)')
    .option('--json', 'print exactly one JSON report on stdout')
    .option(
      '--max-sim-time <duration>',
      `give up waiting for the ring after this much simulated time (default ${DEFAULT_MAX_SIM_MS / 1000}s)`,
    )
    .option(
      '--fuzz <n>',
      'run n seeded random fault schedules (derived from the seed) and check the invariants',
    )
    .option('--fuzz-one <seed>', 'replay the one fuzz schedule with this schedule seed')
    .option(
      '--report-dir <dir>',
      'also write report.json, junit.xml, timeline.jsonl and report.html there (as `testbed run` does)',
    )
    .action((file: string, options: SimCommandOptions) => {
      process.exitCode = runSimCommand(file, options, deps);
    });
}
