// Watches the ring while a timeline advances time: each fault waits for the first consistent ring after
// it, and that delay is the fault's figure. Time only moves through advanceTo/poll here (and inside
// ping-all), so a fault is timed even when the next step comes before the ring settles.

import type { SimRunContext } from '../steps.ts';
import { pollIntervalMs } from '../steps.ts';
import { isRingConsistent } from '../../checks/ring-consistent/sim.ts';
import type { ScenarioStepReport } from './step-report.ts';

interface PendingFault {
  report: ScenarioStepReport;
  appliedMs: number;
}

/** Per-run watcher of the ring; faults register, polls resolve them. */
export class RingWatch {
  private readonly pending: PendingFault[] = [];
  private readonly everyMs: number;

  constructor(private readonly ctx: SimRunContext) {
    this.everyMs = pollIntervalMs(ctx.topology);
  }

  /** The poll period: the smallest hello period. */
  get pollMs(): number {
    return this.everyMs;
  }

  /** True while some fault has not yet seen a consistent ring. */
  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** Registers a fault applied now; its figure stays null until the ring is seen consistent. */
  addFault(report: ScenarioStepReport): void {
    report.figures.ringConsistentAfterMs = null;
    this.pending.push({ report, appliedMs: this.ctx.network.now() });
    this.observe();
  }

  /** Checks the ring now if any fault waits, and resolves every waiting fault when it is consistent. */
  observe(): void {
    if (this.pending.length === 0 || !isRingConsistent(this.ctx.network)) return;
    const now = this.ctx.network.now();
    for (const p of this.pending) p.report.figures.ringConsistentAfterMs = now - p.appliedMs;
    this.pending.length = 0;
  }

  /** Runs to virtual time `timeMs`, polling the ring every hello period while a fault waits. */
  advanceTo(timeMs: number): void {
    const network = this.ctx.network;
    while (network.now() < timeMs) {
      network.runUntil(this.pending.length > 0 ? Math.min(network.now() + this.everyMs, timeMs) : timeMs);
      this.observe();
    }
  }

  /** Runs while a fault waits, up to `deadlineMs` (absolute): how a timeline settles at its end. */
  settle(deadlineMs: number): void {
    const network = this.ctx.network;
    while (this.pending.length > 0 && network.now() < deadlineMs) {
      this.advanceTo(Math.min(network.now() + this.everyMs, deadlineMs));
    }
  }
}

const watches = new WeakMap<SimRunContext, RingWatch>();

/** The run's watcher (one per context). */
export function ringWatch(ctx: SimRunContext): RingWatch {
  let watch = watches.get(ctx);
  if (!watch) {
    watch = new RingWatch(ctx);
    watches.set(ctx, watch);
  }
  return watch;
}
