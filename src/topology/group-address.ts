// Multicast group addresses in checks: an IPv4 group (224.0.0.0/4), an IPv6 group (ff00::/8) or a 48-bit
// VRR group address. Each maps to the 48-bit group address VRR forwards on, the way Ethernet maps IP
// multicast: 01:00:5e + the low 23 bits of IPv4, 33:33 + the low 32 bits of IPv6.

import { BROADCAST, formatAddress, isGroupAddress, parseAddress } from '../vrr/address.ts';
import type { Address } from '../vrr/address.ts';
import { UnitError } from './units.ts';

/** How to write a group, for error messages and docs. */
export const GROUP_FORMAT =
  'a multicast group: IPv4 224.0.0.0-239.255.255.255, IPv6 ff00::/8, or a 48-bit group address';

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV4_MULTICAST_MAC_BASE = 0x01005e * 2 ** 24;
const IPV6_MULTICAST_MAC_BASE = 0x3333 * 2 ** 32;

/** Parses a group as written in a check and returns the 48-bit group address it maps to. */
export function parseGroupAddress(text: string): Address {
  const v4 = IPV4_PATTERN.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255) || octets[0] < 224 || octets[0] > 239) {
      throw new UnitError(GROUP_FORMAT, JSON.stringify(text));
    }
    return IPV4_MULTICAST_MAC_BASE + (octets[1] & 0x7f) * 65536 + octets[2] * 256 + octets[3];
  }
  if (text.includes('::') || /^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){7}$/.test(text)) {
    const groups = expandIpv6(text);
    if (!groups || groups[0] >> 8 !== 0xff) throw new UnitError(GROUP_FORMAT, JSON.stringify(text));
    return IPV6_MULTICAST_MAC_BASE + groups[6] * 65536 + groups[7];
  }
  let address: Address;
  try {
    address = parseAddress(text);
  } catch {
    throw new UnitError(GROUP_FORMAT, JSON.stringify(text));
  }
  if (!isGroupAddress(address) || address === BROADCAST) {
    throw new UnitError(
      `${GROUP_FORMAT} (first octet with bit 0x01 set, not the broadcast address)`,
      formatAddress(address),
    );
  }
  return address;
}

// The eight 16-bit groups of an IPv6 address in hex notation with at most one `::`; null when malformed.
function expandIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
}
