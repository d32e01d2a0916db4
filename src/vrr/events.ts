// The typed events a VrrNode emits: the timeline's raw material (daemon logs, simulator traces, reports).

import type { Address } from './address.ts';
import type { PortId } from './env.ts';

/** Link state of a physical neighbour (docs/protocol.md, Neighbours). */
export type LinkState = 'pending' | 'linked' | 'failed';

/** Everything a node reports about itself. The driver stamps time and node. */
export type VrrEvent =
  | {
      type: 'link';
      neighbor: Address;
      port: PortId;
      from: LinkState | 'unknown';
      to: LinkState | 'gone';
      why: string;
    }
  | { type: 'active'; why: string }
  | { type: 'vset-add'; member: Address }
  | { type: 'vset-remove'; member: Address; why: string }
  | { type: 'path-up'; ea: Address; eb: Address; pathId: number }
  | { type: 'path-down'; ea: Address; eb: Address; pathId: number; why: string }
  | { type: 'setup-req'; target: Address; attempt: number; why: string }
  | { type: 'drop'; reason: string; detail: string }
  // DHT (src/vrr/dht): `key` is the key's bytes in hex, `hash` its ring position.
  | { type: 'dht-store'; key: string; hash: Address; version: number; role: 'owner' | 'replica'; why: string }
  | { type: 'dht-remove'; key: string; hash: Address; version: number; why: string }
  | { type: 'dht-role'; key: string; hash: Address; role: 'owner' | 'replica'; owner: Address; why: string }
  | { type: 'dht-handoff'; key: string; hash: Address; version: number; to: Address; why: string }
  // Multicast (src/vrr/multicast): tree changes of (root, group), and the RVP role for a group.
  | {
      type: 'mcast-tree';
      root: Address;
      group: Address;
      upstream: Address | null;
      downstream: Address[];
      why: string;
    }
  | { type: 'mcast-rvp'; group: Address; role: 'owner' | 'replica'; why: string };
