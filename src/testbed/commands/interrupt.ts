// Ctrl-C and SIGTERM while a verb changes the host (`up`, `run`): the first signal aborts the verb's signal,
// and the verb removes what it created before it exits with 128 + the signal's number; a second signal exits
// at once, saying what may be left and how to remove it. Without this, Node's default would end the process
// on the spot and leave namespaces, containers, daemons and the lab directory behind.

import { Interrupted, type VerbIo } from './context.ts';

/** Runs body with SIGINT and SIGTERM turned into an abort of the signal it gets (see the file comment). */
export async function interruptible<T>(
  io: VerbIo,
  lab: string,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (controller.signal.aborted) {
      io.error(`${signal} again: exiting now; what was made may be left (testbed down ${lab})`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    io.error(`${signal}: stopping; removing what was created (${signal} again to exit at once)`);
    controller.abort(new Interrupted(signal));
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
