// Scale bench of the simulator: how long 1,000-node networks take to form a consistent ring, in wall time
// and in simulated time, and what the ring costs (routes per node, control traffic). Prints figures; it
// asserts nothing (timings depend on the machine). A wall-clock budget per topology keeps a protocol
// that does not converge from running for hours: the bench then reports how far it got.
//
//   npx tsx bench/sim-scale.ts                    # the 32x32 grid and the 1,000-node random geometric graph
//   npx tsx bench/sim-scale.ts topologies/rgg-100.yaml --seed 7 --budget 120
//   npx tsx bench/sim-scale.ts topologies/grid-32x32.yaml --seeds 1,2,3   # one run per seed, then medians
//
// A 1,000-node ring forms chaotically: the same code converges in 40 s or 75 s depending on the seed, so compare
// changes over several seeds (--seeds), not one.

import { loadTopology } from '../src/checks/topology.ts';
import { runSimulation } from '../src/sim/run-sim.ts';
import { isRingConsistent } from '../src/checks/ring-consistent/sim.ts';
import { pollIntervalMs, type SimStep } from '../src/sim/steps.ts';
import { relaunchWithSimHeap } from '../src/sim/heap-flags.ts';

// A larger young generation: 15-20 % faster on 1,000-node networks (src/sim/heap-flags.ts).
relaunchWithSimHeap();

const DEFAULT_FILES = ['topologies/grid-32x32.yaml', 'topologies/rgg-1000.yaml'];

interface Args {
  files: string[];
  /** Seeds to run each topology with; empty: the topology's own seed. */
  seeds: number[];
  /** Wall seconds allowed per topology. */
  budgetS: number;
  /** Simulated seconds allowed per topology. */
  maxSimS: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { files: [], seeds: [], budgetS: 900, maxSimS: 600 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') args.seeds = [Number(argv[++i])];
    else if (argv[i] === '--seeds') args.seeds = argv[++i].split(',').map(Number);
    else if (argv[i] === '--budget') args.budgetS = Number(argv[++i]);
    else if (argv[i] === '--max-sim') args.maxSimS = Number(argv[++i]);
    else args.files.push(argv[i]);
  }
  if (args.files.length === 0) args.files = DEFAULT_FILES;
  for (const seed of args.seeds) {
    if (!Number.isInteger(seed)) throw new Error(`--seed/--seeds: expected whole numbers, found ${seed}`);
  }
  return args;
}

// Converges like the default step, but also stops when the wall budget is spent (bench only: the
// simulation itself never reads the wall clock).
function convergeWithin(budgetMs: number, outcome: { overBudget: boolean }): SimStep {
  return {
    name: 'converge (wall budget)',
    run(ctx) {
      const deadline = performance.now() + budgetMs;
      ctx.convergenceMs = ctx.network.runUntilTrue(
        () => {
          if (performance.now() > deadline) return (outcome.overBudget = true);
          return isRingConsistent(ctx.network);
        },
        { everyMs: pollIntervalMs(ctx.topology), deadlineMs: ctx.maxSimMs },
      );
      if (outcome.overBudget) ctx.convergenceMs = null;
    },
  };
}

const args = parseArgs(process.argv.slice(2));
for (const file of args.files) {
  const topology = loadTopology(file);
  const seeds = args.seeds.length > 0 ? args.seeds : [topology.seed ?? 1];
  const runs = seeds.map((seed) => runOnce(topology, seed));
  if (runs.length > 1) {
    const median = (xs: number[]): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const converged = runs.filter((r) => r.convergenceMs !== null);
    printRows([
      [
        'summary',
        `${topology.name}, ${runs.length} seeds (${seeds.join(', ')}), ${converged.length} converged`,
      ],
      ['median wall time', `${(median(runs.map((r) => r.wallMs)) / 1000).toFixed(1)} s`],
      [
        'median simulated convergence',
        converged.length > 0
          ? `${median(converged.map((r) => r.convergenceMs!)) / 1000} s`
          : 'none converged',
      ],
      ['median events', `${median(runs.map((r) => r.events))}`],
      ['median routes per node', `${+median(runs.map((r) => r.routesMean)).toFixed(3)}`],
    ]);
  }
}

/** One run of a topology with a seed: prints its figures and returns the ones the summary takes medians of. */
function runOnce(
  topology: ReturnType<typeof loadTopology>,
  seed: number,
): { wallMs: number; convergenceMs: number | null; events: number; routesMean: number } {
  const outcome = { overBudget: false };
  const started = performance.now();
  const report = runSimulation(topology, {
    seed,
    maxSimMs: args.maxSimS * 1000,
    steps: [convergeWithin(args.budgetS * 1000, outcome)],
  });
  const wallMs = performance.now() - started;
  const f = report.figures;
  const converged =
    report.convergenceMs !== null
      ? `${report.convergenceMs / 1000} s`
      : outcome.overBudget
        ? `not converged when the ${args.budgetS} s wall budget ran out (at ${f.simulatedMs / 1000} s simulated)`
        : `not converged by ${f.simulatedMs / 1000} s simulated`;
  printRows([
    ['topology', `${report.topology} (${report.nodes} nodes, ${report.links} links), seed ${seed}`],
    [
      report.convergenceMs !== null ? 'wall time to a consistent ring' : 'wall time',
      `${(wallMs / 1000).toFixed(1)} s`,
    ],
    ['simulated convergence', converged],
    ['events', `${f.events} (${Math.round(f.events / (wallMs / 1000))} per wall second)`],
    ['routes per node', `mean ${f.routesPerNode.mean}, max ${f.routesPerNode.max}`],
    ['control bytes per node per second', `${f.controlBytesPerNodePerSec}`],
    ['heap used', `${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`],
    ['node', `${process.version} ${process.execArgv.filter((a) => a.includes('semi-space')).join(' ')}`],
  ]);
  return { wallMs, convergenceMs: report.convergenceMs, events: f.events, routesMean: f.routesPerNode.mean };
}

/** Prints label/value rows aligned, then a blank line. */
function printRows(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log();
}
