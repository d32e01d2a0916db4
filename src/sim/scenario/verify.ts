// The verify action: runs each named check and, with `within`, retries it every hello period until it
// holds or the deadline passes, recording how long after the step it first held.

import type { VerifySpec } from '../../testbed/topology/types.ts';
import type { SimRunContext } from '../steps.ts';
import { checkNetworkRing, isRingConsistent } from '../checks/ring-consistent.ts';
import { pingAll } from '../checks/ping-all.ts';
import type { RingWatch } from './ring-watch.ts';

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

/** Why a check cannot run in the simulator, or null when it can. */
export function unsupportedReason(check: VerifySpec['check']): string | null {
  switch (check) {
    case 'dht':
      return 'dht: not run: the simulator attaches no DHT to its nodes yet (src/vrr/dht is unfinished)';
    case 'multicast':
      return 'multicast: not run: the simulator has no multicast check';
    default:
      return null;
  }
}

/** Runs one check of a verify step that was due at `stepMs` (absolute virtual time). */
export function verifyCheck(
  ctx: SimRunContext,
  watch: RingWatch,
  spec: VerifySpec,
  stepMs: number,
): VerifyOutcome {
  const reason = unsupportedReason(spec.check);
  if (reason !== null) return { passed: true, heldAfterMs: null, figures: {}, problems: [], notRun: reason };
  const deadline = stepMs + (spec.withinMs ?? 0);
  const network = ctx.network;

  if (spec.check === 'ring-consistent') {
    // Poll with the cheap test; the full check (with problem lines) runs once, at the end.
    let held: number | null = null;
    for (;;) {
      watch.observe();
      if (isRingConsistent(network)) {
        held = network.now();
        break;
      }
      if (network.now() >= deadline) break;
      watch.advanceTo(Math.min(network.now() + watch.pollMs, deadline));
    }
    const result = checkNetworkRing(network);
    return {
      passed: result.passed,
      heldAfterMs: held === null ? null : held - stepMs,
      figures: { ...result.figures },
      problems: result.problems,
    };
  }

  // ping-all: every attempt sends real packets (and takes virtual time), so it is retried whole.
  for (;;) {
    const started = network.now();
    const result = pingAll(network, { samplePairs: ctx.samplePairs });
    watch.observe();
    if (result.passed || network.now() >= deadline) {
      return {
        passed: result.passed,
        heldAfterMs: result.passed ? Math.max(0, started - stepMs) : null,
        figures: { ...result.figures },
        problems: result.problems,
      };
    }
    watch.advanceTo(Math.min(network.now() + watch.pollMs, deadline));
  }
}
