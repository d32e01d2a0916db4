// The overlay TAP (vrr0): the host's view of the ring as one Ethernet link. Its MAC is the node's VRR address.
// A unicast frame the host writes becomes a data packet (Source = Ethernet source, Destination = Ethernet
// destination, Next Header = EtherType, payload = Ethernet payload); a data packet delivered here is rebuilt into
// that frame and written back. ARP requests and neighbour solicitations are answered from the DHT (never sent).
// Group frames (multicast MACs, broadcast) go to the multicast extension: IGMP/MLD reports become joins and
// leaves, anything else is sent on the group's tree; a group packet delivered here is rebuilt the same way.
// From the mesh only IPv4 and IPv6 reach the host, and never ARP nor ICMPv6 router or neighbour discovery
// (router solicitation and advertisement, neighbour solicitation and advertisement, redirect): the host's
// neighbour table is vrrd's to fill (neighbor-proxy.ts), and a remote node must not set the host's routes or
// neighbours. Each dropped frame is counted (overlay.fromMesh.*).

import { formatAddress, type Address } from '../vrr/address.ts';
import { DataFlag, type DataPacket } from '../vrr/wire/types.ts';
import { EtherType, isGroupMac, parseEthernet, type EthernetFrame } from './frames/ethernet.ts';
import type { Logger } from './logger.ts';
import { openTap, type LinkCounters, type TapDevice } from './native/index.ts';
import { Icmpv6Type, parseIcmpv6 } from './frames/neighbor-discovery.ts';
import { parseIgmp, parseMld, type MembershipParse } from './frames/group-membership.ts';
import type { MulticastGroups } from './multicast-groups.ts';
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
  /** The namespace to create the TAP in (undefined: here). */
  netns?: string;
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
  #multicast: MulticastGroups | null = null;

  private constructor(tap: TapDevice, opts: OverlayOptions) {
    this.#tap = tap;
    this.name = tap.name;
    this.mtu = tap.mtu;
    this.#node = opts.node;
    this.#logger = opts.logger;
  }

  /** Creates the TAP (MAC = node address, MTU as given, up) and starts translating what the host sends. */
  static open(opts: OverlayOptions): Overlay {
    // Offload: the host's TCP hands over 64 KiB super-packets (cut back into MTU-sized segments natively) and
    // receives merged ones; batched writes make each wake-up's deliveries one merge opportunity.
    const settings = {
      mtu: opts.mtu,
      mac: opts.node.address,
      up: true,
      batchWrites: true,
      netns: opts.netns,
    };
    let tap: TapDevice;
    try {
      tap = openTap(opts.name, { ...settings, offload: true });
    } catch (error) {
      // A kernel without TAP offload (TUNSETOFFLOAD refused): plain frames work, only slower. If the TAP
      // cannot be opened at all, the second attempt throws the same error.
      tap = openTap(opts.name, settings);
      opts.logger.warn('overlay TAP offload unavailable, frames go unsegmented', { error });
    }
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

  /** Sets where group frames go (built after the overlay, as its deliveries write through it). */
  setMulticast(multicast: MulticastGroups): void {
    this.#multicast = multicast;
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
    if (!this.#admitFromMesh(packet)) return;
    this.#writeFrame(packet);
  }

  /** A group packet delivered to this node: the frame the source's host wrote (dst = the group MAC). */
  deliverGroup(packet: DataPacket): void {
    if (!this.#admitFromMesh(packet)) return;
    this.count('overlay.groupDelivered');
    this.#writeFrame(packet);
  }

  /** Whether a packet from the mesh may reach the host: IPv4, or IPv6 that is no discovery message (counted). */
  #admitFromMesh(packet: DataPacket): boolean {
    if (packet.nextHeader === EtherType.IPV4) return true;
    if (packet.nextHeader === EtherType.IPV6) {
      const type = icmpv6TypeOf(packet.payload);
      if (type === null || !DISCOVERY_TYPES.has(type)) return true;
      this.count('overlay.fromMesh.discoveryDropped');
      return false;
    }
    this.count(
      packet.nextHeader === EtherType.ARP ? 'overlay.fromMesh.arpDropped' : 'overlay.fromMesh.notIpDropped',
    );
    return false;
  }

  /** Writes the frame a data packet stands for: dst, src, EtherType = Next Header, payload. */
  #writeFrame(packet: DataPacket): void {
    if (this.#tap.writeEthernet(packet.dst, packet.src, packet.nextHeader, packet.payload)) {
      this.count('overlay.framesToHost');
    } else {
      this.count('overlay.writeFailed');
    }
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

  /** A group frame from the host: a membership report changes what this node joined, anything else is sent. */
  #toGroup(eth: EthernetFrame): void {
    const mc = this.#multicast;
    if (!mc) {
      this.count('overlay.groupDropped');
      return;
    }
    const membership: MembershipParse =
      eth.etherType === EtherType.IPV4
        ? parseIgmp(eth.payload)
        : eth.etherType === EtherType.IPV6
          ? parseMld(eth.payload)
          : { status: 'not-membership' };
    if (membership.status === 'malformed') {
      this.count('overlay.membershipMalformed');
      this.#logger.debug('malformed membership report dropped', { why: membership.why });
      return;
    }
    if (membership.status === 'ok') {
      this.count('overlay.membershipReports');
      if (membership.ignored > 0) this.count('overlay.membershipIgnored', membership.ignored);
      for (const c of membership.changes) {
        if (c.join) mc.join(c.group);
        else mc.leave(c.group);
        this.count(c.join ? 'overlay.groupJoins' : 'overlay.groupLeaves');
      }
      return;
    }
    if (mc.send(eth.dst, eth.payload, eth.etherType)) this.count('overlay.groupPacketsSent');
    else this.count('overlay.groupSendFailed');
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
        if (icmp?.type === Icmpv6Type.ROUTER_SOLICITATION) {
          // The overlay has no routers (vrrd sets the addresses), and every host solicits at start, just when
          // the ring is still forming: registering each node as a source of all-routers then is pure churn.
          this.count('overlay.routerSolicitationDropped');
          return;
        }
      }
      if (isGroupMac(eth.dst)) {
        this.#toGroup(eth);
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

/** ICMPv6 router and neighbour discovery (RFC 4861): router solicitation to redirect. */
const DISCOVERY_TYPES: ReadonlySet<number> = new Set([133, 134, 135, 136, 137]);
const IPV6_EXTENSION_HEADERS: ReadonlySet<number> = new Set([0, 43, 60]); // hop-by-hop, routing, destination
const FRAGMENT_HEADER = 44;
const ICMPV6 = 58;

/**
 * The ICMPv6 type of an IPv6 packet, found past its extension headers (a discovery message wrapped in them is still
 * one), or null when it carries no ICMPv6 (or is cut short, or is a later fragment, which carries no type).
 */
export function icmpv6TypeOf(ipv6: Uint8Array): number | null {
  if (ipv6.length < 40 || ipv6[0] >> 4 !== 6) return null;
  let next = ipv6[6];
  let at = 40;
  for (let headers = 0; headers < 16; headers++) {
    if (next === ICMPV6) return at < ipv6.length ? ipv6[at] : null;
    if (IPV6_EXTENSION_HEADERS.has(next)) {
      if (at + 2 > ipv6.length) return null;
      next = ipv6[at];
      at += (ipv6[at + 1] + 1) * 8;
    } else if (next === FRAGMENT_HEADER) {
      if (at + 8 > ipv6.length || ((ipv6[at + 2] << 8) | ipv6[at + 3]) & 0xfff8) return null;
      next = ipv6[at];
      at += 8;
    } else {
      return null;
    }
  }
  return null;
}
