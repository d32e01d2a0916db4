// Scale bench of the simulator: how long 1,000-node networks take to form a consistent ring, in wall time
// and in simulated time, and what the ring costs (routes per node, control traffic). Prints figures; it
// asserts nothing (timings depend on the machine). Once the ring is consistent, the routes and control traffic are
// read (so the figures cover formation only), then ping-all's data packets measure the stretch. A wall-clock budget per topology keeps a protocol
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
import { pingAllStep, pollIntervalMs, type SimStep } from '../src/sim/steps.ts';
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

// Stretch is only meaningful on a formed ring.
const pingIfConverged: SimStep = {
  name: 'ping-all (when converged)',
  run(ctx) {
    if (ctx.convergenceMs !== null) pingAllStep.run(ctx);
  },
};

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
      ['median control bytes per node per second', `${median(runs.map((r) => r.controlBytes))}`],
      [
        'median mean stretch',
        converged.length > 0 ? `${median(converged.map((r) => r.stretch!))}` : 'none converged',
      ],
    ]);
  }
}

/** One run of a topology with a seed: prints its figures and returns the ones the summary takes medians of. */
function runOnce(
  topology: ReturnType<typeof loadTopology>,
  seed: number,
): {
  wallMs: number;
  convergenceMs: number | null;
  events: number;
  routesMean: number;
  controlBytes: number;
  stretch: number | null;
} {
  const outcome = { overBudget: false };
  const started = performance.now();
  const atRing = { events: 0, simulatedMs: 0, routesMean: 0, routesMax: 0, controlBytes: 0 };
  const report = runSimulation(topology, {
    seed,
    maxSimMs: args.maxSimS * 1000,
    steps: [convergeWithin(args.budgetS * 1000, outcome), formationFigures(atRing), pingIfConverged],
  });
  const wallMs = performance.now() - started;
  const f = { ...atRing, routesPerNode: { mean: atRing.routesMean, max: atRing.routesMax } };
  const ping = report.checks.find((c) => c.name === 'ping-all')?.figures;
  const stretch = ping ? ping.meanStretch : null;
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
    ['control bytes per node per second', `${f.controlBytes}`],
    [
      'data stretch (ping-all)',
      ping
        ? `mean ${ping.meanStretch}, max ${ping.maxStretch}, ${ping.delivered}/${ping.pairs} delivered`
        : 'not measured (no ring)',
    ],
    ['heap used', `${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`],
    ['node', `${process.version} ${process.execArgv.filter((a) => a.includes('semi-space')).join(' ')}`],
  ]);
  return {
    wallMs,
    convergenceMs: report.convergenceMs,
    events: f.events,
    routesMean: f.routesPerNode.mean,
    controlBytes: f.controlBytes,
    stretch,
  };
}

// Reads routes per node and control traffic when the ring is first consistent, before ping-all's traffic.
function formationFigures(out: {
  events: number;
  simulatedMs: number;
  routesMean: number;
  routesMax: number;
  controlBytes: number;
}): SimStep {
  return {
    name: 'formation figures',
    run(ctx) {
      const counters = ctx.network.counters();
      let routes = 0;
      let alive = 0;
      for (const name of ctx.network.nodeNames()) {
        const node = ctx.network.node(name);
        if (!node) continue;
        alive++;
        routes += node.routes().length;
        out.routesMax = Math.max(out.routesMax, node.routes().length);
      }
      const nodes = ctx.topology.nodes.length;
      const seconds = counters.simulatedMs / 1000;
      out.events = counters.events;
      out.simulatedMs = counters.simulatedMs;
      out.routesMean = alive > 0 ? Math.round((1000 * routes) / alive) / 1000 : 0;
      out.controlBytes =
        seconds > 0 ? Math.round((10 * counters.controlBytesSent) / nodes / seconds) / 10 : 0;
    },
  };
}

/** Prints label/value rows aligned, then a blank line. */
function printRows(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log();
}
