// What the benches read of a lab's processes and of the machine from /proc: the daemons' PIDs, their CPU time,
// RSS, RssAnon and PSS, the memory in use and the load. Shared by bench/testbed-up.ts, bench/starved-lab.ts,
// bench/shared-daemon.ts and bench/vrrd-idle.ts so that their figures are measured the same way.

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { LabState } from '../src/testbed/lab/lab-state.ts';

/** The processes that run the lab's vrrd nodes: one per node, or the shared hosts. */
export function daemonPids(state: LabState): number[] {
  const pids = new Set<number>();
  for (const s of Object.values(state.nodes)) if (s.daemonPid !== null) pids.add(s.daemonPid);
  for (const h of state.daemons?.hosts ?? []) if (h.pid !== null) pids.add(h.pid);
  return [...pids];
}

/** CPU seconds (user + system) a process has used (NaN when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime; USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Resident set size of a process, MB (NaN when it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Anonymous resident memory of a process, MB (NaN when it is gone): what it has of its own (heap, V8, malloc), as
 * opposed to the pages of the node binary and its libraries, which every vrrd on the host maps once.
 */
export function rssAnonMb(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Proportional set size of a process, MB (its share of shared pages; NaN when it is gone). */
export function pssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Memory in use on the machine, MB (MemTotal - MemAvailable). */
export function memUsedMb(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  return (kb('MemTotal') - kb('MemAvailable')) / 1024;
}

/** The load averages over 1, 5 and 15 minutes, as printed. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/**
 * Prints a bench's usage (the comment lines that open its file) and exits when --help or -h is given: a bench
 * run without arguments starts a lab, which is not what someone asking for help wants.
 */
export function helpFromHeader(file: string): void {
  if (!process.argv.includes('--help') && !process.argv.includes('-h')) return;
  const header = readFileSync(file, 'utf8').split('\n');
  const end = header.findIndex((l) => !l.startsWith('//'));
  console.log(
    header
      .slice(0, end === -1 ? header.length : end)
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('\n'),
  );
  process.exit(0);
}

/** The sum of some figures. */
export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
