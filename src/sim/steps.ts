// The steps a simulation run executes, in order. A run is a list of steps over one context: the default
// list converges the ring, then checks it and pings every pair. Scenario timelines (link-down, partition,
// verify within T, ...) become more steps of the same shape, inserted between convergence and the checks.

import type { Topology } from '../topology/types.ts';
import type { CheckReport } from '../checks/report.ts';
import { pingAllCheck } from '../checks/ping-all/index.ts';
import { ringConsistentCheck } from '../checks/ring-consistent/index.ts';
import { isRingConsistent } from '../checks/ring-consistent/sim.ts';
import type { SimNetwork } from './network.ts';
import { recorderOf } from './scenario/run-recorder.ts';

export type { CheckReport } from '../checks/report.ts';

/** What steps share: the network, the run's settings, and the results so far. */
export interface SimRunContext {
  readonly topology: Topology;
  readonly network: SimNetwork;
  readonly seed: number;
  /** Virtual time by which the ring must have converged. */
  readonly maxSimMs: number;
  /** Pairs ping-all samples on large networks (undefined: its default). */
  readonly samplePairs: number | undefined;
  /** Virtual time at which the ring was first consistent, or null. Set by the converge step. */
  convergenceMs: number | null;
  /** Check results, in the order they ran. */
  readonly checks: CheckReport[];
  /** A progress line for the terminal (not part of the report). */
  progress(line: string): void;
}

/** A unit of a run: fault injections, waits and checks are all steps. */
export interface SimStep {
  name: string;
  run(ctx: SimRunContext): void;
}

/** The smallest hello period in the topology: how often convergence is polled. */
export function pollIntervalMs(topology: Topology): number {
  let ms = Infinity;
  for (const n of topology.nodes) ms = Math.min(ms, n.vrr.helloMs);
  return Number.isFinite(ms) ? ms : 1000;
}

/** Runs the network until the ring is consistent (polled every hello period) or maxSimMs passes. */
export const convergeStep: SimStep = {
  name: 'converge',
  run(ctx) {
    const everyMs = pollIntervalMs(ctx.topology);
    ctx.convergenceMs = ctx.network.runUntilTrue(() => isRingConsistent(ctx.network), {
      everyMs,
      deadlineMs: ctx.maxSimMs,
    });
    ctx.progress(
      ctx.convergenceMs === null
        ? `ring not consistent after ${ctx.maxSimMs / 1000} s (simulated)`
        : `ring consistent at ${ctx.convergenceMs / 1000} s (simulated)`,
    );
  },
};

/** Records the ring-consistent check on the current state. */
export const ringConsistentStep: SimStep = {
  name: 'ring-consistent',
  run(ctx) {
    ctx.checks.push(ringConsistentCheck.sim(ctx.network, runOf(ctx)));
  },
};

/** Records the ping-all check: real data packets between every pair (or a sample). */
export const pingAllStep: SimStep = {
  name: 'ping-all',
  run(ctx) {
    const before = dropCounters(ctx.network);
    // A recorded run's report.html shows this round's pairs as the closing matrix.
    const observer = recorderOf(ctx)?.observer('closing checks');
    const result = pingAllCheck.sim(ctx.network, { ...runOf(ctx), observer });
    // When probes fail, say where the nodes dropped packets meanwhile: it usually names the culprit.
    const drops = result.passed ? [] : describeDrops(before, dropCounters(ctx.network));
    ctx.checks.push(
      drops.length > 0 ? { ...result, problems: [...(result.problems ?? []), ...drops] } : result,
    );
    ctx.progress(`ping-all: ${result.figures.delivered}/${result.figures.pairs} delivered`);
  },
};

// The run of a check that takes no section, with the run's seed and sampling.
function runOf(ctx: SimRunContext): { spec: null; seed: number; topology: Topology; samplePairs?: number } {
  return { spec: null, seed: ctx.seed, topology: ctx.topology, samplePairs: ctx.samplePairs };
}

/** The default run: converge, check the ring, ping every pair. */
export function defaultSteps(): SimStep[] {
  return [convergeStep, ringConsistentStep, pingAllStep];
}

// Per node, the node's `drop.*` counters (how many packets it discarded, by reason).
function dropCounters(network: SimNetwork): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const name of network.nodeNames()) {
    const counters = network.node(name)?.counters() ?? {};
    const drops = new Map<string, number>();
    for (const [key, value] of Object.entries(counters)) if (key.startsWith('drop.')) drops.set(key, value);
    out.set(name, drops);
  }
  return out;
}

// One line per drop reason that grew: total, and the three nodes that dropped most.
function describeDrops(
  before: Map<string, Map<string, number>>,
  after: Map<string, Map<string, number>>,
): string[] {
  const byReason = new Map<string, [string, number][]>();
  for (const [node, drops] of after) {
    for (const [reason, value] of drops) {
      const grew = value - (before.get(node)?.get(reason) ?? 0);
      if (grew <= 0) continue;
      if (!byReason.has(reason)) byReason.set(reason, []);
      byReason.get(reason)!.push([node, grew]);
    }
  }
  return [...byReason.keys()].sort().map((reason) => {
    const nodes = byReason.get(reason)!.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const total = nodes.reduce((sum, [, n]) => sum + n, 0);
    const top = nodes
      .slice(0, 3)
      .map(([node, n]) => `${node} ${n}`)
      .join(', ');
    return `nodes counted ${total} ${reason} during ping-all (most at ${top})`;
  });
}
