// Starvation bench (issue #18): a 5x5 netns lab whose vrrd processes together get a quarter of one core. The
// lab is brought up normally (its ring forms), then every vrrd process is moved into a CPU cgroup capped at
// 25 ms per 100 ms (v2: cpu.max "25000 100000"; v1: cpu.cfs_quota_us 25000, cpu.cfs_period_us 100000), and
// the lab is watched for a while (default 2 minutes) through every daemon's event stream (`subscribe`, as the
// run timeline does): a neighbour link that fails and a path torn down are counted, with the first few shown.
// At the end: the ring verdict, the links' down counts (vrrctl stats), the cgroup's throttling and the CPU the
// daemons got. The cgroup and the lab are removed at the end, also on an error or Ctrl-C. Prints; asserts
// nothing.
// Run as root: npx tsx bench/starved-lab.ts [--grid 5x5] [--quota-us 25000] [--watch 120] [--daemons per-node]

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTopology } from '../src/checks/topology.ts';
import { ControlClient } from '../src/control/client.ts';
import type { DaemonEvent } from '../src/control/protocol.ts';
import { REPO_ROOT } from '../src/daemon/daemon-bundle.ts';
import { downLabs } from '../src/testbed/lab/down.ts';
import { checkedSocket, type Lab } from '../src/testbed/lab/lab.ts';
import type { DaemonsMode } from '../src/testbed/lab/lab-state.ts';
import { ringNow } from '../src/testbed/lab/ring-wait.ts';
import { upLab } from '../src/testbed/lab/up.ts';
import { runtimeOfKind } from '../src/testbed/runtime/select.ts';
import type { Runtime } from '../src/testbed/runtime/runtime.ts';
import { helpFromHeader, cpuSeconds, daemonPids, rssMb, sum } from './proc-stats.ts';

helpFromHeader(new URL(import.meta.url).pathname);

const PERIOD_US = 100_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function note(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** A CPU cgroup with a quota, on cgroup v2 or v1 (whichever /sys/fs/cgroup is). */
class CpuCgroup {
  readonly dir: string;
  readonly v2: boolean;
  /** The cgroup processes go back to before it is removed. */
  readonly #parent: string;

  constructor(name: string, quotaUs: number) {
    this.v2 = fsType('/sys/fs/cgroup') === 'cgroup2fs';
    this.#parent = this.v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/cpu';
    if (!existsSync(this.#parent)) throw new Error(`no CPU cgroup hierarchy at ${this.#parent}`);
    this.dir = join(this.#parent, name);
    if (this.v2) {
      // The cpu controller must be enabled for the root's children (a no-op when it is).
      writeFileSync(join(this.#parent, 'cgroup.subtree_control'), '+cpu');
    }
    mkdirSync(this.dir);
    if (this.v2) writeFileSync(join(this.dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
    else {
      writeFileSync(join(this.dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(this.dir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
  }

  /** Moves a whole process (every thread) into the cgroup. */
  add(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** cpu.stat as numbers (nr_periods, nr_throttled, throttled_time (v1, ns) or throttled_usec (v2), ...). */
  stat(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of readFileSync(join(this.dir, 'cpu.stat'), 'utf8').trim().split('\n')) {
      const [k, v] = line.split(' ');
      out[k] = Number(v);
    }
    return out;
  }

  /** Moves what is left back to the parent and removes the cgroup (retried: a process may be exiting). */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (!existsSync(this.dir)) return;
      for (const pid of readFileSync(join(this.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(this.#parent, 'cgroup.procs'), pid);
        } catch {
          // Exited in between.
        }
      }
      try {
        rmdirSync(this.dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`could not remove the cgroup ${this.dir}`);
  }
}

function fsType(path: string): string {
  // statfs magic numbers are not exposed by Node: /proc/self/mounts tells the type of what is mounted there.
  const line = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[1] === path);
  const type = line?.split(' ')[2];
  return type === 'cgroup2' ? 'cgroup2fs' : (type ?? 'none');
}

/** Every node's event stream, counting failed links and torn-down paths. */
class Watch {
  readonly #clients: ControlClient[] = [];
  readonly linkFailures: string[] = [];
  readonly pathsDown: string[] = [];
  readonly other = new Map<string, number>();
  missed = 0;

  async follow(lab: Lab): Promise<void> {
    const names = new Map<string, string>();
    for (const n of lab.plan.nodes) names.set(n.address, n.name);
    await Promise.all(
      lab.aliveNodes().map(async (node) => {
        const client = await ControlClient.connect(checkedSocket(lab.socket(node)));
        this.#clients.push(client);
        await client.subscribe((event, missed) => {
          this.missed += missed;
          this.#take(node, event, (a) => names.get(String(a)) ?? String(a));
        });
      }),
    );
  }

  #take(node: string, event: DaemonEvent, name: (a: unknown) => string): void {
    const e = event as DaemonEvent & Record<string, unknown>;
    const at = e.t.slice(11, 23);
    if (e.type === 'link' && (e.to === 'failed' || e.to === 'gone')) {
      this.linkFailures.push(
        `${at} ${node}: link to ${name(e.neighbor)} ${String(e.from)} -> ${String(e.to)} (${String(e.why)})`,
      );
    } else if (e.type === 'path-down') {
      this.pathsDown.push(
        `${at} ${node}: path #${String(e.pathId)} ${name(e.ea)} <-> ${name(e.eb)} torn down (${String(e.why)})`,
      );
    } else {
      this.other.set(e.type, (this.other.get(e.type) ?? 0) + 1);
    }
  }

  close(): void {
    for (const c of this.#clients) c.close();
  }
}

/** Links' down counts per node from `vrrctl stats` (links[].downs). */
async function linkDowns(lab: Lab): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const node of lab.aliveNodes()) {
    const s = await lab.ctl<{ links: { interface: string; downs: number }[] }>(node, 'stats');
    out.set(node, sum(s.links.map((l) => l.downs)));
  }
  return out;
}

async function main(): Promise<void> {
  const grid = /^(\d+)x(\d+)$/.exec(arg('--grid') ?? '5x5');
  if (!grid) throw new Error(`--grid expects ROWSxCOLS, found ${arg('--grid')}`);
  const quotaUs = Number(arg('--quota-us') ?? 25_000);
  const watchS = Number(arg('--watch') ?? 120);
  const daemons = (arg('--daemons') ?? 'per-node') as DaemonsMode;
  const topology = parseTopology(
    `name: starved\nseed: 1\ndefaults:\n  vrr: { vsetSize: 4, helloMs: 1000 }\n  link: { delay: 1ms }\n` +
      `generate:\n  grid: { rows: ${grid[1]}, cols: ${grid[2]} }\n`,
    'starved-lab.yaml',
    REPO_ROOT,
  );
  process.env.VRR_TESTBED_DIR ??= mkdtempSync(join(tmpdir(), 'vrr-starved-state-'));
  const runtime: Runtime = await runtimeOfKind('netns');
  const reason = await runtime.unavailableReason();
  if (reason) throw new Error(`netns: cannot run here (${reason})`);
  const labName = 'bench-starved';
  const provider = async (): Promise<Runtime[]> => [runtime];
  const rows: [string, string][] = [];
  const row = (k: string, v: string): void => {
    rows.push([k, v]);
    note(`${k}: ${v}`);
  };

  const abort = new AbortController();
  const onSignal = (signal: string): void => {
    note(`${signal}: stopping; the cgroup and the lab are removed`);
    abort.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  /** Sleeps, or rejects as soon as the run is interrupted. */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      abort.signal.throwIfAborted();
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => (clearTimeout(timer), reject(abort.signal.reason)), {
        once: true,
      });
    });

  let cgroup: CpuCgroup | null = null;
  const watch = new Watch();
  row(
    'lab',
    `${topology.nodes.length}-node grid ${grid[1]}x${grid[2]}, netns, daemons ${daemons}; quota ${quotaUs} us per ${PERIOD_US} us ` +
      `(${((100 * quotaUs) / PERIOD_US).toFixed(0)} % of one core for all daemons together)`,
  );
  row('load before', loadAverage());
  await downLabs(labName, provider);
  try {
    const started = Date.now();
    const up = await upLab(topology, {
      seed: 1,
      runtime,
      lab: labName,
      daemons,
      signal: abort.signal,
      progress: (line) => note(line),
    });
    const lab = up.lab;
    if (up.convergenceMs === null) {
      row('ring at up', `NOT consistent: ${up.ring.problems.slice(0, 5).join('; ')}`);
      return;
    }
    row(
      'ring at up',
      `consistent ${((Date.now() - started) / 1000).toFixed(1)} s after up began (unstarved)`,
    );

    await watch.follow(lab);
    const downsBefore = await linkDowns(lab);
    cgroup = new CpuCgroup(`vrr-starved-${process.pid}`, quotaUs);
    const pids = daemonPids(lab.state);
    for (const pid of pids) cgroup.add(pid);
    const cpu0 = sum(pids.map(cpuSeconds));
    const stat0 = cgroup.stat();
    row(
      'cgroup',
      `${cgroup.dir} (${cgroup.v2 ? 'v2' : 'v1'}), ${pids.length} vrrd process(es) moved into it`,
    );

    // Watched in steps of 10 s, the ring judged at each (a sign of trouble before the end).
    const t0 = Date.now();
    let inconsistent = 0;
    let checks = 0;
    while (Date.now() - t0 < watchS * 1000) {
      await sleep(Math.min(10_000, watchS * 1000 - (Date.now() - t0)));
      const ring = await ringNow(lab);
      checks++;
      if (!ring.passed) {
        inconsistent++;
        note(
          `ring not consistent at ${((Date.now() - t0) / 1000).toFixed(0)} s: ${ring.problems.slice(0, 3).join('; ')}`,
        );
      }
      note(
        `${((Date.now() - t0) / 1000).toFixed(0)} s starved: ${watch.linkFailures.length} link failure(s), ` +
          `${watch.pathsDown.length} path(s) torn down, load ${loadAverage()}`,
      );
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const cpu = sum(pids.map(cpuSeconds)) - cpu0;
    const stat = cgroup.stat();
    const throttledS = cgroup.v2
      ? (stat.throttled_usec - stat0.throttled_usec) / 1e6
      : (stat.throttled_time - stat0.throttled_time) / 1e9;
    row(
      'daemons CPU starved',
      `${((100 * cpu) / elapsedS).toFixed(1)} % of a core for all (${((100 * cpu) / elapsedS / pids.length).toFixed(2)} % each) over ${elapsedS.toFixed(0)} s; ` +
        `throttled in ${stat.nr_throttled - stat0.nr_throttled} of ${stat.nr_periods - stat0.nr_periods} periods, ${throttledS.toFixed(1)} s in all`,
    );
    row('vrrd RSS', `${(sum(pids.map(rssMb)) / pids.length).toFixed(1)} MB/process`);
    row(
      'link failures',
      `${watch.linkFailures.length}${watch.linkFailures.length ? `: ${watch.linkFailures.slice(0, 8).join(' | ')}` : ''}`,
    );
    row(
      'paths torn down',
      `${watch.pathsDown.length}${watch.pathsDown.length ? `: ${watch.pathsDown.slice(0, 8).join(' | ')}` : ''}`,
    );
    row(
      'other events',
      ([...watch.other].map(([k, v]) => `${k} ${v}`).join(', ') || 'none') +
        (watch.missed ? `; ${watch.missed} missed` : ''),
    );
    const downsAfter = await linkDowns(lab);
    const downs = [...downsAfter]
      .map(([n, d]) => [n, d - (downsBefore.get(n) ?? 0)] as const)
      .filter(([, d]) => d > 0);
    row('interface downs (stats)', downs.length === 0 ? '0' : downs.map(([n, d]) => `${n} ${d}`).join(', '));
    row('ring while starved', `consistent at ${checks - inconsistent} of ${checks} checks (every 10 s)`);
    row('load after', loadAverage());
  } catch (error) {
    row('failed', (error as Error).message.split('\n').slice(0, 12).join(' | '));
  } finally {
    watch.close();
    if (cgroup !== null) {
      try {
        await cgroup.remove();
        note(`cgroup ${cgroup.dir} removed`);
      } catch (error) {
        row('cgroup left', (error as Error).message);
      }
    }
    const t = Date.now();
    const down = await downLabs(labName, provider);
    const r = down[0]?.removed;
    row(
      'down',
      `${((Date.now() - t) / 1000).toFixed(1)} s${r ? ` (${r.namespaces} namespaces, ${r.processes} processes)` : ''}`,
    );
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${'figure'.padEnd(width)} | value\n${'-'.repeat(width)}-+-${'-'.repeat(60)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
}

await main();
// The control clients' sockets would keep the process a while longer.
process.exit(0);
