// The overlay's IP addressing plan: addresses derived from the VRR address, so a lab needs no address plan.
// Derived IPv4 lives in 198.18.0.0/15 (RFC 2544 benchmarking space), derived IPv6 in a ULA /64 shared by every
// node (so every node is on-link). Pure: the controller plans with it, vrrd configures its TAP with it.

import type { Address } from '../vrr/address.ts';
import { formatIpv4, formatIpv6, parseCidr, parseIpv6, type Cidr } from './ip-address.ts';

/** The overlay IPv4 network derived addresses are taken from. */
export const OVERLAY_IPV4_NETWORK = '198.18.0.0/15';
/** Default /64 for derived IPv6 addresses ("vrr" in the second and third octets). */
export const DEFAULT_IPV6_PREFIX = 'fd76:7272::/64';

const IPV4_HOST_BITS = 17; // a /15

/**
 * 198.18.0.0/15 plus the low 17 bits of the address. The all-zeros and all-ones hosts (network and broadcast)
 * are nudged inward. Two nodes whose addresses share their low 17 bits collide: pin one with --ipv4.
 */
export function deriveOverlayIpv4(address: Address): Cidr {
  const hosts = 2 ** IPV4_HOST_BITS;
  let host = address % hosts;
  if (host === 0) host = 1;
  if (host === hosts - 1) host = hosts - 2;
  const value = 198 * 2 ** 24 + 18 * 2 ** 16 + host;
  const bytes = Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
  return { family: 4, address: formatIpv4(bytes), prefixLength: 32 - IPV4_HOST_BITS };
}

/** The /64 prefix followed by 0000 and the 48-bit address: 02:00:00:00:00:0b -> fd76:7272::200:0:b/64. */
export function deriveOverlayIpv6(address: Address, prefix: string = DEFAULT_IPV6_PREFIX): Cidr {
  const p = parseCidr(prefix.includes('/') ? prefix : `${prefix}/64`);
  if (p.family !== 6 || p.prefixLength !== 64) {
    throw new RangeError(`ipv6 prefix: expected an IPv6 /64 like ${DEFAULT_IPV6_PREFIX}, found ${prefix}`);
  }
  const bytes = new Uint8Array(16);
  const prefixBytes = parseIpv6(p.address);
  bytes.set(prefixBytes.subarray(0, 8), 0);
  let v = address;
  for (let i = 15; i >= 10; i--) {
    bytes[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return { family: 6, address: formatIpv6(bytes), prefixLength: 64 };
}
