// Answers the host's address resolution on the overlay from the DHT, so ARP requests and neighbour
// solicitations never cross the ring (docs/wire.md, overlay mapping). The reply is written to the overlay
// interface as if the owner had sent it. Questions it cannot answer (no mapping, DHT unreachable) are counted
// and left unanswered: the kernel asks again, and reports the address unreachable when it gives up.

import { formatAddress } from '../vrr/address.ts';
import type { AddressMappings } from './address-mappings.ts';
import { ArpOp, arpReplyFor, buildArp, parseArp } from './frames/arp.ts';
import { buildEthernet, EtherType, type EthernetFrame } from './frames/ethernet.ts';
import { formatIpv4, formatIpv6 } from '../topology/ip-address.ts';
import type { Logger } from './logger.ts';
import {
  buildNeighborAdvertisement,
  isUnspecified,
  parseNeighborSolicitation,
  type Icmpv6Message,
} from './frames/neighbor-discovery.ts';

/** What the proxy needs from the overlay. */
export interface NeighborProxyOptions {
  mappings: AddressMappings;
  /** Writes a whole Ethernet frame to the overlay interface. */
  write(frame: Uint8Array): void;
  count(name: string, by?: number): void;
  logger: Logger;
}

/** Answers ARP requests and neighbour solicitations from the DHT. */
export class NeighborProxy {
  readonly #o: NeighborProxyOptions;

  /** Ready at once. */
  constructor(opts: NeighborProxyOptions) {
    this.#o = opts;
  }

  /** An ARP frame the host sent: requests are answered from the DHT, anything else is dropped. */
  onArp(frame: EthernetFrame): void {
    const arp = parseArp(frame.payload);
    if (!arp) {
      this.#o.count('overlay.arpMalformed');
      return;
    }
    if (arp.op !== ArpOp.REQUEST) {
      this.#o.count('overlay.arpOtherDropped');
      return;
    }
    const target = formatIpv4(arp.targetIp);
    // Gratuitous ARP (sender = target) and probes (sender 0.0.0.0) announce rather than ask.
    if (formatIpv4(arp.senderIp) === target || arp.senderIp.every((b) => b === 0)) {
      this.#o.count('overlay.arpAnnouncementDropped');
      return;
    }
    this.#o.count('overlay.arpRequests');
    const request = {
      ...arp,
      senderIp: Uint8Array.from(arp.senderIp),
      targetIp: Uint8Array.from(arp.targetIp),
    };
    void this.#resolve(4, target, (mac) => {
      const reply = buildArp(arpReplyFor(request, mac));
      this.#o.write(buildEthernet(request.senderMac, mac, EtherType.ARP, reply));
      this.#o.count('overlay.arpReplies');
    });
  }

  /** An ICMPv6 message the host sent: solicitations are answered from the DHT; true when it was handled here. */
  onIcmpv6(frame: EthernetFrame, message: Icmpv6Message): boolean {
    const ns = parseNeighborSolicitation(message);
    if (!ns) return false;
    if (isUnspecified(ns.src)) {
      // Duplicate address detection: answering would make the host give its address up.
      this.#o.count('overlay.dadProbeDropped');
      return true;
    }
    this.#o.count('overlay.neighborSolicitations');
    const solicitation = {
      ...ns,
      src: Uint8Array.from(ns.src),
      dst: Uint8Array.from(ns.dst),
      target: Uint8Array.from(ns.target),
    };
    const requester = ns.sourceMac ?? frame.src;
    void this.#resolve(6, formatIpv6(ns.target), (mac) => {
      const na = buildNeighborAdvertisement(solicitation, mac);
      this.#o.write(buildEthernet(requester, mac, EtherType.IPV6, na));
      this.#o.count('overlay.neighborAdvertisements');
    });
    return true;
  }

  async #resolve(family: 4 | 6, address: string, answer: (mac: number) => void): Promise<void> {
    try {
      const r = await this.#o.mappings.lookup(family, address);
      if (r.mac === null) {
        this.#o.count('overlay.resolveFailed');
        this.#o.logger.debug('address not resolved', { address, why: r.why });
        return;
      }
      this.#o.logger.debug('address resolved', { address, mac: formatAddress(r.mac) });
      answer(r.mac);
    } catch (error) {
      this.#o.count('overlay.resolveFailed');
      this.#o.logger.warn('address resolution failed', { address, error });
    }
  }
}
