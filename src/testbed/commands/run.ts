// `testbed run FILE`: up, the scenario, the closing checks, the reports, down (unless --keep). Prints the seed
// first, a summary at the end, and where the reports are. Exit 0 only if every step and check passed.

import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { chooseRuntime, RUNTIME_CHOICES } from '../runtime/select.ts';
import { checkLabName } from '../lab/lab-name.ts';
import { runLab } from '../scenario/run-lab.ts';
import { summarizeRun } from '../report/summary.ts';
import {
  durationArg,
  EXIT,
  loadTopologyArg,
  runtimeChoiceArg,
  runVerb,
  withJson,
  type VerbIo,
} from './context.ts';
import { interruptible } from './interrupt.ts';
import { parseSeedOption } from './seed.ts';
import { DAEMONS_HELP, daemonsChoiceArg, resolveDaemons } from './up.ts';

/** Options of `run`. */
export interface RunCommandOptions {
  seed?: string;
  runtime?: string;
  name?: string;
  reportDir?: string;
  keep?: boolean;
  settle?: string;
  daemons?: string;
  json?: boolean;
}

/** Adds the `run` verb. */
export function registerRunCommand(program: Command): void {
  withJson(
    program
      .command('run')
      .description(
        'up, the scenario timeline, the checks, reports (report.json, junit.xml, timeline.jsonl, report.html), down',
      )
      .argument('<file>', 'topology file (YAML) with a scenario and checks')
      .option('--seed <n>', 'run seed (default: the file’s, else the time; printed)')
      .option('--runtime <kind>', `${RUNTIME_CHOICES.join(' | ')}`, 'auto')
      .option('--name <lab>', 'lab name (default: the topology’s name)')
      .option('--report-dir <dir>', 'where the reports go (default: reports/<lab>)')
      .option(
        '--settle <duration>',
        'after the last step, how long the ring gets before the closing checks',
        '60s',
      )
      .option('--keep', 'leave the lab up afterwards')
      .option('--daemons <mode>', DAEMONS_HELP),
  ).action((file: string, options: RunCommandOptions) =>
    runVerb(Boolean(options.json), (io) => runCommand(file, options, io)),
  );
}

/** Runs `run`; resolves to the exit code. */
export async function runCommand(file: string, options: RunCommandOptions, io: VerbIo): Promise<number> {
  const topology = loadTopologyArg(file);
  const lab = options.name === undefined ? topology.name : checkLabName(options.name, '--name');
  const choice = runtimeChoiceArg(options.runtime);
  const settleMs = durationArg('--settle', options.settle ?? '60s');
  const seed = parseSeedOption(options.seed) ?? topology.seed ?? Date.now() % 2 ** 32;
  const daemonsChoice = daemonsChoiceArg(options.daemons) ?? topology.daemons ?? 'auto';
  const { runtime, why } = await chooseRuntime(choice);
  const daemons = resolveDaemons(daemonsChoice, runtime.kind);
  const reportDir = resolve(options.reportDir ?? join('reports', lab));
  io.info(`seed ${seed}, replay with --seed ${seed} (or: testbed replay ${join(reportDir, 'report.json')})`);
  io.progress(`runtime ${runtime.kind} (${why}), daemons ${daemons}`);
  const { report, files } = await interruptible(io, lab, (signal) =>
    runLab(topology, {
      seed,
      runtime,
      lab,
      reportDir,
      keep: options.keep,
      settleMs,
      signal,
      progress: io.progress,
      daemons,
    }),
  );
  for (const line of summarizeRun(report)) io.info(line);
  io.info(`reports: ${files.report}, ${files.junit}, ${files.timeline}, ${files.html}`);
  io.result({ ...report, files });
  return report.passed ? EXIT.ok : EXIT.failed;
}
