// A node's tables as checks read them, whoever collected them: the simulator from its nodes, a lab's checks
// from every vrrd's control socket. The ring check judges these; the simulator's network produces them.

import type { Address } from '../vrr/address.ts';

/** One routing-table entry as a node reports it; na/nb null = this node is that endpoint. */
export interface RouteView {
  ea: Address;
  eb: Address;
  pathId: number;
  na: Address | null;
  nb: Address | null;
}

/** What the ring check needs to know about one node. */
export interface NodeSnapshot {
  name: string;
  address: Address;
  /** False for a crashed or stopped node: it takes no part in any partition. */
  alive: boolean;
  active: boolean;
  /** The node's configured r. */
  vsetSize: number;
  vset: Address[];
  routes: RouteView[];
  /** Addresses of the physical neighbours the node considers linked. */
  linkedNeighbors: Address[];
}

/** A physical link that is up, by node names. */
export type UpLink = readonly [string, string];
