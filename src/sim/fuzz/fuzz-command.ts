// `testbed sim FILE --fuzz N` and `--fuzz-one SEED`: the fuzzer behind the sim verb. Prints every failing
// schedule with the one command that replays it; exit 1 if any schedule failed.

import type { Topology } from '../../topology/types.ts';
import { describeAction } from '../scenario/apply-fault.ts';
import { fuzzOne, replayCommand, runFuzz, type FuzzOneResult, type InvariantChecker } from './fuzz.ts';

/** What the fuzz mode needs from the sim verb. */
export interface FuzzCommandDeps {
  stdout(line: string): void;
  stderr(line: string): void;
  wallNow(): number;
  interactive: boolean;
  /** Replaces the invariants (tests break them on purpose). */
  invariants?: InvariantChecker;
}

/** The verb's options, with the seed and deadline already parsed. */
export interface FuzzCommandOptions {
  fuzz?: string;
  fuzzOne?: string;
  json?: boolean;
  seed: number | null;
  maxSimMs: number;
}

const SHOWN_PROBLEMS = 10;

/** Runs the fuzz mode; returns the exit code (0 all held, 1 a schedule failed, 2 usage). */
export function runFuzzCommand(
  file: string,
  topology: Topology,
  options: FuzzCommandOptions,
  deps: FuzzCommandDeps,
): number {
  const usage = (message: string): number => {
    deps.stderr(`error: ${message}`);
    return 2;
  };
  if (options.fuzz !== undefined && options.fuzzOne !== undefined) {
    return usage('--fuzz and --fuzz-one exclude each other');
  }
  const info = options.json ? deps.stderr : deps.stdout;

  if (options.fuzzOne !== undefined) {
    if (!/^\d+$/.test(options.fuzzOne) || Number(options.fuzzOne) >= 2 ** 32) {
      return usage(
        `--fuzz-one expects a schedule seed (0 .. 2^32-1), found ${JSON.stringify(options.fuzzOne)}`,
      );
    }
    const result = fuzzOne(topology, Number(options.fuzzOne), {
      maxSimMs: options.maxSimMs,
      invariants: deps.invariants,
    });
    if (options.json) {
      deps.stdout(
        JSON.stringify({ ...result.report, scheduleSeed: result.scheduleSeed, problems: result.problems }),
      );
    } else {
      for (const line of describeResult(file, result, 'schedule')) deps.stdout(line);
      for (const step of result.schedule)
        deps.stdout(`     at ${step.atMs / 1000} s ${describeAction(step.action)}`);
    }
    return result.passed ? 0 : 1;
  }

  if (!/^\d+$/.test(options.fuzz!) || Number(options.fuzz) < 1) {
    return usage(`--fuzz expects a positive number of schedules, found ${JSON.stringify(options.fuzz)}`);
  }
  const count = Number(options.fuzz);
  const seed = options.seed ?? topology.seed ?? Math.floor(deps.wallNow()) % 2 ** 32;
  info(`fuzz seed ${seed}, ${count} schedules; replay the whole run with --seed ${seed} --fuzz ${count}`);
  const started = deps.wallNow();
  const summary = runFuzz(topology, seed, count, {
    maxSimMs: options.maxSimMs,
    invariants: deps.invariants,
    onResult: (i, result) => {
      if (!result.passed)
        for (const line of describeResult(file, result, `schedule ${i + 1}/${count}`)) info(line);
      else if (deps.interactive && !options.json)
        deps.stderr(`ok   schedule ${i + 1}/${count} (seed ${result.scheduleSeed})`);
    },
  });
  if (options.json) {
    deps.stdout(
      JSON.stringify({
        passed: summary.failures.length === 0,
        seed,
        schedules: count,
        failures: summary.failures.map((f) => ({
          index: f.index,
          scheduleSeed: f.scheduleSeed,
          replay: replayCommand(file, f.scheduleSeed),
          problems: f.problems,
        })),
      }),
    );
  } else {
    deps.stdout(`fuzz: ${count} schedules, ${summary.failures.length} failed`);
    deps.stdout(summary.failures.length === 0 ? 'PASS' : 'FAIL');
    deps.stderr(`wall time ${((deps.wallNow() - started) / 1000).toFixed(1)} s`);
  }
  return summary.failures.length === 0 ? 0 : 1;
}

// A schedule's verdict, its first problems, and the replay command.
function describeResult(file: string, result: FuzzOneResult, label: string): string[] {
  if (result.passed) return [`PASS ${label} (seed ${result.scheduleSeed})`];
  const lines = [`FAIL ${label} (seed ${result.scheduleSeed})`];
  for (const p of result.problems.slice(0, SHOWN_PROBLEMS)) lines.push(`     ${p}`);
  if (result.problems.length > SHOWN_PROBLEMS)
    lines.push(`     (${result.problems.length - SHOWN_PROBLEMS} more)`);
  lines.push(`     replay: ${replayCommand(file, result.scheduleSeed)}`);
  return lines;
}
