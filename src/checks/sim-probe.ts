// What the simulator half of a check may do to a simulated network: send real data packets and watch them
// arrive, read the nodes' tables, call their DHT and multicast, and run the virtual clock. src/sim's SimNetwork
// provides all of it; a check's own functions ask only for the part they use, so tests may fake less.

import type { Address } from '../vrr/address.ts';
import type { DhtResult } from '../vrr/dht/index.ts';
import type { DataPacket } from '../vrr/wire/types.ts';
import type { NodeSnapshot, UpLink } from './node-snapshot.ts';

/** The DHT calls the simulator's dht check makes (src/vrr/dht's Dht implements them). */
export interface SimDht {
  put(key: string, value: Uint8Array, opts: { ttlMs?: number }, done: (r: DhtResult) => void): void;
  get(key: string, done: (r: DhtResult) => void): void;
}

/** The multicast calls the simulator's multicast check makes (src/vrr/multicast's Multicast implements them). */
export interface SimMulticast {
  join(group: Address): boolean;
  leave(group: Address): boolean;
  register(group: Address): boolean;
  withdraw(group: Address): boolean;
  send(group: Address, payload: Uint8Array): boolean;
  groups(): { member: Address[]; source: Address[] };
}

/** A running node as checks see it. */
export interface SimProbeNode {
  isActive(): boolean;
  /** Absent when the node factory attaches none (the dht check is then not run). */
  readonly dht?: SimDht;
  /** Absent when the node factory attaches none (the multicast check is then not run). */
  readonly multicast?: SimMulticast;
}

/** A timer on the virtual clock. */
export interface SimTimer {
  cancel(): void;
}

/** A simulated network as the checks' simulator halves see it (SimNetwork implements it). */
export interface SimProbe {
  /** The run's seed. */
  readonly seed: number;
  /** Node names in topology order. */
  nodeNames(): string[];
  isAlive(name: string): boolean;
  /** The running node, or null while crashed. */
  node(name: string): SimProbeNode | null;
  addressOf(name: string): Address;
  /** Links that carry frames now, by node names. */
  upLinks(): UpLink[];
  /** Every node's tables; with routes: false, routes and linked neighbours are left empty (cheaper). */
  snapshots(opts?: { routes?: boolean }): NodeSnapshot[];
  /** Virtual ms. */
  now(): number;
  readonly clock: {
    schedule(delayMs: number, fire: () => void): SimTimer;
    at(timeMs: number, fire: () => void): SimTimer;
  };
  /** Originates a data packet at node `from`; false when it is down or has no route. */
  sendData(from: string, dst: Address, payload: Uint8Array, opts?: { nextHeader?: number }): boolean;
  /** Calls listener for every data packet a node delivers; returns the unsubscribe. */
  onDeliver(listener: (node: string, packet: DataPacket) => void): () => void;
  /** Runs the clock until predicate holds (checked every everyMs) or deadlineMs; the time it held, or null. */
  runUntilTrue(predicate: () => boolean, opts: { everyMs: number; deadlineMs: number }): number | null;
}

/** True when every running node carries what `has` looks for (crashed nodes carry nothing and are not asked). */
export function everyNodeCarries(
  network: Pick<SimProbe, 'nodeNames' | 'node'>,
  has: (node: SimProbeNode) => boolean,
): boolean {
  return network.nodeNames().every((name) => {
    const node = network.node(name);
    return node === null || has(node);
  });
}
