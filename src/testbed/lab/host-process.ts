// Who a host PID is, now. A PID alone names a process only while it lives: after it exits, the kernel hands
// the number to the next process that forks. So the controller records a process as (PID, start time) and
// before it signals or trusts one, checks that the process behind the PID started when the recorded one did
// (and, for a node's daemon, that it runs in the node's network namespace).

import { readFileSync } from 'node:fs';
import { nsfsInode } from '../links/netns.ts';

/** A process as the controller records it: its PID and when it started (clock ticks after boot). */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** When process pid started (field 22 of /proc/PID/stat, clock ticks after boot), or null when there is none. */
export function processStartTime(pid: number): number | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    // The command name is in parentheses and may contain spaces: fields after the last ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]); // field 22 counted from 1, fields[0] being field 3
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/** The identity of a running process (null when pid runs nothing). */
export function identify(pid: number): ProcessIdentity | null {
  const startTime = processStartTime(pid);
  return startTime === null ? null : { pid, startTime };
}

/** True when the recorded process still runs: the PID exists and started when the recorded one did. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  return processStartTime(recorded.pid) === recorded.startTime;
}

/** The inode of the network namespace process pid runs in, or null when it is gone. */
export function processNetnsInode(pid: number): number | null {
  return nsfsInode(`/proc/${pid}/ns/net`);
}
