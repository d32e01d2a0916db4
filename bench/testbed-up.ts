// Bench of `testbed up`. Two modes, both print figures and assert nothing.
//
// The sweep (default): for 10, 25, 50 and 100-node grids and each runtime that can run here, the wall time of
// `up` until the ring is consistent (with its phases), the memory per node (vrrd RSS; and what the runtime
// charges a node, e.g. a container's cgroup), and the substrate alone (nodes and links, no vrrd) against
// Mininet building the same grid with Debian's python3 (when the mininet package is installed).
//   npx tsx bench/testbed-up.ts [--runtime <kind>] [--sizes 10,25,50,100]
//
// One lab (issue #18's figures), when --grid or --topology is given: `up` of that lab with the given runtime and
// daemons mode, the time to the first consistent ring, a ping-all sample, the CPU and RSS of its vrrd processes
// per node (during `up`, and idle afterwards), the machine's memory the lab took, and the time of `down`; one
// table, with the load average before and after (the machine may be shared).
//   npx tsx bench/testbed-up.ts --runtime netns|docker --daemons per-node|shared (--grid 10x10 | --topology FILE)
//     [--ping-sample N] [--timeout SECONDS] [--idle SECONDS]
// Run as root.

import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadTopology, parseTopology } from '../src/checks/topology.ts';
import type { Topology } from '../src/topology/types.ts';
import { upLab } from '../src/testbed/lab/up.ts';
import { downLabs } from '../src/testbed/lab/down.ts';
import { hostIpv4, hostIpv6, planLab, plannedNode } from '../src/testbed/lab/plan.ts';
import type { Lab } from '../src/testbed/lab/lab.ts';
import { labDir } from '../src/testbed/lab/lab-dir.ts';
import type { Family, PingMatrix } from '../src/checks/ping-all/verdict.ts';
import { mapLimit } from '../src/testbed/lab/pool.ts';
import { createVethLinks } from '../src/testbed/links/veth.ts';
import { runtimeOfKind } from '../src/testbed/runtime/select.ts';
import { RUNTIME_KINDS } from '../src/testbed/runtime/registry.ts';
import type { NodeHandle, ProgressSink, Runtime, RuntimeKind } from '../src/testbed/runtime/runtime.ts';
import type { DaemonsMode } from '../src/testbed/lab/lab-state.ts';
import { runPingAll } from '../src/checks/ping-all/lab.ts';
import { labProbe } from '../src/testbed/verify/lab-probe.ts';
import { REPO_ROOT } from '../src/daemon/daemon-bundle.ts';
import {
  helpFromHeader,
  cpuSeconds,
  daemonPids,
  loadAverage,
  memUsedMb,
  pssMb,
  rssAnonMb,
  rssMb,
  sum,
} from './proc-stats.ts';

helpFromHeader(new URL(import.meta.url).pathname);

const GRIDS: Record<number, [number, number]> = { 10: [2, 5], 25: [5, 5], 50: [5, 10], 100: [10, 10] };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function grid(n: number): Topology {
  const [rows, cols] = GRIDS[n];
  const text = `name: bench${n}\nseed: 1\ndefaults:\n  vrr: { vsetSize: 4, helloMs: 1000 }\n  link: { delay: 1ms }\ngenerate:\n  grid: { rows: ${rows}, cols: ${cols} }\n`;
  return parseTopology(text, `bench-grid-${n}.yaml`, REPO_ROOT);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function benchUp(runtime: Runtime, n: number): Promise<void> {
  const lab = `bench-${runtime.kind}-${n}`;
  await downLabs(lab, async () => [runtime]);
  const started = Date.now();
  try {
    const result = await upLab(grid(n), { seed: 1, runtime, lab, progress: () => {}, timeoutMs: 180_000 });
    const wall = (Date.now() - started) / 1000;
    const pids = Object.values(result.lab.state.nodes).map((s) => s.daemonPid!);
    await new Promise((r) => setTimeout(r, 3000)); // let the ring idle a moment
    const rss = mean(pids.map(rssMb));
    const mem = await Promise.all([...result.lab.handles().values()].map((h) => runtime.nodeMemoryBytes(h)));
    const extra = mem.every((m) => m !== null)
      ? `, ${runtime.kind} accounts ${(mean(mem as number[]) / 2 ** 20).toFixed(1)} MB/node`
      : '';
    const p = result.phases;
    console.log(
      `${runtime.kind} ${n} nodes: up ${wall.toFixed(1)} s to ${result.convergenceMs === null ? 'NO consistent ring' : 'a consistent ring'}` +
        ` (prepare ${(p.prepareMs / 1000).toFixed(1)} s, nodes ${(p.nodesMs / 1000).toFixed(1)} s, links ${(p.linksMs / 1000).toFixed(1)} s,` +
        ` daemons ${(p.daemonsMs / 1000).toFixed(1)} s, ring ${(p.ringMs / 1000).toFixed(1)} s); vrrd RSS ${rss.toFixed(1)} MB/node${extra}`,
    );
  } catch (error) {
    console.log(`${runtime.kind} ${n} nodes: up failed: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await downLabs(lab, async () => [runtime]);
  }
}

/** Nodes and links only (no vrrd, no image step): the substrate. */
async function benchSubstrate(runtime: Runtime, n: number): Promise<{ wallS: number; cpuPerNodeS: number }> {
  const lab = `bench-sub-${runtime.kind}-${n}`;
  await downLabs(lab, async () => [runtime]);
  const plan = planLab(grid(n), { seed: 1, runtime: runtime.kind, runId: 'bench', lab });
  const dir = mkdtempSync(join(tmpdir(), 'vrr-bench-'));
  const identity = { lab, runId: 'bench', dir };
  try {
    const t = Date.now();
    const cpu0 = busyCpuSeconds();
    const handles = new Map<string, NodeHandle>();
    await mapLimit(plan.nodes, runtime.concurrency, async (node) => {
      handles.set(node.name, await runtime.createNode(identity, node.name));
    });
    const cpuPerNodeS = (busyCpuSeconds() - cpu0) / n;
    await createVethLinks(plan, handles);
    return { wallS: (Date.now() - t) / 1000, cpuPerNodeS };
  } finally {
    await runtime.removeLab(lab);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU seconds the whole machine has spent busy since boot (every core, /proc/stat). Across node creation it is
 * what one node costs the machine (for docker: the engine, containerd, its shim and runc), whichever process paid.
 */
function busyCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ is 100 on Linux
}

const MININET_SCRIPT = `
import sys, time
from mininet.net import Mininet
from mininet.topo import Topo
from mininet.log import setLogLevel
rows, cols = int(sys.argv[1]), int(sys.argv[2])
class Grid(Topo):
    def build(self):
        h = {}
        for r in range(rows):
            for c in range(cols):
                h[r, c] = self.addHost('h%d_%d' % (r, c))
        for r in range(rows):
            for c in range(cols):
                if c + 1 < cols: self.addLink(h[r, c], h[r, c + 1])
                if r + 1 < rows: self.addLink(h[r, c], h[r + 1, c])
setLogLevel('error')
t = time.time()
net = Mininet(topo=Grid(), controller=None, autoSetMacs=True)
net.start()
print('%.3f' % (time.time() - t))
net.stop()
`;

async function benchMininet(n: number): Promise<number | string> {
  const python = '/usr/bin/python3'; // Debian's own: the mininet package installs its module there
  const probe = await execa(python, ['-c', 'import mininet'], { reject: false });
  if (probe.failed) return 'not installed (apt-get install mininet)';
  const [rows, cols] = GRIDS[n];
  await execa('mn', ['-c'], { reject: false });
  const r = await execa(python, ['-c', MININET_SCRIPT, String(rows), String(cols)], { reject: false });
  if (r.failed) return `failed: ${String(r.stderr).trim().split('\n').pop()}`;
  return Number(String(r.stdout).trim().split('\n').pop());
}

/** One lab's figures (the second mode): see the file comment. */
async function benchOne(): Promise<void> {
  const kind = (arg('--runtime') ?? 'netns') as RuntimeKind;
  const daemons = (arg('--daemons') ?? 'per-node') as DaemonsMode;
  const gridArg = arg('--grid');
  const file = arg('--topology');
  let topology: Topology;
  if (gridArg !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(gridArg);
    if (!m) throw new Error(`--grid expects ROWSxCOLS (e.g. 10x10), found ${gridArg}`);
    topology = gridTopology(Number(m[1]), Number(m[2]));
  } else if (file !== undefined) {
    topology = loadTopology(file);
  } else {
    throw new Error('give --grid ROWSxCOLS or --topology FILE');
  }
  const pingPairs = Number(arg('--ping-sample') ?? 100);
  const idleS = Number(arg('--idle') ?? 10);
  const timeoutArg = arg('--timeout');
  const runtime = await runtimeOfKind(kind);
  const reason = await runtime.unavailableReason();
  if (reason) throw new Error(`${kind}: cannot run here (${reason})`);
  const lab = `bench-one-${kind}`;
  const provider = async (): Promise<Runtime[]> => [runtime];
  const rows: [string, string][] = [];
  const row = (k: string, v: string): void => {
    rows.push([k, v]);
    note(`${k}: ${v}`);
  };
  // Ctrl-C (or timeout's SIGTERM): abort `up` (which then removes what it made); `finally` takes the lab down.
  const abort = new AbortController();
  const onSignal = (signal: string): void => {
    note(`${signal}: stopping, the lab is taken down`);
    abort.abort(new Error(`interrupted by ${signal}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const nodes = topology.nodes.length;
  row(
    'lab',
    `${topology.name} (${nodes} nodes, ${topology.links.length} links), runtime ${kind}, daemons ${daemons}`,
  );
  row('load before', loadAverage());
  await downLabs(lab, provider);
  await runtime.prepare(() => {}); // the image or bundle is built before the clock starts
  const memBefore = memUsedMb();
  const started = Date.now();
  try {
    const result = await upLab(topology, {
      seed: topology.seed ?? 1,
      runtime,
      lab,
      daemons,
      signal: abort.signal,
      keepOnFailure: true, // `finally` takes it down, after the evidence is kept
      timeoutMs: timeoutArg === undefined ? undefined : Number(timeoutArg) * 1000,
      progress: throttledProgress(),
    });
    const upS = (Date.now() - started) / 1000;
    const p = result.phases;
    const consistentS =
      result.convergenceMs === null
        ? null
        : (p.prepareMs + p.nodesMs + p.linksMs + result.convergenceMs) / 1000;
    row(
      'consistent ring',
      consistentS === null
        ? `NO, not within the deadline: ${result.ring.problems.slice(0, 5).join('; ')}`
        : `${consistentS.toFixed(1)} s from up`,
    );
    row(
      'up total',
      `${upS.toFixed(1)} s (nodes ${(p.nodesMs / 1000).toFixed(1)} s, links ${(p.linksMs / 1000).toFixed(1)} s, ` +
        `daemons ${(p.daemonsMs / 1000).toFixed(1)} s, ring and DHT mappings ${(p.ringMs / 1000).toFixed(1)} s)`,
    );
    const pids = daemonPids(result.lab.state);
    const cpuUp = sum(pids.map(cpuSeconds));
    row(
      'vrrd CPU during up',
      `${(cpuUp / nodes).toFixed(2)} CPU-s/node (${cpuUp.toFixed(1)} CPU-s in ${pids.length} process(es))`,
    );
    abort.signal.throwIfAborted();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const cpuIdle = (sum(pids.map(cpuSeconds)) - cpuUp) / ((Date.now() - t0) / 1000);
    row(
      'vrrd CPU idle',
      `${((1000 * cpuIdle) / nodes).toFixed(2)} ms/s per node (issue 18: <= 1 at 1 s hellos), ` +
        `${((100 * cpuIdle) / nodes).toFixed(2)} % of a core/node (${(100 * cpuIdle).toFixed(1)} % in all, over ${idleS} s)`,
    );
    const rss = pids.map(rssMb);
    const anon = sum(pids.map(rssAnonMb));
    const pss = sum(pids.map(pssMb));
    row(
      'vrrd RSS',
      `${(sum(rss) / nodes).toFixed(1)} MB/node (${sum(rss).toFixed(0)} MB in ${pids.length} process(es)` +
        `${pids.length > 1 ? `, ${Math.min(...rss).toFixed(1)}-${Math.max(...rss).toFixed(1)} MB each` : ''})`,
    );
    row(
      'vrrd RssAnon',
      `${(anon / nodes).toFixed(1)} MB/node (its own memory: heap, V8, malloc; the rest of RSS is the node binary's pages, mapped once for all)`,
    );
    row(
      'vrrd PSS',
      `${(pss / nodes).toFixed(1)} MB/node, ${pss.toFixed(0)} MB in all (shared pages split between the processes)`,
    );
    row(
      'machine memory taken',
      `${(memUsedMb() - memBefore).toFixed(0)} MB (MemTotal - MemAvailable before up and now, machine-wide: includes what other processes took or freed meanwhile)`,
    );
    abort.signal.throwIfAborted();
    if (pingPairs > 0 && result.convergenceMs !== null) {
      const ping = await runPingAll(labProbe(result.lab), topology.seed ?? 1, {
        samplePairs: pingPairs,
        sampleAbove: 0,
      });
      const f = ping.figures as Record<string, number>;
      row(
        'ping-all sample',
        `${ping.passed ? 'all answered' : 'NOT all answered'}: ${f.delivered}/${f.pairs} pairs (IPv4 and IPv6) ` +
          `in ${((ping.details?.elapsedMs as number) / 1000).toFixed(1)} s` +
          (ping.problems ? `; ${ping.problems.slice(0, 5).join('; ')}` : ''),
      );
      if (!ping.passed) {
        const matrix = ping.details?.matrix as PingMatrix;
        for (const [k, v] of await pingEvidence(result.lab, matrix, arg('--evidence'))) row(k, v);
      }
    }
    row('load after up', loadAverage());
  } catch (error) {
    row('up failed', (error as Error).message.split('\n').slice(0, 12).join(' | '));
    row('evidence', upEvidence(lab, arg('--evidence')));
  } finally {
    const t = Date.now();
    const down = await downLabs(lab, provider);
    const r = down[0]?.removed;
    row(
      'down',
      `${((Date.now() - t) / 1000).toFixed(1)} s` +
        (r ? ` (${r.namespaces} namespaces, ${r.containers} containers, ${r.processes} processes)` : ''),
    );
    row('load at the end', loadAverage());
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${'figure'.padEnd(width)} | value\n${'-'.repeat(width)}-+-${'-'.repeat(60)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
}

/**
 * After a ping-all sample with failures: the failed pings once more (5 requests, 3 s wait: transient loss on a
 * loaded machine, or a pair that stays unreachable?), and each failing node's view (counts, DHT mappings, drop
 * counters) with its log copied into an evidence directory, before `down` removes it all.
 */
async function pingEvidence(
  lab: Lab,
  matrix: PingMatrix,
  dirArg: string | undefined,
): Promise<[string, string][]> {
  const failed: { from: string; to: string; family: Family }[] = [];
  for (const family of ['IPv4', 'IPv6'] as Family[]) {
    for (const [from, row] of Object.entries(matrix[family] ?? {})) {
      for (const [to, cell] of Object.entries(row))
        if (cell.lossPct === 100) failed.push({ from, to, family });
    }
  }
  await new Promise((r) => setTimeout(r, 5000));
  const again = await mapLimit(failed, 8, async (f) => {
    const planned = plannedNode(lab.plan, f.to);
    const address = f.family === 'IPv4' ? hostIpv4(planned) : hostIpv6(planned);
    const r = await lab.exec(f.from, ['ping', '-c', '5', '-i', '0.5', '-W', '3', '-q', address], {
      timeoutMs: 20_000,
    });
    const got = /(\d+) (?:packets )?received/.exec(r.stdout)?.[1] ?? '0';
    return `${f.from} -> ${f.to} ${f.family}: ${got}/5`;
  });
  const dir = dirArg ?? mkdtempSync(join(tmpdir(), `vrr-bench-evidence-${lab.plan.lab}-`));
  mkdirSync(dir, { recursive: true });
  const nodes = [...new Set(failed.flatMap((f) => [f.from, f.to]))];
  const views = await mapLimit(nodes, 8, async (node) => {
    try {
      const st = await lab.ctl<{ counts: Record<string, number>; dht: { mappings: { ok: boolean }[] } }>(
        node,
        'status',
      );
      const stats = await lab.ctl<{ node: Record<string, number> }>(node, 'stats');
      const drops = Object.entries(stats.node)
        .filter(([k, v]) => /^drop|gaveUp|deadEnd/.test(k) && v > 0)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      writeFileSync(join(dir, `${node}.log`), readFileSync(lab.logFile(node)));
      writeFileSync(join(dir, `${node}.stats.json`), JSON.stringify({ status: st, stats }, null, 1));
      const ok = st.dht.mappings.filter((m) => m.ok).length;
      return `${node}: ${JSON.stringify(st.counts)}, mappings ${ok}/${st.dht.mappings.length} ok${drops ? `, ${drops}` : ''}`;
    } catch (error) {
      return `${node}: ${(error as Error).message.split('\n')[0]}`;
    }
  });
  return [
    ['ping retry (failed only)', again.join('; ')],
    ['failing nodes', views.join(' | ')],
    ['evidence', `${dir} (logs, status and stats of the failing nodes)`],
  ];
}

/** After a failed `up`: the lab directory's logs (nodes' and shared hosts') copied; says where and what it saw. */
function upEvidence(lab: string, dirArg: string | undefined): string {
  const from = labDir(lab);
  if (!existsSync(from)) return `nothing: ${from} is gone`;
  const dir = dirArg ?? mkdtempSync(join(tmpdir(), `vrr-bench-evidence-${lab}-`));
  mkdirSync(dir, { recursive: true });
  cpSync(from, dir, {
    recursive: true,
    filter: (src) => !src.endsWith('.sock') && !src.endsWith('network.key'),
  });
  const nodes = existsSync(join(from, 'nodes')) ? readdirSync(join(from, 'nodes')) : [];
  const sockets = nodes.filter((n) => existsSync(join(from, 'nodes', n, 'vrrd.sock'))).length;
  return `${dir} (lab directory copied: lab.json, node and host logs); ${sockets}/${nodes.length} nodes had a control socket`;
}

/** A rows x cols grid topology, as the sweep's but of any size. */
function gridTopology(rows: number, cols: number): Topology {
  const text = `name: grid-${rows}x${cols}\nseed: 1\ndefaults:\n  vrr: { vsetSize: 4, helloMs: 1000 }\n  link: { delay: 1ms }\ngenerate:\n  grid: { rows: ${rows}, cols: ${cols} }\n`;
  return parseTopology(text, `bench-grid-${rows}x${cols}.yaml`, REPO_ROOT);
}

/** Progress lines as they come, and the live ones (phase bars, the ring's problems) at most every 20 s. */
function throttledProgress(): ProgressSink {
  let last = 0;
  return Object.assign((line: string) => note(line), {
    live: (line: string) => {
      if (Date.now() - last < 20_000) return;
      last = Date.now();
      note(line.trim());
    },
  });
}

function note(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** The sweep (the first mode): see the file comment. */
async function sweep(): Promise<void> {
  const sizes = (arg('--sizes') ?? '10,25,50,100').split(',').map(Number);
  const only = arg('--runtime');
  // Mininet builds the same grids once: the substrate of every runtime is compared with it.
  const mininet = new Map<number, number | string>();
  for (const kind of RUNTIME_KINDS) {
    if (only && only !== kind) continue;
    const runtime = await runtimeOfKind(kind);
    const reason = await runtime.unavailableReason();
    if (reason) {
      console.log(`${kind}: skipped (${reason})`);
      continue;
    }
    await runtime.prepare(() => {});
    for (const n of sizes) await benchUp(runtime, n);
    for (const n of sizes) {
      const { wallS: ours, cpuPerNodeS } = await benchSubstrate(runtime, n);
      if (!mininet.has(n)) mininet.set(n, await benchMininet(n));
      const mn = mininet.get(n);
      const vs =
        typeof mn === 'number'
          ? `, Mininet ${mn.toFixed(2)} s (ours/Mininet ${(ours / mn).toFixed(2)}x)`
          : mn
            ? `, Mininet ${mn}`
            : '';
      console.log(
        `${kind} substrate ${n} nodes (${GRIDS[n].join('x')} grid): ${ours.toFixed(2)} s${vs}; ` +
          `creating a node kept the machine busy ${cpuPerNodeS.toFixed(2)} CPU-s`,
      );
    }
  }
}

process.env.VRR_TESTBED_DIR ??= mkdtempSync(join(tmpdir(), 'vrr-bench-state-'));
if (arg('--grid') !== undefined || arg('--topology') !== undefined) await benchOne();
else await sweep();
// The engine client's keep-alive sockets would keep the process a while longer.
process.exit(0);
