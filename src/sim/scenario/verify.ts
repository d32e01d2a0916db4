// The verify action: runs each named check and, with `within`, retries it every hello period until it
// holds or the deadline passes, recording how long after the step it first held. (A multicast verify is a
// stream that outlives its step: streams.ts.)

import type { VerifySpec } from '../../topology/types.ts';
import type { SimRunContext } from '../steps.ts';
import { checkNetworkRing, isRingConsistent } from '../checks/ring-consistent.ts';
import { pingAll } from '../checks/ping-all.ts';
import { simDhtCheck } from '../checks/dht.ts';
import type { SimNetwork } from '../network.ts';
import type { SimNode } from '../sim-node.ts';
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

/** Why a check cannot run in this network, or null when it can: the dht and multicast checks need nodes that
 * carry those extensions (the real factory attaches both; a test's fake nodes carry neither). */
export function unsupportedReason(network: SimNetwork, check: VerifySpec['check']): string | null {
  const carries = (has: (node: SimNode) => boolean): boolean =>
    network.nodeNames().every((n) => {
      const node = network.node(n);
      return node === null || has(node);
    });
  if (check === 'dht' && !carries((n) => n.dht !== undefined))
    return 'dht: not run: the nodes of this simulation carry no DHT (its node factory attaches none)';
  if (check === 'multicast' && !carries((n) => n.multicast !== undefined))
    return 'multicast: not run: the nodes of this simulation carry no multicast (its node factory attaches none)';
  return null;
}

/** Runs one check of a verify step that was due at `stepMs` (absolute virtual time). */
export function verifyCheck(
  ctx: SimRunContext,
  watch: RingWatch,
  spec: VerifySpec,
  stepMs: number,
): VerifyOutcome {
  const reason = unsupportedReason(ctx.network, spec.check);
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

  if (spec.check === 'multicast') {
    // A stream outlives its step: the timeline starts it (streams.ts) and records it when it ends.
    throw new Error('verifyCheck: a multicast verify is a stream; start it with startStreamOnStep');
  }
  const dhtSpec = ctx.topology.checks.dht;
  if (spec.check === 'dht' && !dhtSpec) {
    return {
      passed: false,
      heldAfterMs: null,
      figures: {},
      problems: ['the topology has no checks.dht section, so there is nothing to run it with'],
    };
  }

  // ping-all and dht: every attempt sends real packets (and takes virtual time), so it is retried whole.
  for (;;) {
    const started = network.now();
    const result =
      spec.check === 'dht'
        ? simDhtCheck(network, dhtSpec!, ctx.seed)
        : pingAll(network, { samplePairs: ctx.samplePairs });
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
