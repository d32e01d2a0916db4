// vrrctl: the command line of vrrd's control socket. One verb per file under commands/; this file assembles
// them and turns failures into one line on stderr and a non-zero exit (1: the daemon or the socket; 2: usage).
// Usage: node --import tsx src/ctl/vrrctl.ts [--socket PATH | --name NAME] [--json] VERB ...

import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConnectError } from '../control/client.ts';
import { registerDht } from './commands/dht.ts';
import { registerEvents } from './commands/events.ts';
import { registerLink } from './commands/link.ts';
import { registerMcast } from './commands/mcast.ts';
import { registerStats } from './commands/stats.ts';
import { registerStatus } from './commands/status.ts';
import { registerTables } from './commands/tables.ts';
import { CtlFailure } from './context.ts';

/** Builds the program with every verb. */
export function buildProgram(): Command {
  const program = new Command('vrrctl')
    .description('talk to a running vrrd over its control socket')
    .option(
      '--socket <path>',
      'control socket (default: $VRRD_SOCKET, /run/vrrd/<name>.sock or /run/vrrd.sock)',
    )
    .option('--name <name>', 'the daemon started with --name NAME (socket /run/vrrd/NAME.sock)')
    .option('--json', 'machine-readable output')
    .option('--timeout <ms>', 'how long to wait for an answer (default 30000)', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number of ms, found ${v}`);
      return n;
    })
    .exitOverride()
    .showHelpAfterError();
  registerStatus(program);
  registerTables(program);
  registerStats(program);
  registerDht(program);
  registerEvents(program);
  registerLink(program);
  registerMcast(program);
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CtlFailure) {
      process.stderr.write(`vrrctl: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConnectError) {
      process.stderr.write(`vrrctl: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`vrrctl: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
