// The vset-path table: one entry per path through (or ending at) this node, keyed by (ea, pathId).
//
// Invariants (checked by test/unit/vrr/routes.test.ts and by the ring checker on whole networks):
//  - at most one entry per (ea, pathId);
//  - na is null only when this node is ea, nb is null only when this node is eb;
//  - every non-null na/nb is a linked physical neighbour (paths.ts removes entries when a link fails);
//  - the endpoint index, `sorted`, lists exactly the entries' endpoints in ascending order, so the forwarding rule
//    finds the closest endpoint by binary search; `sortedEntries[i]` is the index entry of `sorted[i]`;
//  - among parallel paths to one endpoint, every node picks the same one (smallest pathId, then ea), and each
//    endpoint's cached `best` is that one;
//  - `byPath` and `inOrder` hold the same entries (`inOrder` in insertion order);
//  - `throughCount` counts, per neighbour, the entries whose na or nb it is (once per entry): what the caps read;
//  - at most MAX_ROUTES entries, at most MAX_ROUTES_PER_NEIGHBOR through one neighbour (limits.ts): paths.ts
//    asks `refusal` before it adds one, and refuses the path when it names a cap;
//  - owned by paths.ts alone.

import type { Address } from './address.ts';
import { AddressMap } from './address-map.ts';
import { MAX_ROUTES, MAX_ROUTES_PER_NEIGHBOR } from './limits.ts';

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

/** Key of a route: (ea, pathId), as text (for sets of paths kept outside the table). */
export function routeKey(ea: Address, pathId: number): string {
  return `${ea}/${pathId}`;
}

/** The routes with one endpoint (see the endpoint index), and the one forwarding toward it uses. */
interface EndpointEntry {
  /** Few (parallel paths are pruned), so an array: order is irrelevant, `best` is a total order's minimum. */
  readonly routes: Route[];
  /** The first of `routes` under pathPrecedes: the path every node forwards along toward this endpoint. */
  best: Route;
}

/** The route table of one node. */
export class RouteTable {
  /**
   * Entries by slotKey(pathId), then (pathId, ea): pathIds are random u32, so a slot almost always holds one route
   * (routes whose pathIds agree in the key's 30 bits are kept as an array). The key is a small integer, not the
   * u32 itself: V8 boxes a number of 2^30 or more for every Map lookup, and this is looked up per setup hop.
   */
  private readonly byPath = new Map<number, Route | Route[]>();
  /** Every entry, in insertion order (what `all`, `via` and `between` walk, so their order is the table's). */
  private readonly inOrder = new Set<Route>();
  /**
   * The endpoint index: every endpoint of an entry (ea with na != null, eb with nb != null), ascending, and in
   * `sortedEntries` at the same position, the routes it is an endpoint of. A binary search, not a Map: addresses
   * are 48-bit, beyond V8's small integers, and a Map boxes such a number for every lookup.
   */
  private readonly sorted: Address[] = [];
  private readonly sortedEntries: EndpointEntry[] = [];
  /** Entries per neighbour that is their na or nb (the per-neighbour cap). */
  private readonly throughCount = new AddressMap<number>();

  get size(): number {
    return this.inOrder.size;
  }

  /** Entries whose next hop either way is neighbour n. */
  countThrough(n: Address): number {
    return this.throughCount.get(n) ?? 0;
  }

  /**
   * The cap a new entry with these next hops would break ('total' or 'perNeighbor'), or null when it fits
   * (MAX_ROUTES, MAX_ROUTES_PER_NEIGHBOR; tests pass smaller caps).
   */
  refusal(
    na: Address | null,
    nb: Address | null,
    caps = { total: MAX_ROUTES, perNeighbor: MAX_ROUTES_PER_NEIGHBOR },
  ): 'total' | 'perNeighbor' | null {
    if (this.inOrder.size >= caps.total) return 'total';
    if (na !== null && this.countThrough(na) >= caps.perNeighbor) return 'perNeighbor';
    if (nb !== null && this.countThrough(nb) >= caps.perNeighbor) return 'perNeighbor';
    return null;
  }

  // Counts a route in (by 1) or out (by -1) of its neighbours' counts: once per neighbour.
  private through(route: Route, by: 1 | -1): void {
    this.bump(route.na, by);
    if (route.nb !== route.na) this.bump(route.nb, by);
  }

  private bump(n: Address | null, by: 1 | -1): void {
    if (n === null) return;
    const count = (this.throughCount.get(n) ?? 0) + by;
    if (count === 0) this.throughCount.delete(n);
    else this.throughCount.set(n, count);
  }

  /** Adds an entry; false (and nothing changes) if (ea, pathId) already exists. */
  add(route: Route): boolean {
    const key = slotKey(route.pathId);
    const slot = this.byPath.get(key);
    if (slot === undefined) {
      this.byPath.set(key, route);
    } else if (Array.isArray(slot)) {
      if (findRoute(slot, route.ea, route.pathId) !== undefined) return false;
      slot.push(route);
    } else {
      if (slot.ea === route.ea && slot.pathId === route.pathId) return false;
      this.byPath.set(key, [slot, route]);
    }
    this.inOrder.add(route);
    this.through(route, 1);
    if (route.na !== null) this.index(route.ea, route);
    if (route.nb !== null) this.index(route.eb, route);
    return true;
  }

  get(ea: Address, pathId: number): Route | undefined {
    const slot = this.byPath.get(slotKey(pathId));
    if (slot === undefined) return undefined;
    if (Array.isArray(slot)) return findRoute(slot, ea, pathId);
    return slot.ea === ea && slot.pathId === pathId ? slot : undefined;
  }

  has(ea: Address, pathId: number): boolean {
    return this.get(ea, pathId) !== undefined;
  }

  /** Removes and returns the entry (ea, pathId), if any. */
  remove(ea: Address, pathId: number): Route | undefined {
    const key = slotKey(pathId);
    const slot = this.byPath.get(key);
    if (slot === undefined) return undefined;
    let route: Route | undefined;
    if (Array.isArray(slot)) {
      route = findRoute(slot, ea, pathId);
      if (route === undefined) return undefined;
      slot.splice(slot.indexOf(route), 1);
      if (slot.length === 1) this.byPath.set(key, slot[0]);
    } else {
      if (slot.ea !== ea || slot.pathId !== pathId) return undefined;
      route = slot;
      this.byPath.delete(key);
    }
    this.inOrder.delete(route);
    this.through(route, -1);
    if (route.na !== null) this.unindex(route.ea, route);
    if (route.nb !== null) this.unindex(route.eb, route);
    return route;
  }

  /** Every violation of the counts and caps (the ring checker and paths.ts check the rest). */
  checkInvariants(): string[] {
    const out: string[] = [];
    if (this.size > MAX_ROUTES) out.push(`${this.size} routes, cap ${MAX_ROUTES}`);
    const counted = new Map<Address, number>();
    for (const r of this.inOrder) {
      for (const n of r.na === r.nb ? [r.na] : [r.na, r.nb])
        if (n !== null) counted.set(n, (counted.get(n) ?? 0) + 1);
    }
    for (const [n, c] of counted) {
      if (c !== this.countThrough(n))
        out.push(`neighbour ${n}: ${c} routes, counted ${this.countThrough(n)}`);
      if (c > MAX_ROUTES_PER_NEIGHBOR)
        out.push(`neighbour ${n}: ${c} routes, cap ${MAX_ROUTES_PER_NEIGHBOR}`);
    }
    if (counted.size !== this.throughCount.size) out.push('routes counted through neighbours that have none');
    return out;
  }

  /** Every entry, in insertion order. */
  all(): Route[] {
    return [...this.inOrder];
  }

  /** Entries whose next hop either way is neighbour n. */
  via(n: Address): Route[] {
    const out: Route[] = [];
    for (const r of this.inOrder) if (r.na === n || r.nb === n) out.push(r);
    return out;
  }

  /** Entries of the paths between me and x (me is one endpoint, x the other). */
  between(me: Address, x: Address): Route[] {
    const out: Route[] = [];
    for (const r of this.inOrder) {
      if ((r.ea === me && r.eb === x) || (r.eb === me && r.ea === x)) out.push(r);
    }
    return out;
  }

  /** Distinct endpoints reachable through some entry (this node excluded). */
  endpoints(): IterableIterator<Address> {
    return this.sorted.values();
  }

  /** The endpoints, ascending (a live view: do not keep it across changes to the table). */
  sortedEndpoints(): readonly Address[] {
    return this.sorted;
  }

  /**
   * The next hop toward endpoint e. Among parallel paths to e, the one with the smallest (pathId, ea) wins: a
   * property of the path, not of this node, so every node on two crossing paths picks the same one. Choosing
   * by local order (say, the oldest entry) lets two neighbours that both lie on two paths to e, traversed in
   * opposite directions, send a packet back and forth forever. The winner is kept up to date by index/unindex.
   */
  nextHopToward(e: Address): Address | null {
    const at = this.find(e);
    return at < 0 ? null : this.nextHopTowardAt(at);
  }

  /** nextHopToward(sortedEndpoints()[i]), without the lookup by address (i must be a valid index). */
  nextHopTowardAt(i: number): Address | null {
    const best = this.sortedEntries[i].best;
    return best.ea === this.sorted[i] ? best.na : best.nb;
  }

  /** Position of endpoint e in the index, or -1. */
  private find(e: Address): number {
    const at = lowerBound(this.sorted, e);
    return at < this.sorted.length && this.sorted[at] === e ? at : -1;
  }

  private index(endpoint: Address, route: Route): void {
    const at = lowerBound(this.sorted, endpoint);
    if (at === this.sorted.length || this.sorted[at] !== endpoint) {
      this.sorted.splice(at, 0, endpoint);
      this.sortedEntries.splice(at, 0, { routes: [route], best: route });
      return;
    }
    const entry = this.sortedEntries[at];
    entry.routes.push(route);
    if (pathPrecedes(route, entry.best)) entry.best = route;
  }

  private unindex(endpoint: Address, route: Route): void {
    const at = this.find(endpoint);
    if (at < 0) return;
    const entry = this.sortedEntries[at];
    const routes = entry.routes;
    const i = routes.indexOf(route);
    if (i < 0) return;
    routes.splice(i, 1);
    if (routes.length === 0) {
      this.sorted.splice(at, 1);
      this.sortedEntries.splice(at, 1);
      return;
    }
    if (entry.best === route) {
      let best = routes[0];
      for (let k = 1; k < routes.length; k++) if (pathPrecedes(routes[k], best)) best = routes[k];
      entry.best = best;
    }
  }
}

/** The byPath slot of a pathId: its low 30 bits, a V8 small integer. */
function slotKey(pathId: number): number {
  return pathId & 0x3fffffff;
}

/** The route (ea, pathId) of a collision bucket, if there. */
function findRoute(routes: readonly Route[], ea: Address, pathId: number): Route | undefined {
  for (let i = 0; i < routes.length; i++)
    if (routes[i].ea === ea && routes[i].pathId === pathId) return routes[i];
  return undefined;
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
