// The overlay's IP addressing: addresses derived from the VRR address (so a lab needs no address plan), and
// configuring them (and the MULTICAST flag) on the overlay TAP with `ip` at start. Derived IPv4 lives in 198.18.0.0/15 (RFC 2544
// benchmarking space), derived IPv6 in a ULA /64 shared by every node (so every node is on-link).

import { execFile } from 'node:child_process';
import type { Address } from '../vrr/address.ts';
import { formatIpv4, formatIpv6, parseCidr, parseIpv6, type Cidr } from './frames/ip-address.ts';

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

/**
 * Puts the addresses on the overlay interface. `replace` makes a restart after a crash idempotent; IPv6 goes
 * without duplicate address detection, which would only delay start-up: DAD probes are multicast and the
 * overlay answers neighbour solicitations from the DHT, where a duplicate would show as a conflicting mapping.
 */
export async function configureOverlayAddresses(ifname: string, addresses: readonly Cidr[]): Promise<void> {
  for (const cidr of addresses) {
    const args =
      cidr.family === 4
        ? ['-4', 'addr', 'replace', `${cidr.address}/${cidr.prefixLength}`, 'dev', ifname]
        : ['-6', 'addr', 'replace', `${cidr.address}/${cidr.prefixLength}`, 'dev', ifname, 'nodad'];
    const result = await run('ip', args);
    if (result.exitCode !== 0) {
      throw new Error(
        `ip ${args.join(' ')} failed (exit ${result.exitCode}): ${String(result.stderr).trim()}`,
      );
    }
  }
}

/** The IPv4 and IPv6 addresses configured on an interface now (what the node publishes in the DHT). */
export async function readInterfaceAddresses(ifname: string): Promise<Cidr[]> {
  const result = await run('ip', ['-j', 'addr', 'show', 'dev', ifname]);
  if (result.exitCode !== 0) return [];
  const parsed = JSON.parse(String(result.stdout) || '[]') as {
    addr_info?: { family: string; local: string; prefixlen: number; tentative?: boolean }[];
  }[];
  const out: Cidr[] = [];
  for (const link of parsed) {
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      try {
        out.push(parseCidr(`${a.local}/${a.prefixlen}`));
      } catch {
        // An address ip printed in a form we do not read: not published, nothing else breaks.
      }
    }
  }
  return out;
}

/**
 * readInterfaceAddresses behind a cache of maxAgeMs: the mapping publisher asks on every vset change and every
 * second while a node has no ring, and each ask forks `ip` from a daemon of tens of MB. In a lab of a hundred
 * daemons on two cores those forks alone starve the hellos; an address added by hand shows within maxAgeMs.
 */
export function cachedInterfaceAddresses(
  ifname: string,
  maxAgeMs: number,
  now: () => number = Date.now,
): () => Promise<Cidr[]> {
  let cached: { at: number; addresses: Promise<Cidr[]> } | null = null;
  return () => {
    if (cached === null || now() - cached.at >= maxAgeMs) {
      cached = { at: now(), addresses: readInterfaceAddresses(ifname) };
    }
    return cached.addresses;
  };
}

/**
 * Turns the MULTICAST flag on (so the kernel sends IGMP/MLD reports on the interface and accepts group frames
 * there) and adds no route: which groups go to the overlay is the host's routing to decide.
 */
export async function enableOverlayMulticast(ifname: string): Promise<void> {
  const result = await run('ip', ['link', 'set', 'dev', ifname, 'multicast', 'on']);
  if (result.exitCode !== 0) {
    throw new Error(`ip link set ${ifname} multicast on failed: ${String(result.stderr).trim()}`);
  }
}

/**
 * Runs a command to completion; never rejects (a spawn failure is exit code -1 with the error as stderr).
 * node:child_process rather than execa: the daemon's only commands are a few `ip` calls, and execa's ~200 KB of
 * modules cost every daemon memory for nothing.
 */
function run(file: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ exitCode: code, stdout, stderr: stderr || (error && code === -1 ? error.message : '') });
    });
  });
}
