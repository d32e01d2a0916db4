// IP multicast groups as VRR group addresses: the Ethernet multicast MAC of the group (RFC 1112 §6.4: 01:00:5e
// plus the low 23 bits of an IPv4 group; RFC 2464 §7: 33:33 plus the low 32 bits of an IPv6 group). The overlay
// is one Ethernet link, so the MAC the host already puts on a group frame is the group's name on the ring.

import { isGroupAddress, parseAddress, type Address } from '../../vrr/address.ts';
import { parseIpv4, parseIpv6 } from '../../topology/ip-address.ts';

/** The group MAC of an IPv4 multicast group (4 bytes at offset); null when it is not 224.0.0.0/4. */
export function ipv4GroupMac(ip: Uint8Array, offset = 0): Address | null {
  if (ip.length < offset + 4 || ip[offset] >> 4 !== 0xe) return null;
  return 0x01005e000000 + (ip[offset + 1] & 0x7f) * 0x10000 + ip[offset + 2] * 0x100 + ip[offset + 3];
}

/** The group MAC of an IPv6 multicast group (16 bytes at offset); null when it is not ff00::/8. */
export function ipv6GroupMac(ip: Uint8Array, offset = 0): Address | null {
  if (ip.length < offset + 16 || ip[offset] !== 0xff) return null;
  let low = 0;
  for (let i = 12; i < 16; i++) low = low * 256 + ip[offset + i];
  return 0x333300000000 + low;
}

/** True for an IPv6 solicited-node group ff02::1:ffxx:xxxx (neighbour discovery, which the DHT answers). */
export function isSolicitedNodeGroup(ip: Uint8Array, offset = 0): boolean {
  const head = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff];
  return ip.length >= offset + 16 && head.every((b, i) => ip[offset + i] === b);
}

/**
 * Parses a group as the user writes it: an IPv4 or IPv6 multicast address, or a 48-bit group MAC
 * (ff:ff:ff:ff:ff:ff = broadcast). Throws a RangeError saying what was expected.
 */
export function parseGroup(text: string): Address {
  const fail = (): never => {
    throw new RangeError(
      `expected a multicast group like 239.1.1.1, ff0e::1 or 01:00:5e:01:01:01, found ${JSON.stringify(text)}`,
    );
  };
  let group: Address | null = null;
  try {
    if (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) group = parseAddress(text);
    else if (text.includes(':')) group = ipv6GroupMac(parseIpv6(text));
    else group = ipv4GroupMac(parseIpv4(text));
  } catch {
    fail();
  }
  if (group === null || !isGroupAddress(group)) fail();
  return group as Address;
}
