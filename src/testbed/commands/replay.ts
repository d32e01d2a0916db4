// `testbed replay report.json`: re-runs a recorded run (real lab or simulated) in the deterministic simulator,
// from what the report holds: its topology file and its seed. The way to chase a partition-repair bug seen in
// containers: the same topology, the same scenario, the same seed, replayed exactly and as often as needed.

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { runSimCommand, type SimCommandOptions } from './sim.ts';

/** Adds the `replay` verb. */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('re-run a recorded run (report.json) in the simulator: same topology file, same seed')
    .argument('<report>', 'a report.json written by testbed run (or sim --report-dir)')
    .option('--json', 'print exactly one JSON report on stdout')
    .option('--report-dir <dir>', 'write the replay’s report.json and junit.xml there')
    .action((path: string, options: Pick<SimCommandOptions, 'json' | 'reportDir'>) => {
      process.exitCode = replayCommand(path, options);
    });
}

/** Runs `replay`; returns the exit code (2 when the report cannot be replayed, saying why). */
export function replayCommand(path: string, options: Pick<SimCommandOptions, 'json' | 'reportDir'>): number {
  const fail = (message: string): number => {
    process.stderr.write(`testbed: replay ${path}: ${message}\n`);
    return 2;
  };
  let report: { seed?: unknown; topologyFile?: unknown; runtime?: unknown };
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // One line: JSON.parse quotes the start of the text, newlines included.
    const found = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    return fail(`expected a report.json written by testbed run, found ${found}`);
  }
  if (typeof report.seed !== 'number' || !Number.isSafeInteger(report.seed)) {
    return fail(`expected a "seed" integer, found ${JSON.stringify(report.seed)}`);
  }
  if (typeof report.topologyFile !== 'string') {
    return fail(`expected a "topologyFile" path, found ${JSON.stringify(report.topologyFile)}`);
  }
  if (!existsSync(report.topologyFile)) {
    return fail(`its topology file ${report.topologyFile} is gone`);
  }
  process.stderr.write(
    `replaying the ${String(report.runtime)} run of ${report.topologyFile} with seed ${report.seed} in the simulator\n`,
  );
  return runSimCommand(report.topologyFile, { seed: String(report.seed), ...options });
}
