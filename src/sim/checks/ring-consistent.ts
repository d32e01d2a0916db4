// The ring-consistent check applied to a simulated network: its snapshots and up links, fed to the same
// pure checker the testbed uses on real labs.

import {
  checkRingConsistency,
  type RingConsistencyOptions,
  type RingConsistencyResult,
} from '../../testbed/verify/ring-consistency.ts';
import type { SimNetwork } from '../network.ts';

/** Runs the ring-consistency checker on the network's current state. */
export function checkNetworkRing(
  network: SimNetwork,
  options?: RingConsistencyOptions,
): RingConsistencyResult {
  return checkRingConsistency(network.snapshots(), network.upLinks(), options);
}

/**
 * True when the ring is consistent now. Cheap refusals first (an inactive node), because convergence is
 * polled every hello period and a full check walks every route.
 */
export function isRingConsistent(network: SimNetwork): boolean {
  for (const name of network.nodeNames()) {
    const node = network.node(name);
    if (node && !node.isActive()) return false;
  }
  return checkNetworkRing(network, { maxProblems: 0 }).passed;
}
