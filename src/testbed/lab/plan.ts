// The lab plan: a loaded topology and a seed turned into everything the controller will create, decided
// before anything is created (so a bad topology or an impossible lab fails with nothing left behind), and
// saved in lab.json so that every later verb works without the topology file.
//
// Invariants (checked by test/unit/testbed/lab/plan.test.ts):
//  - node addresses are assignAddresses(topology, seed): from the seed and the NAME, never the position;
//  - overlay IPv4 addresses are unique and in 198.18.0.0/15 (derived from the address, a collision moved to
//    the next free host in name order); IPv6 is the derived ULA address (unique because addresses are);
//  - every link has interface names unique within each of its two nodes (eth1, eth2, ... in link order,
//    as containerlab numbers them), at most 15 characters;
//  - per-node seeds are derived from the run seed and the node name.

import { createHash } from 'node:crypto';
import { formatAddress, type Address } from '../../vrr/address.ts';
import { assignAddresses } from '../../topology/addresses.ts';
import type { LinkParams, NodeProtocol, Topology, VrrParams } from '../../topology/types.ts';
import { deriveOverlayIpv4, deriveOverlayIpv6 } from '../../topology/overlay-addresses.ts';
import { formatIpv4, parseIpv4 } from '../../topology/ip-address.ts';
import type { RuntimeKind } from '../runtime/runtime.ts';

/** One node of the lab. */
export interface PlannedNode {
  name: string;
  /** VRR address, text form (02:..). */
  address: string;
  vrr: VrrParams;
  /** The routing daemon it runs (absent in a lab.json from before babeld nodes: vrrd). */
  protocol?: NodeProtocol;
  /** Overlay addresses as CIDRs (`198.18.0.11/15`, `fd76:7272::200:0:b/64`). */
  ipv4: string;
  ipv6: string;
  /** Seed of this node's vrrd: derived from the run seed and the name. */
  seed: number;
  /** The node's link interfaces, in link order. */
  interfaces: { ifname: string; link: number; peer: string }[];
  /** True when its vrrd holds the mesh's network key (a keyed mesh; the key itself is only in the node's key file). */
  keyed?: boolean;
}

/** One link: a veth pair. */
export interface PlannedLink {
  /** Index in the topology's link list (stable name of the link). */
  index: number;
  a: string;
  b: string;
  /** Interface names inside a and inside b. */
  ifA: string;
  ifB: string;
  aToB: LinkParams;
  bToA: LinkParams;
}

/** Everything `up` creates, and what later verbs need to find it again. */
export interface LabPlan {
  lab: string;
  runId: string;
  runtime: RuntimeKind;
  seed: number;
  /** Absolute path of the topology file it was planned from. */
  topologyFile: string;
  nodes: PlannedNode[];
  links: PlannedLink[];
}

/** Inputs of planLab besides the topology. */
export interface PlanOptions {
  seed: number;
  runtime: RuntimeKind;
  runId: string;
  /** Lab name (default: the topology's name). */
  lab?: string;
}

/** Plans the lab; pure (no I/O). */
export function planLab(topology: Topology, options: PlanOptions): LabPlan {
  const addresses = assignAddresses(topology, options.seed);
  const ipv4 = assignIpv4(
    topology.nodes.map((n) => n.name),
    addresses,
  );
  const interfaces = new Map<string, PlannedNode['interfaces']>(topology.nodes.map((n) => [n.name, []]));
  const links: PlannedLink[] = topology.links.map((link, index) => {
    const ifA = nextInterface(interfaces.get(link.a)!, index, link.b);
    const ifB = nextInterface(interfaces.get(link.b)!, index, link.a);
    return { index, a: link.a, b: link.b, ifA, ifB, aToB: link.aToB, bToA: link.bToA };
  });
  const nodes: PlannedNode[] = topology.nodes.map((node) => {
    const address = addresses.get(node.name)!;
    const v6 = deriveOverlayIpv6(address);
    return {
      name: node.name,
      address: formatAddress(address),
      vrr: node.vrr,
      protocol: node.protocol ?? 'vrrd',
      ipv4: ipv4.get(node.name)!,
      ipv6: `${v6.address}/${v6.prefixLength}`,
      seed: nodeSeed(options.seed, node.name),
      interfaces: interfaces.get(node.name)!,
      ...(topology.security && node.keyed !== false ? { keyed: true } : {}),
    };
  });
  return {
    lab: options.lab ?? topology.name,
    runId: options.runId,
    runtime: options.runtime,
    seed: options.seed,
    topologyFile: topology.file,
    nodes,
    links,
  };
}

/** A node's vrrd seed: 32 bits of SHA-256(`${runSeed}:node:${name}`). */
export function nodeSeed(runSeed: number, name: string): number {
  return createHash('sha256').update(`${runSeed}:node:${name}`).digest().readUInt32BE(0);
}

/** The routing daemon a planned node runs. */
export function protocolOf(node: PlannedNode): NodeProtocol {
  return node.protocol ?? 'vrrd';
}

/** The IPv4 overlay address (without prefix length) of a planned node. */
export function hostIpv4(node: PlannedNode): string {
  return node.ipv4.split('/')[0];
}

/** The IPv6 overlay address (without prefix length) of a planned node. */
export function hostIpv6(node: PlannedNode): string {
  return node.ipv6.split('/')[0];
}

/** The planned node called name; throws naming the lab's nodes when there is none. */
export function plannedNode(plan: LabPlan, name: string): PlannedNode {
  const node = plan.nodes.find((n) => n.name === name);
  if (!node) {
    throw new Error(
      `lab ${plan.lab} has no node ${JSON.stringify(name)} (nodes: ${summarizeNames(plan.nodes.map((n) => n.name))})`,
    );
  }
  return node;
}

/** The planned link between a and b (either order); throws naming the node's links when there is none. */
export function plannedLink(plan: LabPlan, a: string, b: string): PlannedLink {
  plannedNode(plan, a);
  plannedNode(plan, b);
  const link = plan.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  if (!link) {
    const peers = plan.links.filter((l) => l.a === a || l.b === a).map((l) => (l.a === a ? l.b : l.a));
    throw new Error(`lab ${plan.lab} has no link ${a} -- ${b} (${a} links to: ${summarizeNames(peers)})`);
  }
  return link;
}

function summarizeNames(names: string[]): string {
  if (names.length === 0) return 'none';
  return names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, ... (${names.length})`;
}

function nextInterface(list: PlannedNode['interfaces'], link: number, peer: string): string {
  const ifname = `eth${list.length + 1}`;
  list.push({ ifname, link, peer });
  return ifname;
}

const IPV4_BASE = 198 * 2 ** 24 + 18 * 2 ** 16;
const IPV4_HOSTS = 2 ** 17;

/** Derived overlay IPv4 per node; a node whose derived address is taken gets the next free one (name order). */
function assignIpv4(names: string[], addresses: ReadonlyMap<string, Address>): Map<string, string> {
  const taken = new Set<number>();
  const result = new Map<string, string>();
  for (const name of [...names].sort()) {
    const derived = deriveOverlayIpv4(addresses.get(name)!);
    let host = ipv4Value(derived.address) - IPV4_BASE;
    while (taken.has(host)) host = host + 1 >= IPV4_HOSTS - 1 ? 1 : host + 1;
    taken.add(host);
    result.set(name, `${ipv4Text(IPV4_BASE + host)}/${derived.prefixLength}`);
  }
  return result;
}

function ipv4Value(text: string): number {
  const b = parseIpv4(text);
  return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
}

function ipv4Text(value: number): string {
  return formatIpv4(Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff));
}
