// Waiting for a real lab's ring: every alive vrrd's tables collected over its control socket and judged by
// the same pure checker the simulator uses (verify/ring-consistency.ts), polled until consistent or a deadline.

import { parseAddress } from '../../vrr/address.ts';
import {
  checkRingConsistency,
  type NodeSnapshot,
  type RingConsistencyResult,
} from '../verify/ring-consistency.ts';
import type { LabAccess } from './lab-access.ts';
import { plannedNode } from './plan.ts';
import { mapLimit } from './pool.ts';

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

/** Every alive node's tables as the ring checker takes them (a node that does not answer counts as inactive). */
export async function collectSnapshots(lab: LabAccess): Promise<NodeSnapshot[]> {
  return mapLimit(lab.aliveNodes(), 16, async (name) => {
    const address = parseAddress(plannedNode(lab.plan, name).address);
    try {
      const [vset, routes, neighbors] = await Promise.all([
        lab.ctl<VsetReply>(name, 'vset'),
        lab.ctl<RouteReply[]>(name, 'routes'),
        lab.ctl<NeighborReply[]>(name, 'neighbors'),
      ]);
      return {
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
    } catch {
      const vsetSize = plannedNode(lab.plan, name).vrr.vsetSize;
      return {
        name,
        address,
        alive: true,
        active: false,
        vsetSize,
        vset: [],
        routes: [],
        linkedNeighbors: [],
      };
    }
  });
}

/** One verdict on the lab's ring now. */
export async function ringNow(lab: LabAccess): Promise<RingConsistencyResult> {
  return checkRingConsistency(await collectSnapshots(lab), lab.upLinks());
}

/** Outcome of waitForRing. */
export interface RingWait {
  consistent: boolean;
  /** ms from the call until the ring was first seen consistent (null: never within the deadline). */
  afterMs: number | null;
  last: RingConsistencyResult;
}

/** Polls the ring every intervalMs until consistent or timeoutMs passed. */
export async function waitForRing(
  lab: LabAccess,
  timeoutMs: number,
  intervalMs: number,
  onPoll?: (result: RingConsistencyResult, elapsedMs: number) => void,
): Promise<RingWait> {
  const start = lab.now();
  for (;;) {
    const last = await ringNow(lab);
    const elapsed = lab.now() - start;
    onPoll?.(last, elapsed);
    if (last.passed) return { consistent: true, afterMs: elapsed, last };
    if (elapsed >= timeoutMs) return { consistent: false, afterMs: null, last };
    await lab.sleep(intervalMs);
  }
}
