// Merge bench: how long rings take to merge after a partition heals, on 100, 400 and 1,000-node random
// geometric graphs. Per size: converge, cut the graph into two regions (breadth-first halves), let each
// half form its ring, heal, and time until one consistent ring: simulated time and wall time. A wall
// budget per phase keeps a ring that never merges from running for hours: the bench then says so.
// Prints figures; asserts nothing.
//
//   npx tsx bench/merge.ts                 # 100, 400 and 1,000 nodes
//   npx tsx bench/merge.ts --budget 60 --sizes 100,400

import { parseTopology, loadTopology } from '../src/checks/topology.ts';
import type { Topology } from '../src/topology/types.ts';
import { runSimulation } from '../src/sim/run-sim.ts';
import { isRingConsistent, checkNetworkRing } from '../src/checks/ring-consistent/sim.ts';
import { pollIntervalMs, type SimRunContext, type SimStep } from '../src/sim/steps.ts';
import { relaunchWithSimHeap } from '../src/sim/heap-flags.ts';

// A larger young generation: 15-20 % faster on 1,000-node networks (src/sim/heap-flags.ts).
relaunchWithSimHeap();

interface Args {
  sizes: number[];
  /** Wall seconds allowed per phase (converge, partitioned, merge). */
  budgetS: number;
  /** Simulated seconds allowed per phase. */
  maxSimS: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [100, 400, 1000], budgetS: 300, maxSimS: 600, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--budget') args.budgetS = Number(argv[++i]);
    else if (argv[i] === '--max-sim') args.maxSimS = Number(argv[++i]);
    else if (argv[i] === '--seed') args.seed = Number(argv[++i]);
    else if (argv[i] === '--sizes') args.sizes = argv[++i].split(',').map(Number);
    else throw new Error(`bench/merge: unknown argument ${argv[i]}`);
  }
  return args;
}

// The shipped files for 100 and 1,000 nodes; other sizes are generated with a radius for degree ~10.
function topologyOf(n: number): Topology {
  const file = n === 100 ? 'topologies/rgg-100.yaml' : n === 1000 ? 'topologies/rgg-1000.yaml' : null;
  if (file) return { ...loadTopology(file), scenario: [] };
  const radius = Math.sqrt(10 / (Math.PI * n)).toFixed(3);
  const yaml = `name: rgg-${n}\ndefaults: { vrr: { vsetSize: 4, helloMs: 1000 }, link: { delay: 1ms } }\ngenerate:\n  random-geometric: { n: ${n}, radius: ${radius}, seed: ${n} }\n`;
  return parseTopology(yaml, `<bench rgg-${n}>`, process.cwd());
}

// Breadth-first order from the first node, cut in two: two regions of the graph.
function halves(topology: Topology): string[][] {
  const adj = new Map(topology.nodes.map((n) => [n.name, [] as string[]]));
  for (const l of topology.links) (adj.get(l.a)!.push(l.b), adj.get(l.b)!.push(l.a));
  const order = [topology.nodes[0].name];
  const seen = new Set(order);
  for (let i = 0; i < order.length; i++)
    for (const p of adj.get(order[i])!) if (!seen.has(p)) (seen.add(p), order.push(p));
  const mid = Math.ceil(order.length / 2);
  return [order.slice(0, mid), order.slice(mid)];
}

interface Phase {
  simMs: number | null;
  wallMs: number;
  overBudget: boolean;
}

// Runs until the ring is consistent, the simulated limit passes, or the wall budget is spent (bench
// only: the simulation itself never reads the wall clock).
function waitConsistent(ctx: SimRunContext, budgetMs: number, maxSimMs: number): Phase {
  const started = ctx.network.now();
  const wallStart = performance.now();
  let overBudget = false;
  const at = ctx.network.runUntilTrue(
    () => {
      if (performance.now() - wallStart > budgetMs) return (overBudget = true);
      return isRingConsistent(ctx.network);
    },
    { everyMs: pollIntervalMs(ctx.topology), deadlineMs: started + maxSimMs },
  );
  return {
    simMs: at === null || overBudget ? null : at - started,
    wallMs: performance.now() - wallStart,
    overBudget,
  };
}

const fmt = (p: Phase): string =>
  `${p.simMs === null ? (p.overBudget ? 'over wall budget' : 'never') : `${(p.simMs / 1000).toFixed(1)} s simulated`}, ${(p.wallMs / 1000).toFixed(1)} s wall`;

const args = parseArgs(process.argv.slice(2));
for (const n of args.sizes) {
  const topology = topologyOf(n);
  const phases: Record<string, Phase> = {};
  let partitions = 0;
  const step: SimStep = {
    name: 'merge bench',
    run(ctx) {
      const budget = args.budgetS * 1000;
      const limit = args.maxSimS * 1000;
      phases.converge = waitConsistent(ctx, budget, limit);
      if (phases.converge.simMs === null) return;
      ctx.convergenceMs = phases.converge.simMs;
      ctx.network.partition(halves(topology));
      phases.split = waitConsistent(ctx, budget, limit);
      partitions = checkNetworkRing(ctx.network, { maxProblems: 0 }).partitions;
      if (phases.split.simMs === null) return;
      ctx.network.heal();
      phases.merge = waitConsistent(ctx, budget, limit);
    },
  };
  const report = runSimulation(topology, { seed: args.seed, steps: [step] });
  console.log(
    `${topology.name}: ${topology.nodes.length} nodes, ${topology.links.length} links, seed ${args.seed}`,
  );
  for (const name of ['converge', 'split', 'merge']) {
    if (phases[name])
      console.log(
        `  ${name.padEnd(8)} ${fmt(phases[name])}${name === 'split' ? ` (${partitions} partitions)` : ''}`,
      );
    else console.log(`  ${name.padEnd(8)} not reached`);
  }
  console.log(
    `  ${report.figures.events} events, ${(report.figures.simulatedMs / 1000).toFixed(1)} s simulated in all`,
  );
}
