// The verify action: runs each named check's simulator half (src/checks) and, with `within`, retries it every
// hello period until it holds or the deadline passes, recording how long after the step it first held. A check
// with a cheap test (ring-consistent) is polled with it and judged once, at the end; others are retried whole.
// (A check that runs as a stream, multicast, outlives its step: streams.ts.)

import type { VerifySpec } from '../../topology/types.ts';
import { findCheck, missingSection, sectionOf } from '../../checks/registry.ts';
import type { SimRunContext } from '../steps.ts';
import type { SimNetwork } from '../network.ts';
import type { RingWatch } from './ring-watch.ts';
import { recorderOf } from './run-recorder.ts';

/** One check's outcome inside a verify step. */
export interface VerifyOutcome {
  passed: boolean;
  /** Virtual ms after the step's time at which the check first held; null if it never did. */
  heldAfterMs: number | null;
  figures: Record<string, number>;
  problems: string[];
  /** Set when the check could not run in the simulator, with the reason. */
  notRun?: string;
}

/** Why a check cannot run in this network, or null when it can: the dht and multicast checks need nodes that
 * carry those extensions (the real factory attaches both; a test's fake nodes carry neither). */
export function unsupportedReason(network: SimNetwork, check: VerifySpec['check']): string | null {
  return findCheck(check).simUnsupported?.(network) ?? null;
}

/** Runs one check of a verify step that was due at `stepMs` (absolute virtual time). */
export function verifyCheck(
  ctx: SimRunContext,
  watch: RingWatch,
  spec: VerifySpec,
  stepMs: number,
  where = '',
): VerifyOutcome {
  const reason = unsupportedReason(ctx.network, spec.check);
  if (reason !== null) return { passed: true, heldAfterMs: null, figures: {}, problems: [], notRun: reason };
  const check = findCheck(spec.check);
  if (check.stream) {
    // A stream outlives its step: the timeline starts it (streams.ts) and records it when it ends.
    throw new Error(`verifyCheck: a ${spec.check} verify is a stream; start it with startStreamOnStep`);
  }
  const missing = missingSection(ctx.topology.checks, check);
  if (missing !== null) return { passed: false, heldAfterMs: null, figures: {}, problems: [missing] };

  const deadline = stepMs + (spec.withinMs ?? 0);
  const network = ctx.network;
  const run = {
    spec: sectionOf(ctx.topology.checks, check),
    seed: ctx.seed,
    topology: ctx.topology,
    samplePairs: ctx.samplePairs,
    // A recorded run's report.html shows each round (ping-all's pairs, for instance) at its step.
    observer: recorderOf(ctx)?.observer(where),
  };
  const judged = (heldAfterMs: number | null): VerifyOutcome => {
    const result = check.sim(network, run);
    return {
      passed: result.passed,
      heldAfterMs,
      figures: { ...result.figures },
      problems: result.problems ?? [],
    };
  };

  const holds = check.simHolds;
  if (holds) {
    // Poll with the cheap test; the full check (with problem lines) runs once, at the end.
    for (;;) {
      watch.observe();
      if (holds(network)) return judged(network.now() - stepMs);
      if (network.now() >= deadline) return judged(null);
      watch.advanceTo(Math.min(network.now() + watch.pollMs, deadline));
    }
  }

  // Every attempt sends real packets (and takes virtual time), so it is retried whole.
  for (;;) {
    const started = network.now();
    const result = check.sim(network, run);
    watch.observe();
    if (result.passed || network.now() >= deadline) {
      return {
        passed: result.passed,
        heldAfterMs: result.passed ? Math.max(0, started - stepMs) : null,
        figures: { ...result.figures },
        problems: result.problems ?? [],
      };
    }
    watch.advanceTo(Math.min(network.now() + watch.pollMs, deadline));
  }
}
