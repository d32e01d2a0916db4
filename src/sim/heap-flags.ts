// The V8 heap setting large simulations run best with, and a way for an entry point to make sure it runs with it.
//
// A simulation allocates a frame, its decoded options and a queued event for every hop, and keeps each alive for
// a few simulated milliseconds. With V8's default 16 MiB semi-space a scavenge comes every few thousand events,
// and whatever is in flight at that moment survives it: it is copied, promoted to the old generation after a
// second scavenge, and collected there by mark-sweeps later. A 64 MiB semi-space lets nearly all of it die young:
// the 32x32 grid forms its ring 15-20 % sooner in wall time on a 2-core machine (bench/sim-scale.ts), for at most
// ~100 MiB more memory (a 128 MiB new space instead of 32). V8 reads the size once, at start-up
// (v8.setFlagsFromString has no effect afterwards), so an entry point started without it runs itself again with it.

import { spawnSync } from 'node:child_process';

/** The flag, as node (and tsx, which passes it on) takes it on the command line. */
export const SIM_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** Whether this process was started with a semi-space size of its own (ours or the user's: theirs wins). */
export function hasSemiSpaceFlag(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  const set = (arg: string): boolean => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(arg);
  return execArgv.some(set) || nodeOptions.split(/\s+/).some(set);
}

/**
 * Runs this script again with SIM_HEAP_FLAGS, waits for it and exits with its status, unless the process already
 * has a semi-space size; then it returns at once. Call it first thing in an entry point (never in a library or
 * a test: the process it is called in ends).
 */
export function relaunchWithSimHeap(): void {
  if (hasSemiSpaceFlag()) return;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, ...SIM_HEAP_FLAGS, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  if (child.error) {
    process.stderr.write(
      `could not run ${process.argv[1]} again with ${SIM_HEAP_FLAGS.join(' ')}: ${child.error.message}\n`,
    );
    process.exit(1);
  }
  // A child killed by a signal (Ctrl-C reaches both) exits as a shell reports it: 128 + the signal's number.
  process.exit(child.status ?? 128 + (child.signal === 'SIGINT' ? 2 : 15));
}
