// One `up` per lab name at a time: a lock file beside the lab's directory (labs/<lab>.lock), holding the
// owner's PID and start time, made whole in a private file and then linked into place (link(2) fails when the
// name exists, like O_EXCL, and the lock is never seen half-written). A lock whose owner no longer runs (the PID is gone, or
// belongs to a process that started at another time) is stale and taken over; a live owner's lock makes the
// second `up` fail at once, naming the owner, before it has created, written or removed anything. The lock
// goes when `up` ends, however it ends (released, or by the exit handler; a SIGKILL leaves a stale lock).

import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { upLockFile, labsRoot } from './lab-dir.ts';
import { identify, isSameProcess, type ProcessIdentity } from './host-process.ts';

/** A second `up` of a lab that one is already bringing up. */
export class LabBusyError extends Error {
  override readonly name = 'LabBusyError';
}

/** The lock of one lab name, held by this process. */
export class UpLock {
  readonly lab: string;
  readonly file: string;
  readonly #owner: ProcessIdentity;
  readonly #onExit: () => void;
  #held = true;

  private constructor(lab: string, file: string, owner: ProcessIdentity) {
    this.lab = lab;
    this.file = file;
    this.#owner = owner;
    this.#onExit = () => this.release();
    process.once('exit', this.#onExit);
  }

  /** Takes the lab's lock, or throws LabBusyError naming the process that holds it. */
  static acquire(lab: string): UpLock {
    const file = upLockFile(lab);
    mkdirSync(labsRoot(), { recursive: true, mode: 0o700 });
    const me = identify(process.pid);
    if (me === null) throw new Error(`cannot read this process's own start time (/proc/${process.pid}/stat)`);
    const mine = `${file}.${process.pid}.tmp`;
    writeFileSync(mine, `${JSON.stringify(me)}\n`, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(mine, file);
          return new UpLock(lab, file, me);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        takeOverIfStale(lab, file);
      }
    } finally {
      unlinkSync(mine);
    }
    throw new LabBusyError(`lab ${lab}: its lock ${file} keeps changing hands; try again`);
  }

  /** Gives the lock up (only if this process still holds it). Idempotent. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.off('exit', this.#onExit);
    const holder = readHolder(this.file);
    if (holder?.pid === this.#owner.pid && holder.startTime === this.#owner.startTime) {
      try {
        unlinkSync(this.file);
      } catch {
        // Gone already.
      }
    }
  }
}

/** Removes a lab's lock if its owner no longer runs (`down` after a SIGKILLed `up`); a live owner's stays. */
export function removeStaleLock(lab: string): void {
  try {
    takeOverIfStale(lab, upLockFile(lab));
  } catch {
    // Held by a running `up`, or there is no lock: nothing to do.
  }
}

/** Throws LabBusyError when the lock's owner still runs; removes the lock when it does not. */
function takeOverIfStale(lab: string, file: string): void {
  const holder = readHolder(file);
  if (holder !== null && isSameProcess(holder)) {
    const since = new Date(Date.now() - uptimeMsSince(holder.startTime)).toISOString();
    throw new LabBusyError(
      `lab ${lab} is being brought up by PID ${holder.pid} (running since ${since}): wait for it to finish, ` +
        `or stop it (Ctrl-C there removes what it made)`,
    );
  }
  breakStale(file, holder);
}

/** The owner a lock file names, or null when it is unreadable (not a lock this code wrote). */
function readHolder(file: string): ProcessIdentity | null {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProcessIdentity>;
    if (Number.isSafeInteger(doc.pid) && Number.isFinite(doc.startTime)) {
      return { pid: doc.pid!, startTime: doc.startTime! };
    }
  } catch {
    // Unreadable: no owner of ours could have written it (locks are linked into place whole): stale.
  }
  return null;
}

/**
 * Removes a stale lock. It is renamed aside first and checked: if another process took the lock over in
 * between, the renamed file is its live lock, and it is put back.
 */
function breakStale(file: string, stale: ProcessIdentity | null): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = readHolder(aside);
  if (moved !== null && isSameProcess(moved) && (stale === null || moved.pid !== stale.pid)) {
    try {
      renameSync(aside, file); // a live owner's lock: back where it was
    } catch {
      // Lost: that owner's release() finds no file, which is fine.
    }
    return;
  }
  try {
    unlinkSync(aside);
  } catch {
    // Gone already.
  }
}

/** ms since a process that started at startTime (clock ticks after boot) began: for the busy message. */
function uptimeMsSince(startTime: number): number {
  try {
    const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.max(0, (uptimeS - startTime / 100) * 1000); // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}
