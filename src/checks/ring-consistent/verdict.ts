// The ring-consistent check's verdict (testbed.md, "What each check means"), a pure function over snapshots:
// the simulator half feeds it its nodes' tables, the lab half what every vrrd reports, and both get the same
// verdict and the same problem lines.
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
import { lowerBound } from '../../vrr/routes.ts';
import { componentIndex } from '../../topology/graph.ts';
import type { NodeSnapshot, RouteView, UpLink } from '../node-snapshot.ts';

export type { NodeSnapshot, RouteView, UpLink } from '../node-snapshot.ts';

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
  /**
   * Judge activity and vsets only, not routes (the snapshots may carry none): a cheap first test for a poll of a
   * big lab, whose route tables cost its daemons far more to hand over than their vsets. Passing says nothing of
   * the paths.
   */
  vsetsOnly?: boolean;
}

interface NodeInfo {
  snap: NodeSnapshot;
  partition: number;
  /** The node's entries by pathId, then ea (numeric keys: the hop checks look up every entry's twin). */
  routesByPath: Map<number, RouteView | RouteView[]>;
  /** Entries with this node as one endpoint, by the other endpoint, in snapshot order. */
  pathsByPeer: Map<Address, RouteView[]>;
  linked: Set<Address>;
  physical: Set<string>;
}

/** The alive nodes and their partitions: what every part of the check works on. */
interface Network {
  info: Map<string, NodeInfo>;
  byAddress: Map<Address, NodeInfo>;
  partitions: NodeInfo[][];
  label: (a: Address) => string;
}

/**
 * Problem lines, counted all and kept up to a limit. A line is passed as a function and only built when it is
 * kept: the convergence poll keeps none, and the labels of a 1,000-node check would cost more than the check.
 */
class Problems {
  readonly lines: string[] = [];
  count = 0;

  constructor(private readonly max: number) {}

  report(line: () => string): void {
    this.count++;
    if (this.lines.length < this.max) this.lines.push(line());
  }
}

/** Checks that the ring is consistent in every partition; see the definition at the top of this file. */
export function checkRingConsistency(
  snapshots: readonly NodeSnapshot[],
  upLinks: readonly UpLink[],
  options: RingConsistencyOptions = {},
): RingConsistencyResult {
  const problems = new Problems(options.maxProblems ?? 100);
  const net = buildNetwork(snapshots, upLinks, problems, true);
  const { info, byAddress, partitions, label } = net;

  const figures: RingConsistencyFigures = {
    nodes: info.size,
    partitions: partitions.length,
    inactiveNodes: 0,
    wrongVsets: 0,
    routes: 0,
    brokenHops: 0,
    missingPaths: 0,
  };

  figures.inactiveNodes = checkActive(net, problems);
  figures.wrongVsets = checkVsets(net, problems);
  if (options.vsetsOnly === true) return finish(problems, partitions.length, figures);

  // Route entries: each hop must exist and point back.
  for (const node of info.values()) {
    const me = node.snap.address;
    for (const r of node.snap.routes) {
      figures.routes++;
      let broken = false;
      for (let s = 0; s < 2; s++) {
        const side = s === 0 ? 'na' : 'nb';
        const endpoint = s === 0 ? r.ea : r.eb;
        const hop = s === 0 ? r.na : r.nb;
        if (hop === null) {
          if (endpoint !== me) {
            broken = true;
            problems.report(
              () =>
                `${routeWhere(node, r, label)} has no next hop toward ${label(endpoint)}, yet this node is not that endpoint`,
            );
          }
          continue;
        }
        const problem = hopProblem(node, r, side, hop, byAddress, label);
        if (problem) {
          broken = true;
          problems.report(
            () => `${routeWhere(node, r, label)}: hop toward ${label(endpoint)} via ${label(hop)} ${problem}`,
          );
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
        problems.report(() => `${label(node.snap.address)}: ${problem}`);
      }
    }
  }

  return finish(problems, partitions.length, figures);
}

function finish(
  problems: Problems,
  partitions: number,
  figures: RingConsistencyFigures,
): RingConsistencyResult {
  const lines = problems.lines;
  if (problems.count > lines.length) lines.push(`... and ${problems.count - lines.length} more problems`);
  return { passed: problems.count === 0, partitions, figures, problems: lines };
}

/**
 * False when checkRingConsistency would find an inactive node or a wrong vset in these snapshots; true says
 * nothing about routes (it does not look at them: they may be left empty). A cheap first test for a poll: until
 * every vset is right the full check cannot pass, and the vsets of 1,000 nodes cost far less than their routes.
 */
export function vsetsConsistent(snapshots: readonly NodeSnapshot[], upLinks: readonly UpLink[]): boolean {
  const problems = new Problems(0);
  const net = buildNetwork(snapshots, upLinks, problems, false);
  if (problems.count > 0) return true; // an address clash: let the full check name it
  return checkActive(net, problems) === 0 && checkVsets(net, problems) === 0;
}

/** How many alive nodes hold the ring right now: a point of report.html's ring-health chart. */
export interface VsetHealth {
  /** Alive nodes. */
  nodes: number;
  /** Active, with exactly the vset the ring-consistent check expects in its partition. */
  right: number;
  /** Active, with another vset. */
  wrongVset: number;
  /** Not (yet) active. */
  inactive: number;
  partitions: number;
}

/** Counts nodes by the first two conditions of the check (active, right vset); routes are not looked at. */
export function vsetHealth(snapshots: readonly NodeSnapshot[], upLinks: readonly UpLink[]): VsetHealth {
  const quiet = new Problems(0);
  const net = buildNetwork(snapshots, upLinks, quiet, false);
  const health: VsetHealth = {
    nodes: net.info.size,
    right: 0,
    wrongVset: 0,
    inactive: 0,
    partitions: net.partitions.length,
  };
  for (const members of net.partitions) {
    const ring = members.map((m) => m.snap.address).sort((x, y) => x - y);
    for (const node of members) {
      if (!node.snap.active) health.inactive++;
      else if (
        checkVset(
          node,
          expectedVset(ring, node.snap.address, node.snap.vsetSize),
          net.label,
          quiet,
          net.byAddress,
        )
      )
        health.right++;
      else health.wrongVset++;
    }
  }
  return health;
}

// The alive nodes, indexed, and their partitions. Reports address clashes. `indexRoutes` builds the route
// indexes the route and path checks need.
function buildNetwork(
  snapshots: readonly NodeSnapshot[],
  upLinks: readonly UpLink[],
  problems: Problems,
  indexRoutes: boolean,
): Network {
  const info = new Map<string, NodeInfo>();
  const byAddress = new Map<Address, NodeInfo>();
  for (const snap of snapshots) {
    if (!snap.alive) continue;
    const node: NodeInfo = {
      snap,
      partition: -1,
      routesByPath: new Map(),
      pathsByPeer: new Map(),
      linked: new Set(snap.linkedNeighbors),
      physical: new Set(),
    };
    if (indexRoutes) indexNodeRoutes(node);
    info.set(snap.name, node);
    const clash = byAddress.get(snap.address);
    if (clash) {
      problems.report(
        () => `${snap.name} and ${clash.snap.name} share the address ${formatAddress(snap.address)}`,
      );
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

  // Partitions: connected components over the up links, numbered in snapshot order, members in snapshot order.
  const component = componentIndex([...info.keys()], upLinks);
  const partitions: NodeInfo[][] = [];
  for (const node of info.values()) {
    node.partition = component.get(node.snap.name)!;
    (partitions[node.partition] ??= []).push(node);
  }
  return { info, byAddress, partitions, label };
}

// Fills a node's route indexes. A repeated (ea, pathId) keeps the last entry, as a map keyed by it would.
function indexNodeRoutes(node: NodeInfo): void {
  const me = node.snap.address;
  for (const r of node.snap.routes) {
    const slot = node.routesByPath.get(r.pathId);
    if (slot === undefined) {
      node.routesByPath.set(r.pathId, r);
    } else if (Array.isArray(slot)) {
      const i = slot.findIndex((x) => x.ea === r.ea);
      if (i >= 0) slot[i] = r;
      else slot.push(r);
    } else {
      node.routesByPath.set(r.pathId, slot.ea === r.ea ? r : [slot, r]);
    }
    const peer = r.ea === me ? r.eb : r.eb === me ? r.ea : null;
    if (peer === null) continue;
    const list = node.pathsByPeer.get(peer);
    if (list) list.push(r);
    else node.pathsByPeer.set(peer, [r]);
  }
}

// How a route's problem lines start.
function routeWhere(node: NodeInfo, r: RouteView, label: (a: Address) => string): string {
  return `${node.snap.name}: route ${label(r.ea)} -> ${label(r.eb)} #${r.pathId}`;
}

// The node's entry (ea, pathId), if any.
function routeAt(node: NodeInfo, ea: Address, pathId: number): RouteView | undefined {
  const slot = node.routesByPath.get(pathId);
  if (slot === undefined) return undefined;
  if (!Array.isArray(slot)) return slot.ea === ea ? slot : undefined;
  for (const r of slot) if (r.ea === ea) return r;
  return undefined;
}

// Reports every inactive node; returns how many there are.
function checkActive(net: Network, problems: Problems): number {
  let inactive = 0;
  for (const node of net.info.values()) {
    if (!node.snap.active) {
      inactive++;
      problems.report(() => `${net.label(node.snap.address)} is not active`);
    }
  }
  return inactive;
}

// Expected vsets, per partition, from the partition's addresses in ring order; returns the wrong ones.
function checkVsets(net: Network, problems: Problems): number {
  let wrong = 0;
  for (const members of net.partitions) {
    const ring = members.map((m) => m.snap.address).sort((x, y) => x - y);
    for (const node of members) {
      const expected = expectedVset(ring, node.snap.address, node.snap.vsetSize);
      if (!checkVset(node, expected, net.label, problems, net.byAddress)) wrong++;
    }
  }
  return wrong;
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
  const index = firstIndexOf(ring, me);
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

// ring.indexOf(me) for an ascending ring, by binary search (the check asks it for every node).
function firstIndexOf(ring: readonly Address[], me: Address): number {
  const at = lowerBound(ring, me);
  return at < ring.length && ring[at] === me ? at : -1;
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
  problems: Problems,
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
    problems.report(() => `${label(me)}: vset lacks ${label(e.address)}, ${which}`);
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
    problems.report(() => `${label(me)}: vset holds ${label(a)}, ${why}`);
  }
  if (node.snap.vset.length !== have.size) {
    ok = false;
    problems.report(() => `${label(me)}: vset lists a member twice`);
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
  const back = routeAt(peer, r.ea, r.pathId);
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
  const candidates = node.pathsByPeer.get(member) ?? [];
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
      entry = peer && routeAt(peer, r.ea, r.pathId);
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
