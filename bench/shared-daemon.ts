// Bench of vrrd's two daemon modes on netns grids (issue 18 items 4-5): for each grid size and mode, the time
// `up` takes until the ring is consistent (and from the first vrrd start), then, with the ring idle, the CPU
// each node costs per second and the RSS per node, measured on the vrrd processes themselves (/proc/PID/stat
// and status): per-node = one vrrd per node, shared = one vrrd host per core running a slice of the nodes.
// The machine's cores are shared with other work: the load average is printed beside every figure. Prints
// figures, asserts nothing. Run as root, under the labs lock:
//   flock /tmp/vrr-labs.lock npx tsx bench/shared-daemon.ts [--sizes 25,100] [--modes per-node,shared]
//                                                          [--idle 30] [--settle 10]

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseTopology } from '../src/checks/topology.ts';
import type { Topology } from '../src/topology/types.ts';
import { upLab } from '../src/testbed/lab/up.ts';
import { downLabs } from '../src/testbed/lab/down.ts';
import type { DaemonsMode } from '../src/testbed/lab/lab-state.ts';
import { NetnsRuntime } from '../src/testbed/runtime/netns.ts';
import { REPO_ROOT } from '../src/daemon/daemon-bundle.ts';
import { rssMb, sum } from './proc-stats.ts';

const GRIDS: Record<number, [number, number]> = { 9: [3, 3], 25: [5, 5], 49: [7, 7], 100: [10, 10] };
/** USER_HZ: /proc/PID/stat counts CPU time in these ticks per second. */
const TICKS_PER_S = 100;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

function grid(n: number): Topology {
  const [rows, cols] = GRIDS[n];
  const text = `name: shared${n}\nseed: 1\ndefaults:\n  vrr: { vsetSize: 4, helloMs: 1000 }\n  link: { delay: 1ms }\ngenerate:\n  grid: { rows: ${rows}, cols: ${cols} }\n`;
  return parseTopology(text, `bench-grid-${n}.yaml`, REPO_ROOT);
}

/** utime + stime of a process, in ticks (NaN when it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15, counted from 1
  } catch {
    return NaN;
  }
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function benchOne(runtime: NetnsRuntime, n: number, mode: DaemonsMode, idleS: number, settleS: number) {
  const lab = `bench-sd-${mode === 'shared' ? 's' : 'p'}${n}`;
  await downLabs(lab, async () => [runtime]);
  const loadBefore = load();
  const started = Date.now();
  try {
    const up = await upLab(grid(n), {
      seed: 1,
      runtime,
      lab,
      daemons: mode,
      progress: () => {},
      timeoutMs: 600_000,
    });
    const wallS = (Date.now() - started) / 1000;
    const p = up.phases;
    const ring =
      up.convergenceMs === null
        ? 'NO consistent ring'
        : `ring consistent ${(up.convergenceMs / 1000).toFixed(1)} s after the first vrrd start`;
    if (up.convergenceMs === null) console.log(`  problems: ${up.ring.problems.slice(0, 8).join('; ')}`);
    console.log(
      `${mode} ${n} nodes: up ${wallS.toFixed(1)} s, ${ring} (nodes ${(p.nodesMs / 1000).toFixed(1)} s, links ${(p.linksMs / 1000).toFixed(1)} s, ` +
        `daemons ${(p.daemonsMs / 1000).toFixed(1)} s, ring ${(p.ringMs / 1000).toFixed(1)} s); load before ${loadBefore}, after ${load()}`,
    );
    const pids = [...new Set(Object.values(up.lab.state.nodes).map((s) => s.daemonPid!))];
    // The daemons' CPU from their start to the end of up (ring and mappings): what the lab needs of the machine
    // while it forms, against what it needs idle; starved of it (a loaded machine), a ring forms late or not at all.
    const upCpuS = sum(pids.map(cpuTicks)) / TICKS_PER_S;
    const formingS = (p.daemonsMs + p.ringMs) / 1000;
    console.log(
      `${mode} ${n} nodes forming: vrrd CPU ${upCpuS.toFixed(1)} s over ${formingS.toFixed(1)} s (${(upCpuS / formingS).toFixed(2)} cores on average)`,
    );
    await new Promise((r) => setTimeout(r, settleS * 1000));
    const loadIdle = load();
    const t0 = pids.map(cpuTicks);
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const t1 = pids.map(cpuTicks);
    const seconds = (Date.now() - w0) / 1000;
    const cpuMs = (sum(t1) - sum(t0)) * (1000 / TICKS_PER_S);
    const rss = sum(pids.map(rssMb));
    console.log(
      `${mode} ${n} nodes idle (${seconds.toFixed(0)} s, ${pids.length} vrrd process${pids.length === 1 ? '' : 'es'}): ` +
        `CPU ${(cpuMs / seconds / n).toFixed(2)} ms/s per node (${(cpuMs / seconds).toFixed(1)} ms/s in all), ` +
        `RSS ${(rss / n).toFixed(1)} MB per node (${rss.toFixed(0)} MB in all); load ${loadIdle} -> ${load()}`,
    );
  } catch (error) {
    console.log(`${mode} ${n} nodes: up failed: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await downLabs(lab, async () => [runtime]);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/shared-daemon.ts needs root (network namespaces)');
  const sizes = arg('--sizes', '25').split(',').map(Number);
  const modes = arg('--modes', 'per-node,shared').split(',') as DaemonsMode[];
  const idleS = Number(arg('--idle', '30'));
  const settleS = Number(arg('--settle', '10'));
  for (const n of sizes) if (!GRIDS[n]) throw new Error(`--sizes: one of ${Object.keys(GRIDS).join(', ')}`);
  const runtime = new NetnsRuntime();
  for (const n of sizes) for (const mode of modes) await benchOne(runtime, n, mode, idleS, settleS);
}

await main();
