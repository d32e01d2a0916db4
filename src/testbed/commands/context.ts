// What every lab verb shares: output (a human summary, or with --json one JSON object on stdout and
// everything else on stderr), progress lines (on a terminal; a few plain ones in CI), opening a lab by name,
// and turning failures into one clear line and an exit code (1 failed, 2 usage or bad input).

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { Lab } from '../lab/lab.ts';
import { checkLabName, LabNameError } from '../lab/lab-name.ts';
import { listLabDirs, readLabState } from '../lab/lab-state.ts';
import { runtimeOfKind } from '../runtime/select.ts';
import { loadTopology } from '../../checks/topology.ts';
import { parseDurationMs } from '../../topology/index.ts';
import type { Topology } from '../../topology/types.ts';
import { RUNTIME_CHOICES, type RuntimeChoice } from '../runtime/select.ts';
import type { ProgressSink } from '../runtime/runtime.ts';

/** Exit codes of every verb. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the user caused (bad arguments, a lab that does not exist): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Output channels of one verb run. */
export interface VerbIo {
  json: boolean;
  /** A line for the human summary (stdout; stderr with --json). */
  info(line: string): void;
  /** A progress line (stderr; dropped with --json unless on a terminal); on a terminal also progress.live. */
  progress: ProgressSink;
  /** The one JSON result (stdout, only with --json). */
  result(value: unknown): void;
  /** An error line (stderr). */
  error(line: string): void;
}

/** The io of a verb run, from its --json flag. */
export function verbIo(json: boolean): VerbIo {
  const tty = Boolean(process.stderr.isTTY);
  const started = Date.now();
  const stamp = (): string => ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  // A live line (a progress bar) stays on the terminal until the next line of any kind replaces it.
  let liveShown = false;
  const clearLive = (): void => {
    if (liveShown) process.stderr.write('\r\x1b[K');
    liveShown = false;
  };
  const progress: ProgressSink = (line) => {
    if (json && !tty) return;
    clearLive();
    process.stderr.write(tty ? `\x1b[2m${stamp()}s\x1b[0m ${line}\n` : `${stamp()}s ${line}\n`);
  };
  if (tty) {
    progress.live = (line) => {
      process.stderr.write(`\r\x1b[K\x1b[2m${stamp()}s\x1b[0m ${line}`);
      liveShown = true;
    };
  }
  return {
    json,
    info: (line) => {
      clearLive();
      (json ? process.stderr : process.stdout).write(`${line}\n`);
    },
    progress,
    result: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
    error: (line) => process.stderr.write(`testbed: ${line}\n`),
  };
}

/** A verb stopped by SIGINT or SIGTERM (commands/interrupt.ts): exits 128 + the signal's number. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly exitCode: number;

  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.exitCode = 128 + (signal === 'SIGINT' ? 2 : 15);
  }
}

/** Runs a verb's body; maps its failure to an error line and exit code. */
export async function runVerb(json: boolean, body: (io: VerbIo) => Promise<number>): Promise<void> {
  const io = verbIo(json);
  try {
    process.exitCode = await body(io);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (json) io.result({ ok: false, error: message });
    io.error(message);
    process.exitCode =
      error instanceof Interrupted
        ? error.exitCode
        : error instanceof UsageError || error instanceof LabNameError
          ? EXIT.usage
          : EXIT.failed;
  }
}

/** Opens a lab named on the command line (a lab name, or a topology file whose name is the lab's). */
export async function openLab(nameOrFile: string | undefined, where = 'LAB'): Promise<Lab> {
  const name = resolveLabName(nameOrFile, where);
  const state = readLabState(name);
  if (state === null) throw new UsageError(`no lab named ${JSON.stringify(name)} is up (${labsLine()})`);
  return Lab.open(state, await runtimeOfKind(state.plan.runtime));
}

/**
 * A lab name from an argument: a lab name, a topology file (its name: key), or the only lab that is up; a name
 * that is not a lab name is refused here (LabNameError, exit 2), before it can reach a path.
 */
export function resolveLabName(nameOrFile: string | undefined, where = 'LAB'): string {
  if (nameOrFile === undefined) {
    const labs = listLabDirs();
    if (labs.length === 1) return labs[0];
    throw new UsageError(`name the lab (${labsLine()})`);
  }
  if (/\.(ya?ml|json)$/.test(nameOrFile) && existsSync(nameOrFile)) {
    try {
      return loadTopology(nameOrFile).name;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return checkLabName(nameOrFile, where);
}

function labsLine(): string {
  const labs = listLabDirs();
  return labs.length === 0 ? 'no lab is up' : `labs up: ${labs.join(', ')}`;
}

/** Adds --json to a command (every verb has it). */
export function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON object on stdout (everything else on stderr)');
}

/** Loads the topology file named on the command line; a bad file is a usage error (exit 2, nothing created). */
export function loadTopologyArg(file: string): Topology {
  try {
    return loadTopology(file);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** --runtime as given (default auto); anything else is a usage error listing the choices. */
export function runtimeChoiceArg(value: string | undefined): RuntimeChoice {
  const choice = value ?? 'auto';
  if (!(RUNTIME_CHOICES as readonly string[]).includes(choice)) {
    throw new UsageError(`--runtime expects one of ${RUNTIME_CHOICES.join(', ')}, found ${choice}`);
  }
  return choice as RuntimeChoice;
}

/** A duration option (e.g. --timeout 90s); a bad one is a usage error naming the flag. */
export function durationArg(flag: string, value: string): number {
  try {
    return parseDurationMs(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}
