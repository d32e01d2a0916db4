// The ring-consistent check's simulator half: the network's snapshots and up links, fed to the same pure
// verdict (verdict.ts) the lab half feeds with what every vrrd reports.

import type { SimProbe } from '../sim-probe.ts';
import {
  checkRingConsistency,
  vsetsConsistent,
  type RingConsistencyOptions,
  type RingConsistencyResult,
} from './verdict.ts';

/** What the ring check needs from a network (SimNetwork provides it). */
export type RingNetwork = Pick<SimProbe, 'snapshots' | 'upLinks' | 'nodeNames' | 'node'>;

/** Runs the ring-consistency verdict on the network's current state. */
export function checkNetworkRing(
  network: RingNetwork,
  options?: RingConsistencyOptions,
): RingConsistencyResult {
  return checkRingConsistency(network.snapshots(), network.upLinks(), options);
}

/**
 * True when the ring is consistent now: checkNetworkRing's verdict. Cheap refusals first (an inactive node, then
 * a wrong vset, which need no route snapshots), because convergence is polled every hello period and a full
 * check copies and walks every route of every node.
 */
export function isRingConsistent(network: RingNetwork): boolean {
  for (const name of network.nodeNames()) {
    const node = network.node(name);
    if (node && !node.isActive()) return false;
  }
  const upLinks = network.upLinks();
  if (!vsetsConsistent(network.snapshots({ routes: false }), upLinks)) return false;
  return checkRingConsistency(network.snapshots(), upLinks, { maxProblems: 0 }).passed;
}
