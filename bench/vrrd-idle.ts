// What an idle vrrd costs (issue 18 item 3): CPU per node per second and RSS in a converged line of daemons with
// 1 s hellos and no traffic, and how soon a vrrd started alone answers on its control socket. The daemons run as
// deployed (the esbuild bundle on plain node), one per network namespace, joined by veth pairs. CPU is read from
// the kernel's per-thread run time (/proc/<pid>/task/*/schedstat, nanoseconds), over a window of idle seconds.
// Prints figures with the issue's targets beside them; asserts nothing. Needs root; run it under the labs lock:
//
//   flock /tmp/vrr-labs.lock npx tsx bench/vrrd-idle.ts [nodes, default 4] [idle seconds, default 30]
//   flock /tmp/vrr-labs.lock npx tsx bench/vrrd-idle.ts 4 30 --cpu-prof   # and a CPU profile per daemon
//   flock /tmp/vrr-labs.lock npx tsx bench/vrrd-idle.ts 4 30 --bundle DIR  # DIR/daemon/vrrd.mjs, built before
//   flock /tmp/vrr-labs.lock npx tsx bench/vrrd-idle.ts 4 30 --settle 11    # idle window 11 s after convergence
//                                                                           # (default 60: past start-up's GCs)
//
// --bundle runs a bundle made earlier (src/daemon/bundle.ts, or bundleDaemon(DIR) at another commit) instead of
// bundling the sources as they are: two commits compared by the same bench.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestOnce } from '../src/control/client.ts';
import { bundleDaemon, REPO_ROOT } from '../src/daemon/daemon-bundle.ts';
import { rssAnonMb, rssMb } from './proc-stats.ts';

const NODES = Math.max(2, Number(process.argv[2] ?? 4));
const IDLE_S = Math.max(5, Number(process.argv[3] ?? 30));
/** Seconds between convergence and the idle window (--settle S). */
const SETTLE_S = process.argv.includes('--settle')
  ? Number(process.argv[process.argv.indexOf('--settle') + 1])
  : 60;
const PROFILE = process.argv.includes('--cpu-prof');
const BUNDLE = process.argv.includes('--bundle') ? process.argv[process.argv.indexOf('--bundle') + 1] : null;
/** Issue 18's targets: idle CPU per node (ms per second, at 1 s hellos), RSS (MB), answering when alone (ms). */
const TARGET = { cpuMsPerS: 1, rssMb: 40, aloneMs: 1000 };
const PREFIX = `vrri-${process.pid}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** CPU time (ms) of every thread of a process so far. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  return ns / 1e6;
}

/** Voluntary context switches so far (how often it slept and was woken): of the main thread, and of the others. */
function wakeups(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const m = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
    out[tid === String(pid) ? 'main' : 'others'] += Number(m?.[1] ?? 0);
  }
  return out;
}

/**
 * Where a process's resident memory is (MB): private (its own: heap, V8, malloc), shared clean (the node binary's
 * and libraries' pages, which every daemon on the host maps once), and its proportional share of all of it (PSS).
 */
function memoryOf(pid: number): { priv: number; shared: number; pss: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return {
    priv: (kb('Private_Clean') + kb('Private_Dirty')) / 1024,
    shared: (kb('Shared_Clean') + kb('Shared_Dirty')) / 1024,
    pss: kb('Pss') / 1024,
  };
}

/** Polls until the control socket answers a status request; returns the ms it took from `since`. */
async function answers(socket: string, since: number, child: ChildProcess): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vrrd on ${socket} exited (${child.exitCode})`);
    try {
      await requestOnce(socket, 'status', {}, 1000);
      return performance.now() - since;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (performance.now() - since > 30_000) throw new Error(`vrrd on ${socket} did not answer in 30 s`);
  }
}

function startVrrd(vrrd: string, ns: string, socket: string, address: string, dir: string): ChildProcess {
  const node = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(dir, 'profiles')] : [];
  const args = ['netns', 'exec', ns, process.execPath, ...node, vrrd, '--name', ns, '--socket', socket];
  args.push('--address', address, '--hello-ms', '1000', '--seed', '1', '--log-level', 'warn');
  return spawn('ip', args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/vrrd-idle.ts needs root (network namespaces, veth)');
  const dir = mkdtempSync(join(tmpdir(), 'vrrd-idle-'));
  const namespaces: string[] = [];
  const children: ChildProcess[] = [];
  try {
    const vrrd =
      BUNDLE === null ? (await bundleDaemon(join(dir, 'dist'))).vrrd : join(BUNDLE, 'daemon', 'vrrd.mjs');
    // One vrrd alone: a namespace with one veth pair, nobody on the other end.
    const alone = `${PREFIX}-alone`;
    ip('netns', 'add', alone);
    namespaces.push(alone);
    ip('-n', alone, 'link', 'add', 'name', 'e', 'type', 'veth', 'peer', 'name', 'p');
    ip('-n', alone, 'link', 'set', 'e', 'up');
    ip('-n', alone, 'link', 'set', 'p', 'up');
    const t0 = performance.now();
    const lone = startVrrd(vrrd, alone, join(dir, 'alone.sock'), '02:00:00:00:01:00', dir);
    children.push(lone);
    const aloneMs = await answers(join(dir, 'alone.sock'), t0, lone);
    await stop([lone]);

    // A line of NODES daemons.
    for (let i = 0; i < NODES; i++) {
      const ns = `${PREFIX}-${i}`;
      ip('netns', 'add', ns);
      namespaces.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    const line = namespaces.slice(1);
    for (let i = 0; i + 1 < NODES; i++) {
      ip(
        'link',
        'add',
        'name',
        'e',
        'netns',
        line[i],
        'type',
        'veth',
        'peer',
        'name',
        'w',
        'netns',
        line[i + 1],
      );
      ip('-n', line[i], 'link', 'set', 'e', 'up');
      ip('-n', line[i + 1], 'link', 'set', 'w', 'up');
    }
    const sockets = line.map((ns) => join(dir, `${ns}.sock`));
    const started = performance.now();
    const daemons = line.map((ns, i) =>
      startVrrd(vrrd, ns, sockets[i], `02:00:00:00:00:${(16 * (i + 1)).toString(16).padStart(2, '0')}`, dir),
    );
    children.push(...daemons);
    await Promise.all(daemons.map((d, i) => answers(sockets[i], started, d)));
    // Converged: every node active with a full vset (or everyone else in it).
    const want = Math.min(4, NODES - 1);
    for (;;) {
      const status = await Promise.all(sockets.map((s) => requestOnce<any>(s, 'status', {}, 5000)));
      if (status.every((s) => s.active && s.counts.vset === want)) break;
      if (performance.now() - started > 60_000) throw new Error('the line did not converge in 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const convergedMs = performance.now() - started;
    // Settled, as in a lab that runs on: past the daemons' first memory check (5 s) and the few collections V8's
    // memory reducer makes after it (every ~10 s while allocation is low, then no more): measured earlier, those
    // double the wake-ups of the middle nodes' threads.
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    const pids = daemons.map((d) => d.pid!);
    const before = pids.map(cpuMs);
    const wokeBefore = pids.map(wakeups);
    const load0 = loadavg()[0];
    // The floor, measured meanwhile: an empty node process woken 4 times a second (what a wake-up costs here now).
    const floor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 250)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const floorBefore = cpuMs(floor.pid!);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const floorMsPerS = (cpuMs(floor.pid!) - floorBefore) / IDLE_S;
    floor.kill();
    const cpu = pids.map((p, i) => (cpuMs(p) - before[i]) / IDLE_S);
    const woke = pids.map((p, i) => {
      const w = wakeups(p);
      return {
        main: (w.main - wokeBefore[i].main) / IDLE_S,
        others: (w.others - wokeBefore[i].others) / IDLE_S,
      };
    });
    const rss = pids.map(rssMb);
    const anon = pids.map(rssAnonMb);
    const memory = pids.map(memoryOf);
    const heaps = await Promise.all(sockets.map((s) => requestOnce<any>(s, 'status', {}, 5000)));
    const fmt = (xs: number[], digits: number): string => xs.map((x) => x.toFixed(digits)).join(', ');
    const ok = (yes: boolean): string => (yes ? 'met' : 'NOT met');
    console.log(
      `vrrd idle bench: ${NODES} daemons in a line, ${BUNDLE === null ? 'bundled' : `the bundle in ${BUNDLE}`} on plain node ${process.version}, 1 s hellos, ` +
        `converged in ${Math.round(convergedMs)} ms; idle window ${IDLE_S} s from ${SETTLE_S} s after that (load average ${load0.toFixed(2)} at its start)`,
    );
    console.log(
      `idle CPU per node: ${fmt(cpu, 2)} ms/s   target <= ${TARGET.cpuMsPerS}  ${ok(Math.max(...cpu) <= TARGET.cpuMsPerS)}`,
    );
    console.log(
      `  floor meanwhile: an empty node process woken 4 times a second costs ${floorMsPerS.toFixed(2)} ms/s here ` +
        `(${Math.round((1000 * floorMsPerS) / 4)} us per wake-up)`,
    );
    console.log(
      `  wake-ups per node per second (voluntary context switches): main thread ` +
        `${fmt(
          woke.map((w) => w.main),
          1,
        )}; other threads (V8's workers, libuv's pool) ${fmt(
          woke.map((w) => w.others),
          1,
        )} (unlike CPU time, not inflated by a loaded machine)`,
    );
    console.log(
      `idle RSS per node: ${fmt(rss, 1)} MB   target <= ${TARGET.rssMb}  ${ok(Math.max(...rss) <= TARGET.rssMb)}`,
    );
    console.log(
      `  RssAnon per node (its own memory: heap, V8, malloc) ${fmt(anon, 1)} MB; the rest is the node binary's ` +
        `and libraries' pages, which every daemon on the host maps once`,
    );
    console.log(
      `  of which private ${fmt(
        memory.map((m) => m.priv),
        1,
      )} MB, shared with other processes (the node binary, ` +
        `libraries) ${fmt(
          memory.map((m) => m.shared),
          1,
        )} MB; proportional share (PSS) ${fmt(
          memory.map((m) => m.pss),
          1,
        )} MB`,
    );
    const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
    console.log(
      `  V8 heap total/used per node: ${heaps.map((h) => `${mb(h.memory.heapTotal)}/${mb(h.memory.heapUsed)}`).join(', ')} MB, ` +
        `external ${heaps.map((h) => mb(h.memory.external)).join(', ')} MB`,
    );
    console.log(
      `a vrrd started alone answers its control socket after ${Math.round(aloneMs)} ms   target <= ${TARGET.aloneMs}  ${ok(aloneMs <= TARGET.aloneMs)}`,
    );
    await stop(daemons);
    if (PROFILE) console.log(`CPU profiles: ${join(dir, 'profiles')} (kept)`);
  } finally {
    await stop(children);
    for (const ns of namespaces.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    if (!PROFILE) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
