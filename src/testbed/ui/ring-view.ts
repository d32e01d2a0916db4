// The ring as the page highlights it: the ring checker's verdict (verify/ring-consistency.ts, the same one
// `status`, `verify` and the simulator use) plus, per node, which virtual neighbours are missing or wrong, so the
// page can draw those edges instead of only listing lines. Pure: snapshots and up links in, a UiRing out.

import { formatAddress, type Address } from '../../vrr/address.ts';
import {
  checkRingConsistency,
  expectedVset,
  type NodeSnapshot,
  type UpLink,
} from '../../checks/ring-consistent/verdict.ts';
import type { UiRing } from './ui-types.ts';

/** Problem lines kept for the page. */
const MAX_PROBLEMS = 200;

/**
 * The verdict and the highlights. With `routes` false (a replay knows vsets from events, not next hops) the
 * route and path parts of the check are skipped and only activity and vsets are judged.
 */
export function ringView(
  snapshots: readonly NodeSnapshot[],
  upLinks: readonly UpLink[],
  routes: boolean,
): UiRing {
  const nameOf = new Map<Address, string>(snapshots.map((s) => [s.address, s.name]));
  const label = (a: Address): string => nameOf.get(a) ?? formatAddress(a);
  const { missing, wrong } = vsetDifferences(snapshots, upLinks, label);
  if (routes) {
    const verdict = checkRingConsistency(snapshots, upLinks, { maxProblems: MAX_PROBLEMS });
    return {
      passed: verdict.passed,
      partitions: verdict.partitions,
      figures: { ...verdict.figures },
      problems: verdict.problems,
      problemCount: countProblems(verdict.problems),
      nodeProblems: problemsByNode(verdict.problems, snapshots),
      missing,
      wrong,
      brokenPaths: brokenPaths(verdict.problems),
      routesChecked: true,
    };
  }
  const alive = snapshots.filter((s) => s.alive);
  const problems: string[] = [];
  for (const s of alive) if (!s.active) problems.push(`${s.name} is not active`);
  for (const [n, m] of missing) problems.push(`${n}: vset lacks ${m}`);
  for (const [n, m] of wrong) problems.push(`${n}: vset holds ${m}, which it should not`);
  const kept = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > kept.length) kept.push(`... and ${problems.length - kept.length} more problems`);
  const partitions = components(alive, upLinks).length;
  return {
    passed: problems.length === 0,
    partitions,
    figures: {
      nodes: alive.length,
      partitions,
      inactiveNodes: alive.filter((s) => !s.active).length,
      wrongVsets: new Set([...missing, ...wrong].map(([n]) => n)).size,
    },
    problems: kept,
    problemCount: problems.length,
    nodeProblems: problemsByNode(problems, snapshots),
    missing,
    wrong,
    brokenPaths: [],
    routesChecked: false,
  };
}

/** Per node, the expected vset (per partition, as the checker defines it) against the one it holds. */
export function vsetDifferences(
  snapshots: readonly NodeSnapshot[],
  upLinks: readonly UpLink[],
  label: (a: Address) => string,
): { missing: [string, string][]; wrong: [string, string][] } {
  const missing: [string, string][] = [];
  const wrong: [string, string][] = [];
  for (const part of components(
    snapshots.filter((s) => s.alive),
    upLinks,
  )) {
    const ring = [...new Set(part.map((s) => s.address))].sort((x, y) => x - y);
    for (const s of part) {
      const want = new Set(expectedVset(ring, s.address, s.vsetSize).map((e) => e.address));
      const have = new Set(s.vset);
      for (const a of want) if (!have.has(a)) missing.push([s.name, label(a)]);
      for (const a of have) if (!want.has(a)) wrong.push([s.name, label(a)]);
    }
  }
  return { missing, wrong };
}

/** Connected components of the given nodes over the up links, in snapshot order. */
export function components(nodes: readonly NodeSnapshot[], upLinks: readonly UpLink[]): NodeSnapshot[][] {
  const byName = new Map(nodes.map((s) => [s.name, s]));
  const adjacent = new Map<string, string[]>(nodes.map((s) => [s.name, []]));
  for (const [a, b] of upLinks) {
    if (!byName.has(a) || !byName.has(b) || a === b) continue;
    adjacent.get(a)!.push(b);
    adjacent.get(b)!.push(a);
  }
  const seen = new Set<string>();
  const parts: NodeSnapshot[][] = [];
  for (const start of nodes) {
    if (seen.has(start.name)) continue;
    seen.add(start.name);
    const part = [start];
    for (let i = 0; i < part.length; i++) {
      for (const peer of adjacent.get(part[i].name)!) {
        if (seen.has(peer)) continue;
        seen.add(peer);
        part.push(byName.get(peer)!);
      }
    }
    parts.push(part);
  }
  return parts;
}

// (node, member) of the checker's path lines: "r1c1 (02:..): no vset-path to member r2c2 (02:..)" and
// "r1c1 (02:..): vset-path #7 to member r2c2 (02:..) breaks after ...".
function brokenPaths(lines: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const line of lines) {
    const m = /^(\S+) \([^)]*\): (?:no vset-path|vset-path #\d+) to member (\S+)/.exec(line);
    if (m) out.push([m[1], m[2]]);
  }
  return out;
}

// The lines kept, plus the ones the checker's last line says it left out.
function countProblems(lines: readonly string[]): number {
  const more = /^\.\.\. and (\d+) more problems$/.exec(lines[lines.length - 1] ?? '');
  return more ? lines.length - 1 + Number(more[1]) : lines.length;
}

// Every problem line starts with the node it is about ("r1c1 (02:..): ..." or "r1c1: ..."): count them per node.
function problemsByNode(
  lines: readonly string[],
  snapshots: readonly NodeSnapshot[],
): Record<string, number> {
  const names = new Set(snapshots.map((s) => s.name));
  const out: Record<string, number> = {};
  for (const line of lines) {
    const name = /^([^\s:]+)/.exec(line)?.[1];
    if (name !== undefined && names.has(name)) out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}
