// runSimulation: a topology in, a report out. Builds the network, starts every node, runs the steps
// (by default: converge, ring-consistent, ping-all) and summarises. The report holds only values derived
// from the simulation, never wall-clock ones, so the same topology and seed give a byte-identical JSON
// report on every run and every machine.

import type { Address } from '../vrr/address.ts';
import type { Topology } from '../topology/types.ts';
import { assignAddresses } from '../topology/index.ts';
import { createRng, deriveSeed } from '../vrr/rng.ts';
import { HostileNode } from './hostile/hostile-node.ts';
import { SimNetwork } from './network.ts';
import { vrrNodeFactory } from './node-factory.ts';
import type { NodeFactory } from './sim-node.ts';
import { round3 } from '../checks/report.ts';
import type { CheckReport } from '../checks/report.ts';
import {
  convergeStep,
  defaultSteps,
  pingAllStep,
  ringConsistentStep,
  type SimRunContext,
  type SimStep,
} from './steps.ts';
import { scenarioSteps } from './scenario/timeline.ts';
import { scenarioReports, type ScenarioStepReport } from './scenario/step-report.ts';
import type { RunRecorder } from './scenario/run-recorder.ts';

/** Settings of one simulation run. */
export interface SimOptions {
  seed: number;
  /** The caller wants machine output. The report is the same either way; kept for the CLI's sake. */
  json?: boolean;
  /** Give up waiting for the ring at this virtual time. Default 600,000 ms (10 simulated minutes). */
  maxSimMs?: number;
  /** Pairs ping-all samples above 400 nodes. Default 4,000. */
  samplePairs?: number;
  /** What the run does, in order. Default: converge, the topology's scenario (if any), ring-consistent, ping-all. */
  steps?: SimStep[];
  /** Builds the nodes. Default: the real VrrNode. */
  createNode?: NodeFactory;
  /** Node addresses. Default: assignAddresses(topology, seed). */
  addresses?: ReadonlyMap<string, Address>;
  /** Progress lines (not part of the report). */
  onProgress?: (line: string) => void;
  /** Records the run over time (report.html's series); the report is the same with or without. */
  recorder?: RunRecorder;
}

/** The result of a run: same topology and seed => the same report, byte for byte. */
export interface SimReport {
  passed: boolean;
  seed: number;
  topology: string;
  nodes: number;
  links: number;
  /** Virtual ms until the ring was first consistent; null if it never was. */
  convergenceMs: number | null;
  checks: CheckReport[];
  /** The scenario timeline, one entry per step; absent when the topology has none. */
  steps?: ScenarioStepReport[];
  figures: {
    /** Simulator events run (timers and frame arrivals). */
    events: number;
    simulatedMs: number;
    controlBytesPerNodePerSec: number;
    routesPerNode: { mean: number; max: number };
    /**
     * The caps of src/vrr/limits.ts that were reached, with how often (cap.* counters summed over every node,
     * hostile ones included); absent when none was, as on the ready-made labs.
     */
    capsHit?: Record<string, number>;
  };
}

/** Default deadline for convergence: 10 simulated minutes. */
export const DEFAULT_MAX_SIM_MS = 600_000;

/** Simulates a topology with a seed and returns the report. */
export function runSimulation(topology: Topology, options: SimOptions): SimReport {
  const { seed } = options;
  const addresses = options.addresses ?? assignAddresses(topology, seed);
  const network = new SimNetwork(topology, {
    seed,
    addresses,
    createNode: options.createNode ?? hostileAwareFactory(topology, addresses, seed),
  });
  const ctx: SimRunContext = {
    topology,
    network,
    seed,
    maxSimMs: options.maxSimMs ?? DEFAULT_MAX_SIM_MS,
    samplePairs: options.samplePairs,
    convergenceMs: null,
    checks: [],
    progress: options.onProgress ?? (() => {}),
  };
  options.recorder?.attach(ctx);
  network.start();
  for (const step of options.steps ?? stepsFor(topology)) step.run(ctx);
  return buildReport(ctx);
}

/** The default steps for a topology: its scenario, if it has one, goes between convergence and the checks. */
export function stepsFor(topology: Topology): SimStep[] {
  if (topology.scenario.length === 0) return defaultSteps();
  return [convergeStep, ...scenarioSteps(topology), ringConsistentStep, pingAllStep];
}

function buildReport(ctx: SimRunContext): SimReport {
  const { network, topology } = ctx;
  const counters = network.counters();
  let routes = 0;
  let maxRoutes = 0;
  let alive = 0;
  for (const name of network.nodeNames()) {
    const node = network.node(name);
    if (!node) continue;
    alive++;
    const n = node.routes().length;
    routes += n;
    maxRoutes = Math.max(maxRoutes, n);
  }
  const capsHit: Record<string, number> = {};
  for (const name of network.allNodeNames()) {
    for (const [k, v] of Object.entries(network.node(name)?.counters() ?? {}))
      if (k.startsWith('cap.')) capsHit[k] = (capsHit[k] ?? 0) + v;
  }
  const seconds = counters.simulatedMs / 1000;
  const nodes = topology.nodes.length;
  const steps = scenarioReports(ctx);
  return {
    passed:
      ctx.checks.length > 0 && ctx.checks.every((c) => c.passed) && (steps ?? []).every((s) => s.passed),
    seed: ctx.seed,
    topology: topology.name,
    nodes,
    links: topology.links.length,
    convergenceMs: ctx.convergenceMs,
    checks: ctx.checks,
    ...(steps ? { steps } : {}),
    figures: {
      events: counters.events,
      simulatedMs: counters.simulatedMs,
      controlBytesPerNodePerSec:
        nodes > 0 && seconds > 0 ? Math.round((10 * counters.controlBytesSent) / nodes / seconds) / 10 : 0,
      routesPerNode: { mean: alive > 0 ? round3(routes / alive) : 0, max: maxRoutes },
      ...(Object.keys(capsHit).length > 0 ? { capsHit: sortedKeys(capsHit) } : {}),
    },
  };
}

/** The real node factory, with the nodes a `hostile` step names wrapped in a HostileNode (src/sim/hostile). */
export function hostileAwareFactory(
  topology: Topology,
  addresses: ReadonlyMap<string, Address>,
  seed: number,
  inner: NodeFactory = vrrNodeFactory,
): NodeFactory {
  const hostile = new Set<Address>();
  for (const step of topology.scenario)
    if (step.action.kind === 'hostile') hostile.add(addresses.get(step.action.node)!);
  if (hostile.size === 0) return inner;
  return (config, env) => {
    const node = inner(config, env);
    if (!hostile.has(config.address)) return node;
    return new HostileNode(node, env, createRng(deriveSeed(seed, `hostile:${config.address}`)));
  };
}

/** A copy of a record with its keys in order (reports list counters sorted). */
function sortedKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
