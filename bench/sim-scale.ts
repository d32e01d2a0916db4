// Scale bench of the simulator: how long 1,000-node networks take to form a consistent ring, in wall time
// and in simulated time, and what the ring costs (routes per node, control traffic). Prints figures; it
// asserts nothing (timings depend on the machine).
//
//   npx tsx bench/sim-scale.ts                       # the 32x32 grid and the 1,000-node random geometric graph
//   npx tsx bench/sim-scale.ts topologies/rgg-100.yaml --seed 7

import { loadTopology } from '../src/testbed/topology/index.ts';
import { runSimulation } from '../src/sim/run-sim.ts';
import { convergeStep } from '../src/sim/steps.ts';

const DEFAULT_FILES = ['topologies/grid-32x32.yaml', 'topologies/rgg-1000.yaml'];

function parseArgs(argv: string[]): { files: string[]; seed: number | null } {
  const files: string[] = [];
  let seed: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') seed = Number(argv[++i]);
    else files.push(argv[i]);
  }
  return { files: files.length > 0 ? files : DEFAULT_FILES, seed };
}

const { files, seed: seedArg } = parseArgs(process.argv.slice(2));
for (const file of files) {
  const topology = loadTopology(file);
  const seed = seedArg ?? topology.seed ?? 1;
  const started = performance.now();
  const report = runSimulation(topology, { seed, steps: [convergeStep] });
  const wallMs = performance.now() - started;
  const f = report.figures;
  const rows: [string, string][] = [
    ['topology', `${report.topology} (${report.nodes} nodes, ${report.links} links), seed ${seed}`],
    ['wall time to a consistent ring', `${(wallMs / 1000).toFixed(1)} s`],
    [
      'simulated convergence',
      report.convergenceMs === null
        ? `not converged by ${f.simulatedMs / 1000} s`
        : `${report.convergenceMs / 1000} s`,
    ],
    ['events', `${f.events} (${Math.round(f.events / (wallMs / 1000))} per wall second)`],
    ['routes per node', `mean ${f.routesPerNode.mean}, max ${f.routesPerNode.max}`],
    ['control bytes per node per second', `${f.controlBytesPerNodePerSec}`],
    ['heap used', `${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log();
}
