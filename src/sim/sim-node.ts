// What the simulator needs from a node: the surface of VrrNode it drives and inspects. Declared here so
// that the simulator's machinery (and its tests, with fake nodes) does not depend on the protocol core;
// the real VrrNode is plugged in through a NodeFactory (node-factory.ts).

import type { Address } from '../vrr/address.ts';
import type { LinkAddress, PortId, VrrEnv } from '../vrr/env.ts';
import type { RouteView } from '../checks/node-snapshot.ts';
import type { SimDht, SimMulticast } from '../checks/sim-probe.ts';

export type { SimDht, SimMulticast } from '../checks/sim-probe.ts';

/** A physical neighbour as a node reports it. */
export interface NeighborView {
  address: Address;
  port: PortId;
  linkAddress: LinkAddress;
  state: 'pending' | 'linked' | 'failed';
  active: boolean;
  quality: number;
}

/** The node surface the simulator drives (VrrNode implements it). */
export interface SimNode {
  readonly address: Address;
  addPort(port: PortId, opts?: { mtu?: number }): void;
  removePort(port: PortId): void;
  start(): void;
  stop(): void;
  receive(port: PortId, from: LinkAddress, frame: Uint8Array): void;
  sendData(dst: Address, payload: Uint8Array, opts?: { nextHeader?: number; key?: boolean }): boolean;
  isActive(): boolean;
  vsetMembers(): Address[];
  neighbors(): NeighborView[];
  routes(): RouteView[];
  counters(): Readonly<Record<string, number>>;
  /** The node's DHT; absent when the factory attaches none (the dht check is then not run). */
  readonly dht?: SimDht;
  /** The node's multicast; absent when the factory attaches none (the multicast check is then not run). */
  readonly multicast?: SimMulticast;
}

/** Configuration the simulator hands a node (from the topology's per-node vrr parameters). */
export interface SimNodeConfig {
  address: Address;
  vsetSize: number;
  helloMs: number;
  /** The mesh's network key when the node holds it (a keyed mesh). */
  networkKey?: Uint8Array;
}

/** Builds one node with its environment. */
export type NodeFactory = (config: SimNodeConfig, env: VrrEnv) => SimNode;
