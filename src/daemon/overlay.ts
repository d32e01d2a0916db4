// The overlay TAP (vrr0): the host's view of the ring as one Ethernet link. Its MAC is the node's VRR address.
// A unicast frame the host writes becomes a data packet (Source = Ethernet source, Destination = Ethernet
// destination, Next Header = EtherType, payload = Ethernet payload); a data packet delivered here is rebuilt into
// that frame and written back. ARP requests and neighbour solicitations are answered from the DHT (never sent);
// other broadcast and multicast frames are counted and dropped until the multicast extension takes them.

import { formatAddress, type Address } from '../vrr/address.ts';
import { DataFlag, type DataPacket } from '../vrr/wire/types.ts';
import { buildEthernet, EtherType, isGroupMac, parseEthernet } from './frames/ethernet.ts';
import type { Logger } from './logger.ts';
import { openTap, type LinkCounters, type TapDevice } from './native/index.ts';
import { parseIcmpv6 } from './frames/neighbor-discovery.ts';
import type { NeighborProxy } from './neighbor-proxy.ts';

/** What the overlay needs from the node. */
export interface OverlayNode {
  readonly address: Address;
  sendData(dst: Address, payload: Uint8Array, opts: { nextHeader: number }): boolean;
}

/** Options for Overlay.open. */
export interface OverlayOptions {
  name: string;
  mtu: number;
  node: OverlayNode;
  logger: Logger;
}

/** The overlay interface and its translation to and from data packets. */
export class Overlay {
  readonly name: string;
  readonly mtu: number;
  readonly #tap: TapDevice;
  readonly #node: OverlayNode;
  readonly #logger: Logger;
  readonly #stats: Record<string, number> = {};
  #proxy: NeighborProxy | null = null;

  private constructor(tap: TapDevice, opts: OverlayOptions) {
    this.#tap = tap;
    this.name = tap.name;
    this.mtu = tap.mtu;
    this.#node = opts.node;
    this.#logger = opts.logger;
  }

  /** Creates the TAP (MAC = node address, MTU as given, up) and starts translating what the host sends. */
  static open(opts: OverlayOptions): Overlay {
    const tap = openTap(opts.name, { mtu: opts.mtu, mac: opts.node.address, up: true });
    const overlay = new Overlay(tap, opts);
    tap.onFrames((frames) => {
      for (const f of frames) overlay.#fromHost(f);
    });
    return overlay;
  }

  /** Sets who answers ARP and neighbour solicitations (built after the overlay, as it writes through it). */
  setNeighborProxy(proxy: NeighborProxy): void {
    this.#proxy = proxy;
  }

  /** Writes a whole Ethernet frame to the host. */
  write(frame: Uint8Array): void {
    if (this.#tap.write(frame)) this.count('overlay.framesToHost');
    else this.count('overlay.writeFailed');
  }

  /** A data packet delivered to this node: rebuilt into the frame the sender's host wrote. */
  deliver(packet: DataPacket): void {
    if (packet.dataFlags & DataFlag.GROUP) {
      this.count('overlay.groupDeliveryDropped');
      return;
    }
    if (packet.dst !== this.#node.address) {
      // KEY deliveries (closest node, not exact match) carry no frame for this host.
      this.count('overlay.notForThisHost');
      return;
    }
    this.write(buildEthernet(packet.dst, packet.src, packet.nextHeader, packet.payload));
  }

  /** Counters of the translation (overlay.*) and of the TAP itself. */
  counters(): { translation: Record<string, number>; tap: LinkCounters } {
    return { translation: { ...this.#stats }, tap: this.#tap.counters };
  }

  /** Adds to a translation counter. */
  count(name: string, by = 1): void {
    this.#stats[name] = (this.#stats[name] ?? 0) + by;
  }

  /** Closes the TAP, which removes the interface (and its addresses). */
  close(): void {
    this.#tap.close();
  }

  /** One frame the host sent on the overlay. Never throws: the TAP callback must not kill the daemon. */
  #fromHost(frame: Uint8Array): void {
    try {
      this.count('overlay.framesFromHost');
      const eth = parseEthernet(frame);
      if (!eth) {
        this.count('overlay.runtDropped');
        return;
      }
      if (eth.src !== this.#node.address) {
        this.count('overlay.foreignSourceDropped');
        return;
      }
      if (eth.etherType === EtherType.ARP) {
        if (this.#proxy) this.#proxy.onArp(eth);
        else this.count('overlay.arpWithoutProxy');
        return;
      }
      if (eth.etherType === EtherType.IPV6) {
        const icmp = parseIcmpv6(eth.payload);
        if (icmp && this.#proxy?.onIcmpv6(eth, icmp)) return;
      }
      if (isGroupMac(eth.dst)) {
        this.count('overlay.groupDropped');
        return;
      }
      if (!this.#node.sendData(eth.dst, eth.payload, { nextHeader: eth.etherType })) {
        this.count('overlay.noRoute');
        return;
      }
      this.count('overlay.packetsSent');
    } catch (error) {
      this.count('overlay.internalErrors');
      this.#logger.error('overlay frame handling failed', {
        error: String((error as Error)?.stack ?? error),
        node: formatAddress(this.#node.address),
      });
    }
  }
}
