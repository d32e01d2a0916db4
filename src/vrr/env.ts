// The one environment through which a VrrNode touches the world. The daemon implements it with real
// links and setTimeout, the simulator with a virtual clock and an event queue, tests with arrays.

import type { Address } from './address.ts';
import type { Rng } from './rng.ts';
import type { DataPacket } from './wire/types.ts';
import type { VrrEvent } from './events.ts';

/** Identifies one of the node's interfaces (a link end). Chosen by the driver, opaque to the core. */
export type PortId = number;

/** A link-layer (MAC) address as a 48-bit number; null means broadcast. */
export type LinkAddress = number;

/** A timer armed through the environment. */
export interface TimerHandle {
  cancel(): void;
}

/** What a VrrNode needs from its driver. Nothing else reaches the outside world. */
export interface VrrEnv {
  /** Milliseconds on the driver's clock (virtual in the simulator). */
  now(): number;
  /** Arms a one-shot timer. */
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  /** The node's seeded random source. */
  rng: Rng;
  /**
   * Sends a VRR frame (the VRR packet bytes, no Ethernet header) on a port; to = null is broadcast. The core never
   * writes to a frame once sent (a retransmission sends the same bytes again) nor to a frame it received, so a
   * driver may hand the very array to a receiver without copying it (the simulator does).
   */
  send(port: PortId, to: LinkAddress | null, frame: Uint8Array): void;
  /** Hands a data packet addressed to this node (or, with KEY, owned by it) to the local host. */
  deliver(packet: DataPacket): void;
  /** Receives every typed event the node emits (tables changing, drops, ...). May be a no-op. */
  emit(event: VrrEvent): void;
}
