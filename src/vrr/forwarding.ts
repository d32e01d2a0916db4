// The forwarding rule (protocol-notes §5.1): among every endpoint this node knows, pick the one closest to the
// destination under the one comparator, and take the next hop toward it. NextHopExclude is the same with one
// endpoint barred (it may still be a physical hop).

import { clockwise, ringDistance, type Address } from './address.ts';
import type { Pset } from './pset.ts';
import type { RepTable } from './repair.ts';
import { lowerBound, type RouteTable } from './routes.ts';

/** Where a packet for some destination goes from here. */
export type NextHop =
  | { kind: 'local' } // this node is the closest candidate
  | { kind: 'forward'; via: Address; endpoint: Address }
  | { kind: 'none' }; // no candidate at all (only when this node itself is excluded)

/** The tables the rule reads. */
export interface ForwardingTables {
  me: Address;
  pset: Pset;
  routes: RouteTable;
  reps: RepTable;
  now: number;
}

/**
 * NextHop(dst) or, with `exclude`, NextHopExclude(dst, exclude). Candidates: this node, linked neighbours that
 * have been active (they are in some ring), every route endpoint, every usable representative.
 */
export function nextHop(t: ForwardingTables, dst: Address, exclude: Address | null = null): NextHop {
  // The first candidate considered wins ties, which never happen between distinct addresses (the comparator is a
  // total order); order matters only for which next hop reaches one endpoint: direct neighbour, path, then rep.
  // Written without closures or allocation, each distance computed once: the hottest function of the simulator.
  let best = -1;
  let bestVia = -1;
  let bestDist = Infinity;
  let bestCw = Infinity;
  const better = (c: Address): boolean => {
    if (c === exclude) return false;
    const d = ringDistance(c, dst);
    if (d > bestDist) return false;
    const cw = clockwise(dst, c);
    if (d === bestDist && cw >= bestCw) return false;
    bestDist = d;
    bestCw = cw;
    return true;
  };
  if (better(t.me)) best = bestVia = t.me;
  for (const n of t.pset.values()) {
    if (n.state === 'linked' && n.everActive && better(n.address)) {
      best = n.address;
      bestVia = n.address;
    }
  }
  // Route endpoints, by far the most candidates: the closest one under the comparator is the first endpoint
  // clockwise from dst or the first counter-clockwise (whichever is nearer), so only those two are weighed,
  // found by binary search; the excluded endpoint is stepped over.
  const eps = t.routes.sortedEndpoints();
  const n = eps.length;
  if (n > 0) {
    const at = lowerBound(eps, dst);
    let cw = at % n;
    if (eps[cw] === exclude) cw = (cw + 1) % n;
    let ccw = (at + n - 1) % n;
    if (eps[ccw] === exclude) ccw = (ccw + n - 1) % n;
    for (let side = 0; side < 2; side++) {
      const c = eps[side === 0 ? cw : ccw];
      if (c === exclude || ringDistance(c, dst) > bestDist) continue;
      const via = t.routes.nextHopToward(c);
      if (via !== null && better(c)) {
        best = c;
        bestVia = via;
      }
    }
  }
  for (const r of t.reps.records()) {
    if (t.now - r.refreshedAt <= t.reps.validMs && better(r.address)) {
      best = r.address;
      bestVia = r.heardFrom;
    }
  }
  if (best === -1) return { kind: 'none' };
  if (best === t.me) return { kind: 'local' };
  return { kind: 'forward', via: bestVia, endpoint: best };
}
