// The seam through which protocol extensions (the DHT, multicast) plug into a VrrNode without owning any of its
// tables: they get routing, reliable one-hop sends, timers and the seeded PRNG, and are told of table changes.

import type { Address } from './address.ts';
import type { VrrConfig } from './config.ts';
import type { TimerHandle } from './env.ts';
import type { VrrEvent } from './events.ts';
import type { NextHop } from './forwarding.ts';
import type { Rng } from './rng.ts';
import type { OptionCodec } from './wire/option-codec.ts';
import type { DataPacket, KnownOption } from './wire/types.ts';

/** What a VrrNode offers its extensions. */
export interface NodeServices {
  readonly address: Address;
  readonly config: Readonly<VrrConfig>;
  readonly rng: Rng;
  now(): number;
  /** A timer that dies with the node (stop()). */
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  emit(event: VrrEvent): void;
  /** Adds to one of the node's counters (shown by vrrctl stats). */
  count(name: string, by?: number): void;
  isActive(): boolean;
  vsetMembers(): Address[];
  linkedNeighbors(): Address[];
  /** NextHop(dst) / NextHopExclude(dst, exclude) over the node's tables, as data is routed (no representatives). */
  nextHop(dst: Address, exclude?: Address | null): NextHop;
  /** Sends options to a linked neighbour in one control packet, acknowledged and retransmitted hop by hop. */
  sendToNeighbor(neighbor: Address, ...options: KnownOption[]): boolean;
  /**
   * Passes an option one hop toward the node closest to dst (excluding `exclude` as an endpoint):
   * 'forwarded' when sent on, 'local' when this node is the closest, 'none' when no candidate exists.
   */
  routeToward(dst: Address, option: KnownOption, exclude?: Address | null): 'forwarded' | 'local' | 'none';
  /** Sends a data packet one hop (the caller built it, hop limit included). */
  sendDataVia(neighbor: Address, packet: DataPacket): boolean;
  /** Hands a data packet to the local host. */
  deliverLocally(packet: DataPacket): void;
}

/** A protocol extension attached to a node. Every hook is optional but optionTypes and optionCodecs. */
export interface NodeExtension {
  /** Option Types this extension handles: the node dispatches them to onOption. */
  readonly optionTypes: readonly number[];
  /**
   * The codecs of its options (each for one of optionTypes): attach() registers them in the node's own registry,
   * so the node encodes and decodes them. Nothing global: a node without the extension skips such options.
   */
  readonly optionCodecs: readonly OptionCodec<any>[];
  /**
   * Whether its options may be shed instead of queued behind a long queue to a neighbour (EXTENSION_QUEUE_LIMIT,
   * reliable.ts): true for an extension that retries end to end (the DHT: a transfer or request whose answer does
   * not come is sent again). Default false: queued like the ring's own control (multicast trees count on hop-by-hop
   * delivery).
   */
  readonly retriesEndToEnd?: boolean;
  /** An option of one of optionTypes arrived from a linked neighbour (sender), or was generated here. */
  onOption(option: KnownOption, sender: Address): void;
  /** The virtual set changed (members added or removed). */
  onVsetChange?(added: Address[], removed: Address[]): void;
  /** A linked neighbour was lost (its link failed). */
  onNeighborLost?(neighbor: Address): void;
  /** A neighbour became linked. */
  onNeighborLinked?(neighbor: Address): void;
  /** A data packet with the GROUP flag arrived (or was originated here: sender = this node). */
  onGroupData?(packet: DataPacket, sender: Address): void;
  /** The node stopped. */
  onStop?(): void;
  /** Entries of its bounded tables now, by name (VrrNode.tableSizes; the caps are in limits.ts). */
  tableSizes?(): Record<string, number>;
}
