// IPv6 neighbour discovery (RFC 4861) as far as the overlay needs it: reading the neighbour solicitations the
// host sends on vrr0 and building the neighbour advertisements vrrd writes back in the owner's name.

import { readMac, writeMac } from './ethernet.ts';

const IPV6_HEADER_LENGTH = 40;
const NEXT_HEADER_ICMPV6 = 58;
/** ICMPv6 types. */
export const Icmpv6Type = {
  ROUTER_SOLICITATION: 133,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
} as const;
const OPTION_SOURCE_LINK_ADDRESS = 1;
const OPTION_TARGET_LINK_ADDRESS = 2;
/** NA flags (first byte after the checksum): Solicited, Override. */
const NA_SOLICITED = 0x40;
const NA_OVERRIDE = 0x20;

/** The fields of an ICMPv6 message in an IPv6 packet with no extension headers. */
export interface Icmpv6Message {
  src: Uint8Array;
  dst: Uint8Array;
  hopLimit: number;
  type: number;
  /** The ICMPv6 message from its type byte on. */
  body: Uint8Array;
}

/** A neighbour solicitation: who asks (src, possibly ::), for which target, and its link-layer address if given. */
export interface NeighborSolicitation {
  src: Uint8Array;
  dst: Uint8Array;
  target: Uint8Array;
  sourceMac: number | null;
}

/** Reads the ICMPv6 message of an IPv6 payload; null when it is not ICMPv6 directly after the fixed header. */
export function parseIcmpv6(ipv6: Uint8Array): Icmpv6Message | null {
  if (ipv6.length < IPV6_HEADER_LENGTH + 4 || ipv6[0] >> 4 !== 6) return null;
  if (ipv6[6] !== NEXT_HEADER_ICMPV6) return null;
  const payloadLength = (ipv6[4] << 8) | ipv6[5];
  if (IPV6_HEADER_LENGTH + payloadLength > ipv6.length) return null;
  const body = ipv6.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + payloadLength);
  return { src: ipv6.subarray(8, 24), dst: ipv6.subarray(24, 40), hopLimit: ipv6[7], type: body[0], body };
}

/**
 * Reads a neighbour solicitation; null when the message is not one or breaks RFC 4861 §7.1.1 (hop limit 255,
 * code 0, at least 24 bytes, options of non-zero length). The checksum is the kernel's: it built the packet.
 */
export function parseNeighborSolicitation(m: Icmpv6Message): NeighborSolicitation | null {
  if (
    m.type !== Icmpv6Type.NEIGHBOR_SOLICITATION ||
    m.hopLimit !== 255 ||
    m.body.length < 24 ||
    m.body[1] !== 0
  ) {
    return null;
  }
  let sourceMac: number | null = null;
  for (let at = 24; at + 2 <= m.body.length;) {
    const len = m.body[at + 1] * 8;
    if (len === 0 || at + len > m.body.length) return null;
    if (m.body[at] === OPTION_SOURCE_LINK_ADDRESS && len >= 8) sourceMac = readMac(m.body, at + 2);
    at += len;
  }
  return { src: m.src, dst: m.dst, target: m.body.subarray(8, 24), sourceMac };
}

/** True for the unspecified address :: (the source of a duplicate address detection probe). */
export function isUnspecified(ip: Uint8Array): boolean {
  return ip.every((b) => b === 0);
}

/**
 * The IPv6 packet of a solicited neighbour advertisement answering `ns` for `ownerMac`: from the target, to the
 * solicitor, hop limit 255, flags Solicited|Override, with the target link-layer address option.
 */
export function buildNeighborAdvertisement(ns: NeighborSolicitation, ownerMac: number): Uint8Array {
  const icmpLength = 32;
  const out = new Uint8Array(IPV6_HEADER_LENGTH + icmpLength);
  out[0] = 0x60;
  out[4] = icmpLength >> 8;
  out[5] = icmpLength & 0xff;
  out[6] = NEXT_HEADER_ICMPV6;
  out[7] = 255;
  out.set(ns.target, 8);
  out.set(ns.src, 24);
  const icmp = out.subarray(IPV6_HEADER_LENGTH);
  icmp[0] = Icmpv6Type.NEIGHBOR_ADVERTISEMENT;
  icmp[4] = NA_SOLICITED | NA_OVERRIDE;
  icmp.set(ns.target, 8);
  icmp[24] = OPTION_TARGET_LINK_ADDRESS;
  icmp[25] = 1;
  writeMac(icmp, 26, ownerMac);
  const sum = icmpv6Checksum(out.subarray(8, 24), out.subarray(24, 40), icmp);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return out;
}

/** The ICMPv6 checksum over the IPv6 pseudo-header and the message (with its checksum field zero). */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, icmp: Uint8Array): number {
  let sum = 0;
  const add = (buf: Uint8Array): void => {
    for (let i = 0; i + 1 < buf.length; i += 2) sum += (buf[i] << 8) | buf[i + 1];
    if (buf.length % 2 === 1) sum += buf[buf.length - 1] << 8;
  };
  add(src);
  add(dst);
  sum += icmp.length; // upper-layer length (< 65536 here)
  sum += NEXT_HEADER_ICMPV6;
  const saved = [icmp[2], icmp[3]];
  icmp[2] = 0;
  icmp[3] = 0;
  add(icmp);
  icmp[2] = saved[0];
  icmp[3] = saved[1];
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
