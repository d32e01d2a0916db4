// The vset-path table: one entry per path through (or ending at) this node, keyed by (ea, pathId).
//
// Invariants (checked by test/unit/vrr/routes.test.ts and by the ring checker on whole networks):
//  - at most one entry per (ea, pathId);
//  - na is null only when this node is ea, nb is null only when this node is eb;
//  - every non-null na/nb is a linked physical neighbour (node.ts removes entries when a link fails);
//  - the endpoint index lists exactly the entries' endpoints, and `sortedEndpoints` holds the same addresses in
//    ascending order, so the forwarding rule finds the closest endpoint by binary search;
//  - among parallel paths to one endpoint, every node picks the same one (smallest pathId, then ea).
//  - owned by node.ts alone.

import type { Address } from './address.ts';

/** One vset-path as seen by this node. */
export interface Route {
  readonly ea: Address;
  readonly eb: Address;
  readonly pathId: number;
  /** Next hop toward ea; null if this node is ea. */
  readonly na: Address | null;
  /** Next hop toward eb; null if this node is eb. */
  readonly nb: Address | null;
}

/** Key of a route: (ea, pathId). */
export function routeKey(ea: Address, pathId: number): string {
  return `${ea}/${pathId}`;
}

/** The route table of one node. */
export class RouteTable {
  private readonly byKey = new Map<string, Route>();
  /** endpoint -> routes that have it as ea (with na != null) or eb (with nb != null). */
  private readonly byEndpoint = new Map<Address, Set<Route>>();
  /** The keys of byEndpoint, ascending. */
  private readonly sorted: Address[] = [];

  get size(): number {
    return this.byKey.size;
  }

  /** Adds an entry; false (and nothing changes) if (ea, pathId) already exists. */
  add(route: Route): boolean {
    const key = routeKey(route.ea, route.pathId);
    if (this.byKey.has(key)) return false;
    this.byKey.set(key, route);
    if (route.na !== null) this.index(route.ea, route);
    if (route.nb !== null) this.index(route.eb, route);
    return true;
  }

  get(ea: Address, pathId: number): Route | undefined {
    return this.byKey.get(routeKey(ea, pathId));
  }

  has(ea: Address, pathId: number): boolean {
    return this.byKey.has(routeKey(ea, pathId));
  }

  /** Removes and returns the entry (ea, pathId), if any. */
  remove(ea: Address, pathId: number): Route | undefined {
    const key = routeKey(ea, pathId);
    const route = this.byKey.get(key);
    if (!route) return undefined;
    this.byKey.delete(key);
    if (route.na !== null) this.unindex(route.ea, route);
    if (route.nb !== null) this.unindex(route.eb, route);
    return route;
  }

  /** Every entry, in insertion order. */
  all(): Route[] {
    return [...this.byKey.values()];
  }

  /** Entries whose next hop either way is neighbour n. */
  via(n: Address): Route[] {
    const out: Route[] = [];
    for (const r of this.byKey.values()) if (r.na === n || r.nb === n) out.push(r);
    return out;
  }

  /** Entries of the paths between me and x (me is one endpoint, x the other). */
  between(me: Address, x: Address): Route[] {
    const out: Route[] = [];
    for (const r of this.byKey.values()) {
      if ((r.ea === me && r.eb === x) || (r.eb === me && r.ea === x)) out.push(r);
    }
    return out;
  }

  /** Distinct endpoints reachable through some entry (this node excluded). */
  endpoints(): IterableIterator<Address> {
    return this.byEndpoint.keys();
  }

  /** The endpoints, ascending (a live view: do not keep it across changes to the table). */
  sortedEndpoints(): readonly Address[] {
    return this.sorted;
  }

  /**
   * The next hop toward endpoint e. Among parallel paths to e, the one with the smallest (pathId, ea) wins: a
   * property of the path, not of this node, so every node on two crossing paths picks the same one. Choosing
   * by local order (say, the oldest entry) lets two neighbours that both lie on two paths to e, traversed in
   * opposite directions, send a packet back and forth forever.
   */
  nextHopToward(e: Address): Address | null {
    const set = this.byEndpoint.get(e);
    if (!set) return null;
    let best: Route | null = null;
    for (const r of set) if (best === null || pathPrecedes(r, best)) best = r;
    if (best === null) return null;
    return best.ea === e ? best.na : best.nb;
  }

  private index(endpoint: Address, route: Route): void {
    let set = this.byEndpoint.get(endpoint);
    if (!set) {
      this.byEndpoint.set(endpoint, (set = new Set()));
      this.sorted.splice(lowerBound(this.sorted, endpoint), 0, endpoint);
    }
    set.add(route);
  }

  private unindex(endpoint: Address, route: Route): void {
    const set = this.byEndpoint.get(endpoint);
    if (!set) return;
    set.delete(route);
    if (set.size === 0) {
      this.byEndpoint.delete(endpoint);
      this.sorted.splice(lowerBound(this.sorted, endpoint), 1);
    }
  }
}

/**
 * The order among parallel paths: the smallest (pathId, ea) first. Forwarding uses the first path to an endpoint
 * and pruning keeps the first between two endpoints, so every node agrees on which one that is.
 */
export function pathPrecedes(a: Route, b: Route): boolean {
  return a.pathId < b.pathId || (a.pathId === b.pathId && a.ea < b.ea);
}

/** The first index of the ascending array whose value is >= x (the array's length if none). */
export function lowerBound(ascending: readonly number[], x: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
