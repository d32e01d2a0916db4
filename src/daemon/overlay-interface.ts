// Configuring the overlay TAP's IP addresses (and the MULTICAST flag) with `ip` at start; the addresses
// themselves are derived in src/topology/overlay-addresses.ts.

import { execFile } from 'node:child_process';
import { parseCidr, type Cidr } from '../topology/ip-address.ts';

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
