// The forwarding rule (protocol-notes §5.1): among every endpoint this node knows, pick the one closest to the
// destination under the one comparator, and take the next hop toward it. NextHopExclude is the same with one
// endpoint barred (it may still be a physical hop).

import { compareCloseness, type Address } from './address.ts';
import type { Pset } from './pset.ts';
import type { RepTable } from './repair.ts';
import type { RouteTable } from './routes.ts';

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
  // Written without closures or allocation: this is the hottest function of the simulator.
  let best = -1;
  let bestVia = -1;
  if (t.me !== exclude) best = bestVia = t.me;
  for (const n of t.pset.values()) {
    const c = n.address;
    if (n.state !== 'linked' || !n.everActive || c === exclude) continue;
    if (best === -1 || compareCloseness(dst, c, best) < 0) {
      best = c;
      bestVia = c;
    }
  }
  for (const c of t.routes.endpoints()) {
    if (c === exclude || (best !== -1 && compareCloseness(dst, c, best) >= 0)) continue;
    const via = t.routes.nextHopToward(c);
    if (via === null) continue;
    best = c;
    bestVia = via;
  }
  for (const r of t.reps.usableUnordered(t.now)) {
    const c = r.address;
    if (c === exclude || (best !== -1 && compareCloseness(dst, c, best) >= 0)) continue;
    best = c;
    bestVia = r.heardFrom;
  }
  if (best === -1) return { kind: 'none' };
  if (best === t.me) return { kind: 'local' };
  return { kind: 'forward', via: bestVia, endpoint: best };
}
