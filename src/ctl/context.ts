// What every vrrctl verb shares: which socket to talk to, one request with a clear one-line error on failure,
// and printing either JSON (--json) or the verb's human rendering.

import type { Command } from 'commander';
import { defaultSocketPath } from '../control/protocol.ts';
import { ControlClient, ControlError } from '../control/client.ts';

/** A failure vrrctl reports as one line on stderr with a non-zero exit (1 unless given). */
export class CtlFailure extends Error {
  override readonly name = 'CtlFailure';

  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Global options, readable from any subcommand. */
export interface GlobalOptions {
  socket?: string;
  name?: string;
  json?: boolean;
  timeout?: number;
}

/** The socket path: --socket, else $VRRD_SOCKET, else the default for --name (or /run/vrrd.sock). */
export function socketPathOf(opts: GlobalOptions): string {
  return opts.socket ?? process.env.VRRD_SOCKET ?? defaultSocketPath(opts.name);
}

/** The global options as seen from a (sub)command. */
export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Connects to the daemon the options name (a ConnectError says which path and why). */
export function connect(command: Command): Promise<ControlClient> {
  const opts = globalsOf(command);
  return ControlClient.connect(socketPathOf(opts), { timeoutMs: opts.timeout });
}

/** Sends one request (every page of a table) and closes; a daemon error becomes a CtlFailure with the daemon's message. */
export async function call<T>(
  command: Command,
  verb: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const client = await connect(command);
  try {
    return await client.request<T>(verb, args);
  } catch (error) {
    if (error instanceof ControlError) {
      // 'connection': the daemon closed the connection and said why (its message names the socket).
      throw new CtlFailure(error.verb === 'connection' ? error.message : `vrrd: ${verb}: ${error.message}`);
    }
    throw error;
  } finally {
    client.close();
  }
}

/** Prints result as JSON with --json, else as render(result) says. */
export function output<T>(command: Command, result: T, render: (result: T) => string): void {
  if (globalsOf(command).json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(render(result) + '\n');
}
