// A stand-in for VrrNode in simulator tests: it broadcasts a small control frame ("beacon") every period
// on every port, records everything the simulator does to it, and can send unicast frames on demand.

import type { Address } from '../../../src/vrr/address.ts';
import type { LinkAddress, PortId, TimerHandle, VrrEnv } from '../../../src/vrr/env.ts';
import type { NodeFactory, NeighborView, SimNode, SimNodeConfig } from '../../../src/sim/sim-node.ts';
import type { RouteView } from '../../../src/checks/ring-consistent/verdict.ts';

/** A received frame as the fake node saw it. */
export interface Received {
  t: number;
  port: PortId;
  from: LinkAddress;
  frame: Uint8Array;
}

/** Control frame (version 1, kind 0) carrying the sender's address and a counter. */
export function beaconFrame(sender: Address, counter: number): Uint8Array {
  const frame = new Uint8Array(16);
  frame[0] = 0x10;
  const view = new DataView(frame.buffer);
  view.setUint16(2, 16);
  view.setUint32(4, Math.floor(sender / 2 ** 32));
  view.setUint32(8, sender % 2 ** 32);
  view.setUint32(12, counter);
  return frame;
}

/** Data frame (version 1, kind 1) of the given length. */
export function dataFrame(length: number): Uint8Array {
  const frame = new Uint8Array(length);
  frame[0] = 0x11;
  return frame;
}

/** The fake node. */
export class FakeNode implements SimNode {
  readonly address: Address;
  readonly ports = new Set<PortId>();
  readonly log: string[] = [];
  readonly received: Received[] = [];
  stopped = false;
  private timer: TimerHandle | null = null;
  private counter = 0;

  constructor(
    readonly config: SimNodeConfig,
    readonly env: VrrEnv,
  ) {
    this.address = config.address;
  }

  addPort(port: PortId): void {
    this.ports.add(port);
    this.log.push(`add ${port}`);
  }

  removePort(port: PortId): void {
    this.ports.delete(port);
    this.log.push(`remove ${port}`);
  }

  start(): void {
    this.log.push('start');
    this.arm(this.env.rng.next() * this.config.helloMs);
  }

  stop(): void {
    this.stopped = true;
    this.log.push('stop');
    this.timer?.cancel();
  }

  receive(port: PortId, from: LinkAddress, frame: Uint8Array): void {
    this.received.push({ t: this.env.now(), port, from, frame });
    this.env.emit({ type: 'drop', reason: 'fake', detail: `frame on port ${port}` });
  }

  /** Sends a unicast frame on a port. */
  unicast(port: PortId, to: LinkAddress, frame: Uint8Array): void {
    this.env.send(port, to, frame);
  }

  sendData(): boolean {
    return false;
  }

  isActive(): boolean {
    return true;
  }

  vsetMembers(): Address[] {
    return [];
  }

  neighbors(): NeighborView[] {
    return [];
  }

  routes(): RouteView[] {
    return [];
  }

  counters(): Readonly<Record<string, number>> {
    return { beacons: this.counter };
  }

  private arm(delay: number): void {
    this.timer = this.env.setTimer(delay, () => {
      this.counter++;
      for (const port of [...this.ports].sort((a, b) => a - b))
        this.env.send(port, null, beaconFrame(this.address, this.counter));
      this.arm(this.config.helloMs);
    });
  }
}

/** A NodeFactory that builds FakeNodes and keeps every one it built, by address, in build order. */
export function fakeFactory(): { factory: NodeFactory; built: FakeNode[] } {
  const built: FakeNode[] = [];
  return {
    built,
    factory: (config, env) => {
      const node = new FakeNode(config, env);
      built.push(node);
      return node;
    },
  };
}
