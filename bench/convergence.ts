// Convergence bench: how soon grids of 5x5, 7x7 and 10x10 nodes form a consistent ring from a cold start, over
// several seeds, in simulated time (issue 19's must-show: within 5.4 s, 8.6 s and 12 s). Per run: the time the
// ring was first consistent, polled every 100 ms of virtual time (the report's convergenceMs polls once per hello
// period, so it reads up to a period later), whether ping-all then delivers every pair, and the control bytes per
// node per second until convergence. Prints a table and medians; asserts nothing.
//
//   npx tsx bench/convergence.ts                          # 5x5, 7x7, 10x10; seeds 1-5
//   npx tsx bench/convergence.ts --grids 5,7 --seeds 1,2,3
//   npx tsx bench/convergence.ts topologies/rgg-100.yaml --seeds 1,2

import { loadTopology, parseTopology } from '../src/checks/topology.ts';
import type { Topology } from '../src/topology/types.ts';
import { runSimulation } from '../src/sim/run-sim.ts';
import { isRingConsistent } from '../src/checks/ring-consistent/sim.ts';
import { pingAllStep, ringConsistentStep, type SimStep } from '../src/sim/steps.ts';
import { relaunchWithSimHeap } from '../src/sim/heap-flags.ts';

relaunchWithSimHeap();

/** How often the ring is checked: fine enough to compare against targets given to a tenth of a second. */
const POLL_MS = 100;

interface Args {
  grids: number[];
  files: string[];
  seeds: number[];
  maxSimS: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { grids: [], files: [], seeds: [1, 2, 3, 4, 5], maxSimS: 120 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--grids') args.grids = argv[++i].split(',').map(Number);
    else if (argv[i] === '--seeds') args.seeds = argv[++i].split(',').map(Number);
    else if (argv[i] === '--max-sim') args.maxSimS = Number(argv[++i]);
    else if (argv[i].startsWith('--')) throw new Error(`bench/convergence: unknown option ${argv[i]}`);
    else args.files.push(argv[i]);
  }
  if (args.grids.length === 0 && args.files.length === 0) args.grids = [5, 7, 10];
  for (const n of [...args.grids, ...args.seeds]) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`bench/convergence: expected whole numbers, found ${n}`);
  }
  return args;
}

/** An n x n grid with the ready-made labs' defaults (1 s hellos, 1 ms links). */
function grid(n: number): Topology {
  const yaml = `name: grid-${n}x${n}\ndefaults: { vrr: { vsetSize: 4, helloMs: 1000 }, link: { delay: 1ms } }\ngenerate:\n  grid: { rows: ${n}, cols: ${n} }\n`;
  return parseTopology(yaml, `<bench grid-${n}x${n}>`, process.cwd());
}

interface Run {
  convergenceMs: number | null;
  pingPct: number | null;
  controlBytesPerNodePerSec: number;
}

// Converges, polling every POLL_MS, and notes the control bytes sent until then.
function converge(out: { bytes: number }): SimStep {
  return {
    name: 'converge (fine poll)',
    run(ctx) {
      ctx.convergenceMs = ctx.network.runUntilTrue(() => isRingConsistent(ctx.network), {
        everyMs: POLL_MS,
        deadlineMs: ctx.maxSimMs,
      });
      out.bytes = ctx.network.counters().controlBytesSent;
    },
  };
}

function runOnce(topology: Topology, seed: number, maxSimS: number): Run {
  const out = { bytes: 0 };
  const report = runSimulation(
    { ...topology, scenario: [] },
    { seed, maxSimMs: maxSimS * 1000, steps: [converge(out), ringConsistentStep, pingAllStep] },
  );
  const ping = report.checks.find((c) => c.name === 'ping-all');
  const pairs = Number(ping?.figures.pairs ?? 0);
  const delivered = Number(ping?.figures.delivered ?? 0);
  const seconds = (report.convergenceMs ?? maxSimS * 1000) / 1000;
  return {
    convergenceMs: report.convergenceMs,
    pingPct:
      report.convergenceMs === null || pairs === 0 ? null : Math.round((1000 * delivered) / pairs) / 10,
    controlBytesPerNodePerSec: Math.round(out.bytes / report.nodes / seconds),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const args = parseArgs(process.argv.slice(2));
const topologies = [...args.grids.map(grid), ...args.files.map((f) => loadTopology(f))];
const header = [
  'topology',
  ...args.seeds.map((s) => `seed ${s}`),
  'median',
  'max',
  'ping-all',
  'ctl B/node/s',
];
const rows: string[][] = [];
for (const topology of topologies) {
  const runs = args.seeds.map((seed) => runOnce(topology, seed, args.maxSimS));
  const times = runs.map((r) => r.convergenceMs);
  const done = times.filter((t): t is number => t !== null);
  const pings = runs.map((r) => r.pingPct).filter((p): p is number => p !== null);
  rows.push([
    topology.name,
    ...times.map((t) => (t === null ? '-' : `${(t / 1000).toFixed(1)} s`)),
    done.length > 0 ? `${(median(done) / 1000).toFixed(1)} s` : '-',
    done.length === runs.length
      ? `${(Math.max(...done) / 1000).toFixed(1)} s`
      : `${runs.length - done.length} not`,
    pings.length > 0 ? `${Math.min(...pings)} %` : '-',
    `${median(runs.map((r) => r.controlBytesPerNodePerSec))}`,
  ]);
  console.error(`${topology.name} done`);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(
  `\nconvergence: first consistent ring, polled every ${POLL_MS} ms of simulated time; ping-all: the worst seed; control bytes: until convergence, median`,
);
