// The `testbed` command line. One verb per file under commands/ (containerlab style); this file only
// assembles them and maps commander's usage errors to exit code 2.

import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerSimCommand } from './commands/sim.ts';
import { registerUpCommand } from './commands/up.ts';
import { registerDownCommand } from './commands/down.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerFaultCommands } from './commands/faults.ts';
import { registerExecCommands } from './commands/exec.ts';
import { registerCaptureCommand } from './commands/capture.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerVerifyCommand } from './commands/verify.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerUiCommand } from './commands/ui.ts';

/** Builds the program with every verb. */
export function buildProgram(): Command {
  const program = new Command('testbed')
    .description(
      'VRR testbed: labs of vrrd nodes in containers or namespaces, and the same topologies simulated',
    )
    .exitOverride()
    .showHelpAfterError();
  registerUpCommand(program);
  registerRunCommand(program);
  registerDownCommand(program);
  registerStatusCommand(program);
  registerVerifyCommand(program);
  registerExecCommands(program);
  registerFaultCommands(program);
  registerCaptureCommand(program);
  registerSimCommand(program);
  registerReplayCommand(program);
  registerUiCommand(program);
  return program;
}

/** Runs the command line; resolves to the exit code (usage errors are 2). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return Number(process.exitCode ?? 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv);
  // Done: exit now rather than when the engine client's keep-alive sockets happen to close (minutes later).
  // stdout and stderr are files, pipes or terminals here, which Node writes synchronously: nothing is lost.
  process.exit(code);
}
