// `vrrctl events`: follows the daemon's event stream (link changes, vset changes, paths, ports) until
// interrupted or the daemon goes away. --json prints each event as one JSON line.

import type { Command } from 'commander';
import type { DaemonEvent } from '../../control/protocol.ts';
import { connect, CtlFailure, globalsOf } from '../context.ts';

/** Registers `events`. */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('follow the event stream (Ctrl-C to stop); --json: one JSON object per line')
    .action(async (_opts, command: Command) => {
      const json = globalsOf(command).json ?? false;
      const client = await connect(command);
      let interrupted = false;
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          interrupted = true;
          client.close();
        });
      }
      await client.subscribe((event, missed) => {
        if (missed > 0 && !json)
          process.stdout.write(`(${missed} events skipped: not reading fast enough)\n`);
        const line = json ? JSON.stringify(missed > 0 ? { ...event, missed } : event) : renderEvent(event);
        process.stdout.write(line + '\n');
      });
      const why = await client.closed();
      // Stopped by the user: a normal end. The daemon going away is not.
      if (!interrupted) throw new CtlFailure(why.message);
    });
}

/** One event as one line: time, node, type, then its fields as key=value. */
export function renderEvent(event: DaemonEvent): string {
  const { t, node, type, ...rest } = event;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${node} ${type.padEnd(11)} ${fields}`.trimEnd();
}
