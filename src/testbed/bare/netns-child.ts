// Child processes in a namespace for the bare labs, their tests and the benches: a TypeScript script started
// under tsx inside a named namespace, its exit, and waiting for a line it prints.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { REPO_ROOT } from '../../daemon/daemon-bundle.ts';
import { inNamespace } from '../links/netns.ts';

/** Starts `node --import tsx script ...args` inside namespace ns. */
export function spawnInNetns(
  ns: string,
  script: string,
  args: string[] = [],
): ChildProcessWithoutNullStreams {
  const [cmd, ...rest] = inNamespace(ns, [process.execPath, '--import', 'tsx', script, ...args]);
  return spawn(cmd, rest, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Resolves with the exit code and signal once the child has exited. */
export function exited(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Resolves with the first stdout line matching pattern (rejects on exit or after timeoutMs). */
export function waitForLine(
  child: ChildProcessWithoutNullStreams,
  pattern: RegExp,
  timeoutMs = 15000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const hit = lines.find((line) => pattern.test(line));
      if (hit !== undefined) finish(() => resolve(hit));
    };
    const onExit = (code: number | null): void =>
      finish(() => reject(new Error(`child exited (code ${code}) before printing ${pattern}`)));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      settle();
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}
