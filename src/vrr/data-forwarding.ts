// Data packets: originated here, forwarded, or delivered to the local host. Unicast data takes the forwarding
// rule's next hop over routes and neighbours only (never representative records: see hop()); a KEY packet ends at
// the closest node; group packets (the GROUP flag) go to the multicast extension, which forwards them on its trees.
//
// Invariants (test/unit/vrr/node.test.ts, "routes data on paths and neighbours only"):
//  - a forwarded packet's hop limit is one less than it arrived with; a packet arriving with 1 is dropped;
//  - data never follows a representative record;
//  - a packet that cannot go on is delivered here (KEY) or dropped and counted (drop.noRoute), never queued;
//  - holds no table of its own; owned by node-context.ts alone.

import { isGroupAddress, type Address } from './address.ts';
import type { LinkAddress, PortId } from './env.ts';
import { nextHop, type NextHop } from './forwarding.ts';
import type { NodeContext } from './node-context.ts';
import { DataFlag, type DataPacket } from './wire/types.ts';

/** Options for an originated data packet. */
export interface SendDataOptions {
  nextHeader?: number;
  /** Deliver to the node closest to dst (DHT semantics) instead of requiring an exact match. */
  key?: boolean;
}

/** The data plane of one node. */
export class DataForwarding {
  constructor(private readonly ctx: NodeContext) {}

  /** Originates a data packet. Returns false when there is no route (the packet would stay here). */
  send(dst: Address, payload: Uint8Array, opts: SendDataOptions = {}): boolean {
    const ctx = this.ctx;
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: ctx.config.hopLimit,
      dataFlags: opts.key ? DataFlag.KEY : 0,
      nextHeader: opts.nextHeader ?? 0,
      src: ctx.address,
      dst,
      payload,
    };
    ctx.count('dataOriginated');
    if (isGroupAddress(dst)) {
      // Group traffic travels on multicast trees: the multicast extension, if attached, takes it from here.
      const ext = ctx.extensions.find((e) => e.onGroupData);
      if (!ext) {
        ctx.count('drop.groupDataWithoutMulticast');
        return false;
      }
      ext.onGroupData!({ ...packet, dataFlags: packet.dataFlags | DataFlag.GROUP }, ctx.address);
      return true;
    }
    if (dst === ctx.address) {
      this.deliver(packet);
      return true;
    }
    const hop = this.hop(dst);
    if (hop.kind !== 'forward') {
      if (opts.key) {
        this.deliver(packet);
        return true;
      }
      ctx.count('drop.noRoute');
      return false;
    }
    return ctx.links.sendFrame(hop.via, ctx.encode(packet), false);
  }

  /** A data packet arrived on a port from a link-layer address. */
  receive(packet: DataPacket, port: PortId, from: LinkAddress): void {
    const ctx = this.ctx;
    if (packet.dataFlags & DataFlag.GROUP) {
      const ext = ctx.extensions.find((e) => e.onGroupData);
      if (ext) ext.onGroupData!(packet, ctx.links.senderOf(port, from));
      else ctx.count('drop.groupDataWithoutMulticast');
      return;
    }
    if (packet.dst === ctx.address) {
      this.deliver(packet);
      return;
    }
    const hop = this.hop(packet.dst);
    if (hop.kind !== 'forward') {
      if (packet.dataFlags & DataFlag.KEY) {
        this.deliver(packet);
      } else {
        ctx.count('drop.noRoute');
      }
      return;
    }
    if (packet.hopLimit <= 1) {
      ctx.count('drop.hopLimit');
      return;
    }
    ctx.count('dataForwarded');
    ctx.links.sendFrame(hop.via, ctx.encode({ ...packet, hopLimit: packet.hopLimit - 1 }), false);
  }

  /**
   * NextHop for a data packet or an extension's traffic (DHT, multicast): representatives are not candidates. Their
   * records are soft state with no withdrawal: one lives at every node for repValidMs after the node first heard it,
   * so when a representative stops advertising, its records die out first near it and last far away, a band of stale
   * records that moves away from it for seconds. A packet sent along such a record to a neighbour that no longer
   * holds it can come back and circle until the hop limit: on a 16x16 grid (seed 6) the paths of 717 pairs looped
   * through representative records when the ring became consistent, and ping-all lost pairs. Routes and neighbours
   * alone are loop-free once the paths are consistent, and they already reach every node of the ring, so data loses
   * nothing but a shortcut toward the one live representative. Control traffic keeps using the records: merges need
   * them (without them a 400-node merge took twice as long).
   */
  hop(dst: Address, exclude: Address | null = null): NextHop {
    return nextHop(this.ctx.forwardingTables(), dst, exclude, false);
  }

  /** Hands a packet to the local host. */
  deliver(packet: DataPacket): void {
    this.ctx.count('dataDelivered');
    this.ctx.env.deliver(packet);
  }
}
