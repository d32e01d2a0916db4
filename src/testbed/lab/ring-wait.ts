// Waiting for a real lab's ring: every alive vrrd's tables collected over its control socket and judged by
// the same pure verdict the simulator uses (src/checks/ring-consistent), polled until consistent or a deadline.

import { collectRingSnapshots } from '../../checks/ring-consistent/lab.ts';
import { checkRingConsistency, type RingConsistencyResult } from '../../checks/ring-consistent/verdict.ts';
import { labProbe } from '../verify/lab-probe.ts';
import { restrictProbe } from '../../checks/lab-probe.ts';
import type { LabAccess } from './lab-access.ts';

/**
 * One verdict on the lab's ring now: its vrrd nodes' (babeld nodes have none; a lab of only those passes).
 * vsetsOnly: activity and vsets alone, without asking for the route tables (RingConsistencyOptions.vsetsOnly).
 */
export async function ringNow(lab: LabAccess, vsetsOnly = false): Promise<RingConsistencyResult> {
  const probe = restrictProbe(labProbe(lab), ['vrrd']);
  const outcomes = await collectRingSnapshots(probe, { routes: !vsetsOnly });
  return checkRingConsistency(
    outcomes.map((o) => o.snapshot),
    probe.upLinks().map(([a, b]) => [a, b]),
    { vsetsOnly },
  );
}

/**
 * A poll's verdict, cheap first: vsets alone, and the full verdict (route tables too) only once every vset is
 * right. The daemons answer from the same event loop that runs the protocol, and handing over the routes of a
 * forming 1,024-node lab took minutes a poll, starving the ring being waited for. `full` says which it is.
 */
export async function pollRing(lab: LabAccess): Promise<{ verdict: RingConsistencyResult; full: boolean }> {
  const vsets = await ringNow(lab, true);
  return vsets.passed ? { verdict: await ringNow(lab), full: true } : { verdict: vsets, full: false };
}

/** Outcome of waitForRing. */
export interface RingWait {
  consistent: boolean;
  /** ms from the call until the ring was first seen consistent (null: never within the deadline). */
  afterMs: number | null;
  last: RingConsistencyResult;
}

/**
 * Polls the ring (pollRing) every intervalMs until consistent or timeoutMs passed; the verdict returned at the
 * deadline is a full one.
 */
export async function waitForRing(
  lab: LabAccess,
  timeoutMs: number,
  intervalMs: number,
  onPoll?: (result: RingConsistencyResult, elapsedMs: number) => void,
): Promise<RingWait> {
  const start = lab.now();
  for (;;) {
    const { verdict: last, full } = await pollRing(lab);
    const elapsed = lab.now() - start;
    onPoll?.(last, elapsed);
    if (last.passed) return { consistent: true, afterMs: elapsed, last };
    if (elapsed >= timeoutMs)
      return { consistent: false, afterMs: null, last: full ? last : await ringNow(lab) };
    await lab.sleep(intervalMs);
  }
}
