// The forwarding rule (docs/protocol.md, Forwarding): among every endpoint this node knows, pick the one closest to the
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
 * have been active (they are in some ring), every route endpoint, and every usable representative unless
 * `withReps` is false (data packets: see data-forwarding.ts, DataForwarding.hop).
 */
export function nextHop(
  t: ForwardingTables,
  dst: Address,
  exclude: Address | null = null,
  withReps = true,
): NextHop {
  // The first candidate considered wins ties, which never happen between distinct addresses (the comparator is a
  // total order); order matters only for which next hop reaches one endpoint: direct neighbour, path, then rep.
  // Written without closures or allocation, each distance computed once: the hottest function of the simulator
  // (tsx keeps function names, so even a closure created per call costs a helper call).
  const best: Best = { address: -1, via: -1, dist: Infinity, cw: Infinity };
  if (t.me !== exclude) consider(best, dst, t.me, t.me);
  for (const n of t.pset.values()) {
    if (n.state === 'linked' && n.everActive && n.address !== exclude)
      consider(best, dst, n.address, n.address);
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
      const i = side === 0 ? cw : ccw;
      const c = eps[i];
      if (c === exclude || ringDistance(c, dst) > best.dist) continue;
      const via = t.routes.nextHopTowardAt(i);
      if (via !== null) consider(best, dst, c, via);
    }
  }
  if (withReps) {
    for (const r of t.reps.records()) {
      if (t.now - r.refreshedAt <= t.reps.validMs && r.address !== exclude)
        consider(best, dst, r.address, r.heardFrom);
    }
  }
  if (best.address === -1) return { kind: 'none' };
  if (best.address === t.me) return { kind: 'local' };
  return { kind: 'forward', via: best.via, endpoint: best.address };
}

/** The neighbour a next hop goes through, or null when it is not forwarded. */
export function forwardVia(hop: NextHop): Address | null {
  return hop.kind === 'forward' ? hop.via : null;
}

/** The best candidate so far, with its distance to dst and its clockwise offset from dst (the tie-break). */
interface Best {
  address: Address;
  via: Address;
  dist: number;
  cw: number;
}

/** Takes candidate c (reached via `via`) as the best if it is closer to dst under the one comparator. */
function consider(best: Best, dst: Address, c: Address, via: Address): void {
  const d = ringDistance(c, dst);
  if (d > best.dist) return;
  const cw = clockwise(dst, c);
  if (d === best.dist && cw >= best.cw) return;
  best.address = c;
  best.via = via;
  best.dist = d;
  best.cw = cw;
}
