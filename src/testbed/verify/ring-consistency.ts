// The ring-consistent check (testbed.md, "What each check means"), as a pure function over snapshots:
// the simulator feeds it its nodes' tables, the testbed feeds it what every vrrd reports, and both get
// the same verdict and the same problem lines.
//
// Definition. Take the alive nodes and the physical links that are up; each connected component is a
// partition. The ring is consistent when, in every partition:
//  1. every node is active;
//  2. every node's vset is exactly its true r closest addresses in that partition: the r/2 nearest
//     clockwise and the r/2 nearest counter-clockwise (with <= r other nodes: all of them);
//  3. every route entry is sound: na/nb is null only at the matching endpoint, and otherwise names a
//     linked neighbour over an up link that holds the same (ea, pathId) entry pointing back;
//  4. for every vset member there is a route with this node and the member as its two endpoints whose
//     hops, followed node by node, actually lead to the member.

import { clockwise, formatAddress, type Address } from '../../vrr/address.ts';

/** One routing-table entry as a node reports it; na/nb null = this node is that endpoint. */
export interface RouteView {
  ea: Address;
  eb: Address;
  pathId: number;
  na: Address | null;
  nb: Address | null;
}

/** What the check needs to know about one node. */
export interface NodeSnapshot {
  name: string;
  address: Address;
  /** False for a crashed or stopped node: it takes no part in any partition. */
  alive: boolean;
  active: boolean;
  /** The node's configured r. */
  vsetSize: number;
  vset: Address[];
  routes: RouteView[];
  /** Addresses of the physical neighbours the node considers linked. */
  linkedNeighbors: Address[];
}

/** A physical link that is up, by node names. */
export type UpLink = readonly [string, string];

/** Counts describing the state checked. */
export interface RingConsistencyFigures {
  /** Alive nodes. */
  nodes: number;
  partitions: number;
  inactiveNodes: number;
  /** Nodes whose vset differs from the expected one. */
  wrongVsets: number;
  /** Route entries over all alive nodes. */
  routes: number;
  /** Route entries with a hop that does not exist or does not point back. */
  brokenHops: number;
  /** (node, vset member) pairs without a working vset-path. */
  missingPaths: number;
}

/** The verdict: passed only when there is no problem. */
export interface RingConsistencyResult {
  passed: boolean;
  /** Number of connected partitions of alive nodes. */
  partitions: number;
  figures: RingConsistencyFigures;
  /** One line per problem, naming the node, the expected and found member, or the broken hop. */
  problems: string[];
}

/** Tuning of the check. */
export interface RingConsistencyOptions {
  /** Problem lines kept (a last line says how many more there were). Default 100. */
  maxProblems?: number;
}

interface NodeInfo {
  snap: NodeSnapshot;
  partition: number;
  routesByKey: Map<string, RouteView>;
  linked: Set<Address>;
  physical: Set<string>;
}

const routeKey = (ea: Address, pathId: number): string => `${ea}/${pathId}`;

/** Checks that the ring is consistent in every partition; see the definition at the top of this file. */
export function checkRingConsistency(
  snapshots: readonly NodeSnapshot[],
  upLinks: readonly UpLink[],
  options: RingConsistencyOptions = {},
): RingConsistencyResult {
  const maxProblems = options.maxProblems ?? 100;
  const problems: string[] = [];
  let problemCount = 0;
  const report = (line: string): void => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(line);
  };

  const info = new Map<string, NodeInfo>();
  const byAddress = new Map<Address, NodeInfo>();
  for (const snap of snapshots) {
    if (!snap.alive) continue;
    const routesByKey = new Map<string, RouteView>();
    for (const r of snap.routes) routesByKey.set(routeKey(r.ea, r.pathId), r);
    const node: NodeInfo = {
      snap,
      partition: -1,
      routesByKey,
      linked: new Set(snap.linkedNeighbors),
      physical: new Set(),
    };
    info.set(snap.name, node);
    const clash = byAddress.get(snap.address);
    if (clash) {
      report(`${snap.name} and ${clash.snap.name} share the address ${formatAddress(snap.address)}`);
    } else {
      byAddress.set(snap.address, node);
    }
  }
  const label = (a: Address): string => {
    const n = byAddress.get(a);
    return n ? `${n.snap.name} (${formatAddress(a)})` : formatAddress(a);
  };

  for (const [a, b] of upLinks) {
    const na = info.get(a);
    const nb = info.get(b);
    if (!na || !nb || a === b) continue; // links to dead nodes carry nothing
    na.physical.add(b);
    nb.physical.add(a);
  }

  // Partitions: connected components in snapshot order, so numbering is deterministic.
  const partitions: NodeInfo[][] = [];
  for (const start of info.values()) {
    if (start.partition !== -1) continue;
    const members = [start];
    start.partition = partitions.length;
    for (let i = 0; i < members.length; i++) {
      for (const peerName of members[i].physical) {
        const peer = info.get(peerName)!;
        if (peer.partition === -1) {
          peer.partition = start.partition;
          members.push(peer);
        }
      }
    }
    partitions.push(members);
  }

  const figures: RingConsistencyFigures = {
    nodes: info.size,
    partitions: partitions.length,
    inactiveNodes: 0,
    wrongVsets: 0,
    routes: 0,
    brokenHops: 0,
    missingPaths: 0,
  };

  for (const node of info.values()) {
    if (!node.snap.active) {
      figures.inactiveNodes++;
      report(`${label(node.snap.address)} is not active`);
    }
  }

  // Expected vsets, per partition, from the partition's addresses in ring order.
  for (const members of partitions) {
    const ring = members.map((m) => m.snap.address).sort((x, y) => x - y);
    for (const node of members) {
      const expected = expectedVset(ring, node.snap.address, node.snap.vsetSize);
      if (!checkVset(node, expected, label, report, byAddress)) figures.wrongVsets++;
    }
  }

  // Route entries: each hop must exist and point back.
  for (const node of info.values()) {
    const me = node.snap.address;
    for (const r of node.snap.routes) {
      figures.routes++;
      const where = `${node.snap.name}: route ${label(r.ea)} -> ${label(r.eb)} #${r.pathId}`;
      let broken = false;
      for (const side of ['na', 'nb'] as const) {
        const endpoint = side === 'na' ? r.ea : r.eb;
        const hop = r[side];
        if (hop === null) {
          if (endpoint !== me) {
            broken = true;
            report(`${where} has no next hop toward ${label(endpoint)}, yet this node is not that endpoint`);
          }
          continue;
        }
        const problem = hopProblem(node, r, side, hop, byAddress, label);
        if (problem) {
          broken = true;
          report(`${where}: hop toward ${label(endpoint)} via ${label(hop)} ${problem}`);
        }
      }
      if (broken) figures.brokenHops++;
    }
  }

  // Every vset member must be reachable along a vset-path that ends at it.
  for (const node of info.values()) {
    for (const member of node.snap.vset) {
      const problem = vsetPathProblem(node, member, byAddress, label, info.size);
      if (problem) {
        figures.missingPaths++;
        report(`${label(node.snap.address)}: ${problem}`);
      }
    }
  }

  if (problemCount > problems.length)
    problems.push(`... and ${problemCount - problems.length} more problems`);
  return { passed: problemCount === 0, partitions: partitions.length, figures, problems };
}

/**
 * The vset a node at `me` should hold in a partition whose sorted addresses are `ring` (me included):
 * the ceil(r/2) nearest clockwise and floor(r/2) nearest counter-clockwise, or everyone when there
 * are no more than r others. Returned with the side each member is expected on.
 */
export function expectedVset(
  ring: readonly Address[],
  me: Address,
  vsetSize: number,
): { address: Address; side: 'clockwise' | 'counter-clockwise'; rank: number }[] {
  const n = ring.length;
  const others = n - 1;
  const index = ring.indexOf(me);
  if (index < 0) throw new RangeError(`expectedVset: ${formatAddress(me)} is not in the ring given`);
  const cwCount = others <= vsetSize ? others : Math.ceil(vsetSize / 2);
  const ccwCount = others <= vsetSize ? 0 : Math.floor(vsetSize / 2);
  const out: { address: Address; side: 'clockwise' | 'counter-clockwise'; rank: number }[] = [];
  for (let k = 1; k <= cwCount; k++) out.push({ address: ring[(index + k) % n], side: 'clockwise', rank: k });
  for (let k = 1; k <= ccwCount; k++) {
    out.push({ address: ring[(index - k + n) % n], side: 'counter-clockwise', rank: k });
  }
  return out;
}

function ordinal(k: number): string {
  const suffix =
    k % 10 === 1 && k % 100 !== 11
      ? 'st'
      : k % 10 === 2 && k % 100 !== 12
        ? 'nd'
        : k % 10 === 3 && k % 100 !== 13
          ? 'rd'
          : 'th';
  return `${k}${suffix}`;
}

function checkVset(
  node: NodeInfo,
  expected: ReturnType<typeof expectedVset>,
  label: (a: Address) => string,
  report: (line: string) => void,
  byAddress: Map<Address, NodeInfo>,
): boolean {
  const me = node.snap.address;
  const have = new Set(node.snap.vset);
  const want = new Set(expected.map((e) => e.address));
  const small = expected.length < node.snap.vsetSize;
  let ok = true;
  for (const e of expected) {
    if (have.has(e.address)) continue;
    ok = false;
    const which = small
      ? 'a member of its partition (it has no more than r others)'
      : `its ${ordinal(e.rank)} ${e.side} neighbour`;
    report(`${label(me)}: vset lacks ${label(e.address)}, ${which}`);
  }
  // Sorted clockwise from the node, so the lines come out in ring order.
  const extras = node.snap.vset
    .filter((a) => !want.has(a))
    .sort((x, y) => clockwise(me, x) - clockwise(me, y));
  for (const a of extras) {
    ok = false;
    const peer = byAddress.get(a);
    const why =
      a === me
        ? 'which is the node itself'
        : !peer
          ? 'which is no alive node'
          : peer.partition !== node.partition
            ? 'which is in another partition'
            : `which is not among its ${node.snap.vsetSize} closest`;
    report(`${label(me)}: vset holds ${label(a)}, ${why}`);
  }
  if (node.snap.vset.length !== have.size) {
    ok = false;
    report(`${label(me)}: vset lists a member twice`);
  }
  return ok;
}

// Why the hop `side` of route r at `node` is broken, or null when the neighbour holds the matching entry.
function hopProblem(
  node: NodeInfo,
  r: RouteView,
  side: 'na' | 'nb',
  hop: Address,
  byAddress: Map<Address, NodeInfo>,
  label: (a: Address) => string,
): string | null {
  if (!node.linked.has(hop)) return 'which this node does not list as a linked neighbour';
  const peer = byAddress.get(hop);
  if (!peer) return 'which is no alive node';
  if (!node.physical.has(peer.snap.name)) return 'over a link that is not up';
  const back = peer.routesByKey.get(routeKey(r.ea, r.pathId));
  if (!back) return 'which holds no entry for this path';
  if (back.eb !== r.eb) return `whose entry for this path ends at ${label(back.eb)}`;
  const pointer = side === 'na' ? back.nb : back.na;
  const me = node.snap.address;
  if (pointer !== me) {
    const dir = side === 'na' ? 'toward endpoint B' : 'toward endpoint A';
    return `whose entry points ${dir} at ${pointer === null ? 'nothing' : label(pointer)} instead of back here`;
  }
  return null;
}

// Why `node` has no working vset-path to `member`, or null when one leads there hop by hop.
function vsetPathProblem(
  node: NodeInfo,
  member: Address,
  byAddress: Map<Address, NodeInfo>,
  label: (a: Address) => string,
  maxHops: number,
): string | null {
  const me = node.snap.address;
  const candidates = node.snap.routes.filter(
    (r) => (r.ea === me && r.eb === member) || (r.eb === me && r.ea === member),
  );
  if (candidates.length === 0) return `no vset-path to member ${label(member)}`;
  let firstBreak = '';
  for (const r of candidates) {
    const towardB = r.ea === me; // walk from endpoint A along nb, or from B along na
    let at = node;
    let entry: RouteView | undefined = r;
    let hops = 0;
    let broke = '';
    for (;;) {
      const next = towardB ? entry.nb : entry.na;
      if (next === null) {
        if (at.snap.address !== member) broke = `ends at ${label(at.snap.address)}`;
        break;
      }
      if (++hops > maxHops) {
        broke = 'loops';
        break;
      }
      const peer = byAddress.get(next);
      entry = peer?.routesByKey.get(routeKey(r.ea, r.pathId));
      if (!peer || !entry) {
        broke = `breaks after ${label(at.snap.address)}`;
        break;
      }
      at = peer;
    }
    if (!broke) return null;
    firstBreak ||= `vset-path #${r.pathId} to member ${label(member)} ${broke}`;
  }
  return firstBreak;
}
