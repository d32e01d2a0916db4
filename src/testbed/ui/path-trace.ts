// The hop-by-hop path of a data packet between two nodes, followed through the nodes' own tables: at each node
// the forwarding rule (src/vrr/forwarding.ts) picks, among the node itself, its linked
// active neighbours and every route endpoint, the one closest to the destination, and the packet goes to the
// next hop toward it. Data packets ignore representatives, so they are left out here too.

import { clockwise, parseAddress, ringDistance, type Address } from '../../vrr/address.ts';
import type { UiPath } from './ui-types.ts';

/** What the walk reads of one node (addresses as text, as vrrd's `neighbors` and `routes` answer). */
export interface ForwardingView {
  address: string;
  neighbors: { address: string; state: string; active: boolean }[];
  routes: { ea: string; eb: string; na: string | null; nb: string | null }[];
}

/** The next hop from `view` toward dst: null when the node itself is closest (the packet is delivered here). */
export function nextHopOf(view: ForwardingView, dst: Address): Address | null {
  const me = parseAddress(view.address);
  let best = me;
  let via = me;
  let bestDist = ringDistance(me, dst);
  let bestCw = clockwise(dst, me);
  const consider = (c: Address, hop: Address): void => {
    const d = ringDistance(c, dst);
    const cw = clockwise(dst, c);
    if (d < bestDist || (d === bestDist && cw < bestCw)) {
      best = c;
      via = hop;
      bestDist = d;
      bestCw = cw;
    }
  };
  for (const n of view.neighbors) {
    if (n.state === 'linked' && n.active) consider(parseAddress(n.address), parseAddress(n.address));
  }
  for (const r of view.routes) {
    if (r.na !== null) consider(parseAddress(r.ea), parseAddress(r.na));
    if (r.nb !== null) consider(parseAddress(r.eb), parseAddress(r.nb));
  }
  return best === me ? null : via;
}

/** Follows next hops from `from` to `to`; tables(name) fetches a node's view (null when it cannot be had). */
export async function tracePath(
  from: string,
  to: string,
  addressOf: ReadonlyMap<string, string>,
  tables: (name: string) => Promise<ForwardingView | null>,
): Promise<UiPath> {
  const target = addressOf.get(to);
  if (addressOf.get(from) === undefined || target === undefined) {
    return { from, to, hops: [], reached: false, reason: `no node named ${addressOf.has(from) ? to : from}` };
  }
  const dst = parseAddress(target);
  const nameOf = new Map([...addressOf].map(([name, a]) => [parseAddress(a), name]));
  const hops = [from];
  const seen = new Set(hops);
  for (;;) {
    const at = hops[hops.length - 1];
    if (at === to) return { from, to, hops, reached: true, reason: null };
    const view = await tables(at);
    if (view === null)
      return { from, to, hops, reached: false, reason: `${at} did not hand over its tables` };
    const next = nextHopOf(view, dst);
    if (next === null) {
      return {
        from,
        to,
        hops,
        reached: false,
        reason: `${at} is the closest node it knows: delivered there`,
      };
    }
    const name = nameOf.get(next);
    if (name === undefined)
      return { from, to, hops, reached: false, reason: `${at} forwards to an unknown node` };
    if (seen.has(name)) {
      hops.push(name);
      return { from, to, hops, reached: false, reason: `loop: ${name} was already on the path` };
    }
    seen.add(name);
    hops.push(name);
  }
}
