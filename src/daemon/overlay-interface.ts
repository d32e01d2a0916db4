// Configuring the overlay TAP's IP addresses (and the MULTICAST flag) with `ip` at start, inside the node's
// namespace, and reading them back for the DHT mappings; the addresses themselves are derived in
// src/topology/overlay-addresses.ts.

import { execFile } from 'node:child_process';
import type { Cidr } from '../topology/ip-address.ts';
import { NodeNamespace } from './node-namespace.ts';

const OWN = NodeNamespace.own();

/**
 * Puts the addresses on the overlay interface. `replace` makes a restart after a crash idempotent; IPv6 goes
 * without duplicate address detection, which would only delay start-up: DAD probes are multicast and the
 * overlay answers neighbour solicitations from the DHT, where a duplicate would show as a conflicting mapping.
 */
export async function configureOverlayAddresses(
  ifname: string,
  addresses: readonly Cidr[],
  ns: NodeNamespace = OWN,
): Promise<void> {
  for (const cidr of addresses) {
    const args =
      cidr.family === 4
        ? ['-4', 'addr', 'replace', `${cidr.address}/${cidr.prefixLength}`, 'dev', ifname]
        : ['-6', 'addr', 'replace', `${cidr.address}/${cidr.prefixLength}`, 'dev', ifname, 'nodad'];
    const [file, ...argv] = ns.ipArgv(args);
    const result = await run(file, argv);
    if (result.exitCode !== 0) {
      throw new Error(
        `${[file, ...argv].join(' ')} failed (exit ${result.exitCode}, netns ${ns.label}): ${String(result.stderr).trim()}`,
      );
    }
  }
}

/**
 * The IPv4 and IPv6 addresses configured on an interface now (what the node publishes in the DHT), read by the
 * addon (getifaddrs inside the namespace): no `ip` child, which from a daemon of tens of MB costs a fork.
 */
export async function readInterfaceAddresses(ifname: string, ns: NodeNamespace = OWN): Promise<Cidr[]> {
  try {
    return ns.addresses(ifname);
  } catch {
    return []; // the namespace is gone (the node is stopping): nothing to publish
  }
}

/**
 * readInterfaceAddresses behind a cache of maxAgeMs: the mapping publisher asks on every vset change and every
 * second while a node has no ring; in a lab of a hundred nodes on two cores those reads add up. An address
 * added by hand shows within maxAgeMs.
 */
export function cachedInterfaceAddresses(
  ifname: string,
  maxAgeMs: number,
  now: () => number = Date.now,
  ns: NodeNamespace = OWN,
): () => Promise<Cidr[]> {
  let cached: { at: number; addresses: Promise<Cidr[]> } | null = null;
  return () => {
    if (cached === null || now() - cached.at >= maxAgeMs) {
      cached = { at: now(), addresses: readInterfaceAddresses(ifname, ns) };
    }
    return cached.addresses;
  };
}

/**
 * Turns the MULTICAST flag on (so the kernel sends IGMP/MLD reports on the interface and accepts group frames
 * there) and adds no route: which groups go to the overlay is the host's routing to decide.
 */
export async function enableOverlayMulticast(ifname: string, ns: NodeNamespace = OWN): Promise<void> {
  const [file, ...argv] = ns.ipArgv(['link', 'set', 'dev', ifname, 'multicast', 'on']);
  const result = await run(file, argv);
  if (result.exitCode !== 0) {
    throw new Error(
      `ip link set ${ifname} multicast on failed (netns ${ns.label}): ${String(result.stderr).trim()}`,
    );
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
