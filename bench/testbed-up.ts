// Bench of `testbed up`: for 10, 25, 50 and 100-node grids and each runtime that can run here, the wall time
// of `up` until the ring is consistent (with its phases), the memory per node (vrrd RSS; and what the runtime
// charges a node, e.g. a container's cgroup), and the substrate alone (nodes and links, no vrrd) against
// Mininet building the same grid with Debian's python3 (when the mininet package is installed). Prints
// figures; asserts nothing.
// Run as root: npx tsx bench/testbed-up.ts [--runtime <kind>] [--sizes 10,25,50,100]

import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseTopology } from '../src/checks/topology.ts';
import type { Topology } from '../src/topology/types.ts';
import { upLab } from '../src/testbed/lab/up.ts';
import { downLabs } from '../src/testbed/lab/down.ts';
import { planLab } from '../src/testbed/lab/plan.ts';
import { mapLimit } from '../src/testbed/lab/pool.ts';
import { createVethLinks } from '../src/testbed/links/veth.ts';
import { runtimeOfKind } from '../src/testbed/runtime/select.ts';
import { RUNTIME_KINDS } from '../src/testbed/runtime/registry.ts';
import type { NodeHandle, Runtime } from '../src/testbed/runtime/runtime.ts';
import { REPO_ROOT } from '../src/daemon/daemon-bundle.ts';

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

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
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

const sizes = (arg('--sizes') ?? '10,25,50,100').split(',').map(Number);
const only = arg('--runtime');
process.env.VRR_TESTBED_DIR ??= mkdtempSync(join(tmpdir(), 'vrr-bench-state-'));
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
