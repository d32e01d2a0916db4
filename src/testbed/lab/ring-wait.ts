// Waiting for a real lab's ring: every alive vrrd's tables collected over its control socket and judged by
// the same pure verdict the simulator uses (src/checks/ring-consistent), polled until consistent or a deadline.

import { collectRingSnapshots } from '../../checks/ring-consistent/lab.ts';
import { checkRingConsistency, type RingConsistencyResult } from '../../checks/ring-consistent/verdict.ts';
import { labProbe } from '../verify/lab-probe.ts';
import { restrictProbe } from '../../checks/lab-probe.ts';
import type { LabAccess } from './lab-access.ts';

/** One verdict on the lab's ring now: its vrrd nodes' (babeld nodes have none; a lab of only those passes). */
export async function ringNow(lab: LabAccess): Promise<RingConsistencyResult> {
  const probe = restrictProbe(labProbe(lab), ['vrrd']);
  const outcomes = await collectRingSnapshots(probe);
  return checkRingConsistency(
    outcomes.map((o) => o.snapshot),
    probe.upLinks().map(([a, b]) => [a, b]),
  );
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
