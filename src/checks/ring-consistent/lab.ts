// The ring-consistent check's lab half: every alive vrrd's vset, routes and linked neighbours collected over
// its control socket (the same requests as the vrrd tests' LineLab.snapshots()) and judged by the pure verdict
// the simulator half also uses (verdict.ts), so both report the same verdict and the same problem lines.

import { parseAddress } from '../../vrr/address.ts';
import type { LabProbe } from '../lab-probe.ts';
import { mapLimit } from '../map-limit.ts';
import type { NodeSnapshot } from '../node-snapshot.ts';
import { checkResult, type CheckResult } from '../report.ts';
import { checkRingConsistency } from './verdict.ts';

/** Tuning of the ring check. */
export interface RingCheckOptions {
  /** Nodes asked at once. Default 16. */
  concurrency?: number;
  /** Problem lines kept. Default 100. */
  maxProblems?: number;
}

interface VsetReply {
  active: boolean;
  vsetSize: number;
  members: { address: string }[];
}

interface RouteReply {
  ea: string;
  eb: string;
  pathId: number;
  na: string | null;
  nb: string | null;
}

interface NeighborReply {
  address: string;
  state: string;
}

/** A node's tables, or why its vrrd did not hand them over. */
export type SnapshotOutcome = { snapshot: NodeSnapshot; error: string | null };

/** Every alive node's tables; a node that does not answer counts as inactive with empty tables, and says why. */
export async function collectRingSnapshots(
  lab: LabProbe,
  options: Pick<RingCheckOptions, 'concurrency'> & { routes?: boolean } = {},
): Promise<SnapshotOutcome[]> {
  // routes: false leaves the route tables out (empty), for a vsets-only verdict (RingConsistencyOptions.vsetsOnly).
  const withRoutes = options.routes !== false;
  return mapLimit(lab.aliveNodes(), options.concurrency ?? 16, async (name) => {
    const planned = lab.node(name);
    const address = parseAddress(planned.address);
    try {
      const [vset, routes, neighbors] = await Promise.all([
        lab.ctl<VsetReply>(name, 'vset'),
        withRoutes ? lab.ctl<RouteReply[]>(name, 'routes') : Promise.resolve([] as RouteReply[]),
        lab.ctl<NeighborReply[]>(name, 'neighbors'),
      ]);
      const snapshot: NodeSnapshot = {
        name,
        address,
        alive: true,
        active: vset.active,
        vsetSize: vset.vsetSize,
        vset: vset.members.map((m) => parseAddress(m.address)),
        routes: routes.map((r) => ({
          ea: parseAddress(r.ea),
          eb: parseAddress(r.eb),
          pathId: r.pathId,
          na: r.na === null ? null : parseAddress(r.na),
          nb: r.nb === null ? null : parseAddress(r.nb),
        })),
        linkedNeighbors: neighbors.filter((n) => n.state === 'linked').map((n) => parseAddress(n.address)),
      };
      return { snapshot, error: null };
    } catch (error) {
      const snapshot: NodeSnapshot = {
        name,
        address,
        alive: true,
        active: false,
        vsetSize: planned.vsetSize,
        vset: [],
        routes: [],
        linkedNeighbors: [],
      };
      return { snapshot, error: (error as Error).message };
    }
  });
}

/** Collects every alive node's tables and checks that the ring is consistent in every partition. */
export async function runRingCheck(lab: LabProbe, options: RingCheckOptions = {}): Promise<CheckResult> {
  const outcomes = await collectRingSnapshots(lab, options);
  const verdict = checkRingConsistency(
    outcomes.map((o) => o.snapshot),
    lab.upLinks(),
    { maxProblems: options.maxProblems ?? 100 },
  );
  // A silent daemon explains its "is not active" line, so say it first.
  const silent = outcomes
    .filter((o) => o.error !== null)
    .map((o) => `${o.snapshot.name}: vrrd did not answer vset/routes/neighbors: ${o.error}`);
  return checkResult('ring-consistent', verdict.passed && silent.length === 0, { ...verdict.figures }, [
    ...silent,
    ...verdict.problems,
  ]);
}
