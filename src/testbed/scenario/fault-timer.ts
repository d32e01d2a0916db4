// Times faults on a real lab the way the simulator's RingWatch does: every fault waits for the first
// consistent ring after it, and that delay is the fault's `ringConsistentAfterMs`. A background loop polls
// the ring every poll period while some fault waits (and costs nothing otherwise), so a fault is timed even
// when the next step comes before the ring settles.

import type { LabAccess } from '../lab/lab-access.ts';
import { pollRing } from '../lab/ring-wait.ts';
import { protocolOf } from '../lab/plan.ts';
import type { RunStepReport } from '../report/run-report.ts';

interface PendingFault {
  report: RunStepReport;
  appliedAt: number;
}

/** The run's fault timer. */
export class FaultTimer {
  readonly #lab: LabAccess;
  readonly #pollMs: number;
  readonly #pending: PendingFault[] = [];
  #loop: Promise<void> | null = null;
  #stopped = false;

  constructor(lab: LabAccess, pollMs: number) {
    this.#lab = lab;
    this.#pollMs = pollMs;
  }

  /** True while some fault has not yet seen a consistent ring. */
  get waiting(): boolean {
    return this.#pending.length > 0;
  }

  /** Registers a fault applied now; its figure stays null until the ring is seen consistent. */
  addFault(report: RunStepReport): void {
    // A lab of babeld nodes has no ring: no figure rather than a vacuous 0 ms (its ping-all verifies time it).
    if (!this.#lab.plan.nodes.some((n) => protocolOf(n) === 'vrrd')) return;
    report.figures.ringConsistentAfterMs = null;
    this.#pending.push({ report, appliedAt: this.#lab.now() });
    this.#loop ??= this.#run();
  }

  /** Waits until no fault waits or deadline (lab.now() ms) passes: how a timeline settles at its end. */
  async settle(deadline: number): Promise<void> {
    while (this.waiting && this.#lab.now() < deadline) await this.#lab.sleep(this.#pollMs);
  }

  /** Stops polling (pending faults keep null: never consistent). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped && this.#pending.length > 0) {
      const polled = this.#lab.now();
      let consistent = false;
      try {
        consistent = (await pollRing(this.#lab)).verdict.passed;
      } catch {
        consistent = false; // a daemon restarting mid-poll: try again next period
      }
      if (consistent) {
        // Only faults applied before this poll began are answered by it.
        const now = this.#lab.now();
        for (let i = this.#pending.length - 1; i >= 0; i--) {
          const p = this.#pending[i];
          if (p.appliedAt > polled) continue;
          p.report.figures.ringConsistentAfterMs = now - p.appliedAt;
          this.#pending.splice(i, 1);
        }
      }
      if (this.#pending.length > 0) await this.#lab.sleep(this.#pollMs);
    }
    this.#loop = null;
  }
}
