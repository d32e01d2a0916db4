// The VrrEnv of a real daemon: the wall clock, setTimeout, a seeded PRNG, and callbacks into the daemon's links,
// overlay and event stream. Timers are NOT unref'd: vrrd runs until it is told to stop (SIGTERM), and a pending
// hello timer is one of the things that keeps it running.

import type { LinkAddress, PortId, TimerHandle, VrrEnv } from '../vrr/env.ts';
import type { VrrEvent } from '../vrr/events.ts';
import type { Rng } from '../vrr/rng.ts';
import type { DataPacket } from '../vrr/wire/types.ts';

/** A timer this late (ms) lets the sockets be read before it runs (see WallEnv.setTimer). */
export const LATE_MS = 20;

/** Where the node's outputs go; set by the daemon once its parts exist (the node is built before them). */
export interface WallEnvSinks {
  send(port: PortId, to: LinkAddress | null, frame: Uint8Array): void;
  deliver(packet: DataPacket): void;
  emit(event: VrrEvent): void;
}

/**
 * Milliseconds since the epoch that never go backwards: Date.now() at process start, advanced by the monotonic
 * clock, so timestamps read like wall time while an NTP step cannot reorder timers or expiries.
 */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A VrrEnv over the wall clock and real timers. */
export class WallEnv implements VrrEnv {
  readonly rng: Rng;
  #sinks: WallEnvSinks;
  readonly #afterTimer: () => void;

  /**
   * Outputs go nowhere until connect() is called. afterTimer runs after every timer of the node has fired: the
   * process's periodic housekeeping (the memory trimmer) rides on the wake-ups the node takes anyway (its hello
   * every period) instead of waking an idle daemon with timers of its own.
   */
  constructor(rng: Rng, afterTimer: () => void = () => {}) {
    this.rng = rng;
    this.#sinks = { send: () => {}, deliver: () => {}, emit: () => {} };
    this.#afterTimer = afterTimer;
  }

  /** Routes the node's outputs to the daemon's parts. */
  connect(sinks: WallEnvSinks): void {
    this.#sinks = sinks;
  }

  /** See monotonicNow(). */
  now(): number {
    return monotonicNow();
  }

  /**
   * A one-shot setTimeout (kept referenced: it keeps the daemon alive). One that fires more than LATE_MS late
   * runs only after the loop's next poll (setImmediate runs after the poll phase): the process was not scheduled
   * meanwhile, and Node's loop runs due timers before it polls the sockets, so the frames that arrived meanwhile
   * (a neighbour's hellos, the ACK a retransmission waits for) are taken in before the timer decides anything.
   */
  setTimer(delayMs: number, fire: () => void): TimerHandle {
    const delay = Math.max(0, delayMs);
    const due = monotonicNow() + delay;
    let deferred: NodeJS.Immediate | null = null;
    const run = (): void => {
      fire();
      this.#afterTimer();
    };
    const t = setTimeout(() => {
      if (monotonicNow() - due > LATE_MS) deferred = setImmediate(run);
      else run();
    }, delay);
    return {
      cancel: () => {
        clearTimeout(t);
        if (deferred !== null) clearImmediate(deferred);
      },
    };
  }

  /** Hands a VRR frame to the links. */
  send(port: PortId, to: LinkAddress | null, frame: Uint8Array): void {
    this.#sinks.send(port, to, frame);
  }

  /** Hands a delivered data packet to the overlay. */
  deliver(packet: DataPacket): void {
    this.#sinks.deliver(packet);
  }

  /** Hands an event to the daemon's event stream. */
  emit(event: VrrEvent): void {
    this.#sinks.emit(event);
  }
}
