// The ring-consistent check applied to a simulated network: its snapshots and up links, fed to the same
// pure checker the testbed uses on real labs.

import {
  checkRingConsistency,
  vsetsConsistent,
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
 * True when the ring is consistent now: checkNetworkRing's verdict. Cheap refusals first (an inactive node, then
 * a wrong vset, which need no route snapshots), because convergence is polled every hello period and a full
 * check copies and walks every route of every node.
 */
export function isRingConsistent(network: SimNetwork): boolean {
  for (const name of network.nodeNames()) {
    const node = network.node(name);
    if (node && !node.isActive()) return false;
  }
  const upLinks = network.upLinks();
  if (!vsetsConsistent(network.snapshots({ routes: false }), upLinks)) return false;
  return checkRingConsistency(network.snapshots(), upLinks, { maxProblems: 0 }).passed;
}
