// The complete-path invariant the fuzzer checks after quiescence: every vset member of every alive node is
// reachable along route entries present at every hop, in both directions. Walking from the node along its entry's
// next hop, each hop must hold the same (ea, pathId) entry, pointing back to the hop it came from, until the
// member; and the same walk from the member must come back. (The ring check's conditions 3 and 4 imply it; this one
// names the broken hop of each half-installed path, the bug the path check, src/vrr/path-check.ts, repairs.)

import { formatAddress, type Address } from '../../vrr/address.ts';
import type { RouteView } from '../../vrr/paths.ts';
import type { NodeSnapshot } from '../../checks/node-snapshot.ts';
import type { CheckReport } from '../../checks/report.ts';

/** What the walk needs of a node. */
export type PathNode = Pick<NodeSnapshot, 'address' | 'vset' | 'routes'> & { alive?: boolean };

/** Why the walk from `from` along r toward its other endpoint fails, or null when it arrives. */
function walkProblem(byAddress: Map<Address, PathNode>, from: Address, r: RouteView): string | null {
  const towardB = r.ea === from;
  const target = towardB ? r.eb : r.ea;
  let at = from;
  let prev: Address | null = null;
  for (let hops = 0; hops <= byAddress.size; hops++) {
    const node = byAddress.get(at);
    if (node === undefined || node.alive === false) return `hop ${formatAddress(at)} is not alive`;
    const e = node.routes.find((x) => x.ea === r.ea && x.pathId === r.pathId);
    if (e === undefined) return `hop ${formatAddress(at)} holds no entry`;
    const back = towardB ? e.na : e.nb;
    if (back !== prev)
      return `hop ${formatAddress(at)} points back to ${formatAddress(back ?? 0)}, not ${formatAddress(prev ?? 0)}`;
    if (at === target) return null;
    const next = towardB ? e.nb : e.na;
    if (next === null)
      return `hop ${formatAddress(at)} ends the path, yet it is not ${formatAddress(target)}`;
    prev = at;
    at = next;
  }
  return 'the walk loops';
}

/** Every (node, vset member) pair without a complete path both ways, as problem lines (empty when all hold). */
export function incompletePaths(nodes: readonly PathNode[]): string[] {
  const byAddress = new Map<Address, PathNode>();
  for (const n of nodes) if (n.alive !== false) byAddress.set(n.address, n);
  const out: string[] = [];
  for (const node of byAddress.values()) {
    for (const m of node.vset) {
      const paths = node.routes.filter(
        (r) => (r.ea === node.address && r.eb === m) || (r.eb === node.address && r.ea === m),
      );
      let why = 'no path';
      const complete = paths.some((r) => {
        why = walkProblem(byAddress, node.address, r) ?? walkProblem(byAddress, m, r) ?? '';
        return why === '';
      });
      if (!complete) out.push(`${formatAddress(node.address)} -> vset member ${formatAddress(m)}: ${why}`);
    }
  }
  return out;
}

/** The invariant as a check report over a network's snapshots. */
export function completePathsReport(snapshots: readonly NodeSnapshot[]): CheckReport {
  const problems = incompletePaths(snapshots);
  return {
    name: 'complete-paths',
    passed: problems.length === 0,
    figures: { incompletePaths: problems.length },
    problems: problems.slice(0, 20),
  };
}
