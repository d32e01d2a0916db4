// babeld nodes: a lab node whose topology says `protocol: babeld` runs babeld (Debian's package) instead of
// vrrd, so the same topology, faults and ping-all check run against a reference routing protocol.
//
// Such a node carries the same overlay addresses the plan gives a vrrd node (198.18.0.0/15 and the ULA), as
// host routes on its loopback, and babeld announces exactly those (`redistribute local ip ... ge 32/128`, every
// other local address denied). babeld speaks over the node's veth interfaces (IPv6 link-local: the lab turns
// IPv6 off on link interfaces for vrrd, so it is turned back on here) and installs kernel routes (proto babel;
// IPv4 via IPv6 next hops), which ping-all's pings then follow. Hellos every second, as vrrd's.
//
// Every file babeld touches is in the node's own directory of the lab (config, pid file, state file; its log
// is the daemon log the runtime opens), never the host's defaults (/etc/babeld.conf, /var/run/babeld.pid,
// /var/lib/babel-state), which every node would otherwise share.

import { closeSync, constants, openSync, unlinkSync, writeSync } from 'node:fs';
import { componentIndex } from '../../topology/graph.ts';
import { DEFAULT_IPV6_PREFIX } from '../../topology/overlay-addresses.ts';
import { ipBatch, tryInNode } from '../links/node-shell.ts';
import { labPaths } from './lab-dir.ts';
import type { Lab } from './lab.ts';
import { hostIpv4, hostIpv6, plannedNode, protocolOf } from './plan.ts';

/** babeld's hello interval in seconds (vrrd's default hello is 1 s). */
const HELLO_S = 1;

/** The nodes of the lab that run babeld. */
export function babeldNodes(lab: Lab): string[] {
  return lab.plan.nodes.filter((n) => protocolOf(n) === 'babeld').map((n) => n.name);
}

/** babeld's configuration for node: its interfaces, and only its own overlay addresses redistributed. */
export function babeldConfig(lab: Lab, node: string): string {
  const n = plannedNode(lab.plan, node);
  return [
    `# babeld of lab ${lab.plan.lab}, node ${n.name} (written by the testbed at every start)`,
    'random-id true',
    `state-file ${labPaths.babeldState(lab.identity.dir, node)}`,
    ...n.interfaces.map((i) => `interface ${i.ifname} type wired hello-interval ${HELLO_S}`),
    // The node's own host routes, nothing else of it (not the loopback's 127/8, not another address).
    'redistribute local ip 198.18.0.0/15 ge 32',
    `redistribute local ip ${DEFAULT_IPV6_PREFIX} ge 128`,
    'redistribute local deny',
    '',
  ].join('\n');
}

/** babeld's flags (without the command): config, pid file, hello intervals, interfaces. */
export function babeldFlags(lab: Lab, node: string): string[] {
  const n = plannedNode(lab.plan, node);
  const dir = lab.identity.dir;
  return [
    '-c',
    labPaths.babeldConf(dir, node),
    '-I',
    labPaths.babeldPid(dir, node),
    '-S',
    labPaths.babeldState(dir, node),
    '-h',
    String(HELLO_S),
    '-H',
    String(HELLO_S),
    ...n.interfaces.map((i) => i.ifname),
  ];
}

/**
 * Makes node ready for babeld: its overlay addresses as host routes on the loopback, IPv6 (link-local, no
 * duplicate address detection delay) on its link interfaces, forwarding on, the config written, a stale pid
 * file (a killed babeld's) removed, since babeld refuses to start over one.
 */
export async function prepareBabeldNode(lab: Lab, node: string): Promise<void> {
  const n = plannedNode(lab.plan, node);
  const h = lab.handle(node);
  const sysctls = [
    'net.ipv4.ip_forward=1',
    'net.ipv6.conf.all.forwarding=1',
    ...n.interfaces.flatMap((i) => [
      `net.ipv6.conf.${i.ifname}.accept_dad=0`,
      `net.ipv6.conf.${i.ifname}.disable_ipv6=0`,
    ]),
  ];
  const r = await tryInNode(h, ['sysctl', '-qw', ...sysctls]);
  if (!r.ok) throw new Error(`node ${node}: sysctl for babeld failed: ${r.stderr.trim()}`);
  await ipBatch(h, [
    'link set lo up',
    `address replace ${hostIpv4(n)}/32 dev lo`,
    `address replace ${hostIpv6(n)}/128 dev lo`,
  ]);
  writeNodeFile(labPaths.babeldConf(lab.identity.dir, node), babeldConfig(lab, node));
  try {
    unlinkSync(labPaths.babeldPid(lab.identity.dir, node));
  } catch {
    // None: the first start, or babeld removed it on a clean exit.
  }
}

/** Writes a file in a node's directory without following a symlink the node may have planted there. */
function writeNodeFile(path: string, text: string): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** The kernel routes babeld installed in node: destinations (IPv4 and IPv6), from `ip route ... proto babel`. */
export async function babelRoutes(lab: Lab, node: string): Promise<string[]> {
  const h = lab.handle(node);
  const [v4, v6] = await Promise.all([
    tryInNode(h, ['ip', '-4', 'route', 'show', 'proto', 'babel']),
    tryInNode(h, ['ip', '-6', 'route', 'show', 'proto', 'babel']),
  ]);
  return `${v4.stdout}\n${v6.stdout}`
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((d) => d !== undefined && d.length > 0)
    .map((d) => d.replace(/\/(32|128)$/, ''));
}

/**
 * Whether every alive babeld node has a kernel route (both families) to every other alive babeld node it is
 * connected to over links that are up; the pairs still missing otherwise ("a -> b"), at most a few.
 */
export async function babelRoutesComplete(lab: Lab): Promise<{ complete: boolean; missing: string[] }> {
  const alive = new Set(lab.aliveNodes());
  const nodes = babeldNodes(lab).filter((n) => alive.has(n));
  const links = lab.upLinks().filter(([a, b]) => nodes.includes(a) && nodes.includes(b));
  const component = componentIndex(nodes, links);
  const missing: string[] = [];
  await Promise.all(
    nodes.map(async (from) => {
      const routes = new Set(await babelRoutes(lab, from).catch(() => []));
      for (const to of nodes) {
        if (to === from || component.get(to) !== component.get(from)) continue;
        const t = plannedNode(lab.plan, to);
        if (!routes.has(hostIpv4(t)) || !routes.has(hostIpv6(t))) missing.push(`${from} -> ${to}`);
      }
    }),
  );
  return { complete: missing.length === 0, missing: missing.sort().slice(0, 10) };
}

/** Polls until babelRoutesComplete or timeoutMs; resolves to the ms it took, or null at the deadline. */
export async function waitForBabelRoutes(
  lab: Lab,
  timeoutMs: number,
  pollMs: number,
  checkpoint: () => void = () => {},
): Promise<number | null> {
  const start = Date.now();
  for (;;) {
    checkpoint();
    if ((await babelRoutesComplete(lab)).complete) return Date.now() - start;
    if (Date.now() - start >= timeoutMs) return null;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
