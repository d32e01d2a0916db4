// When hellos go out (docs/protocol.md, Neighbours). Three reasons, one rate limit:
//  - the period: every helloMs (jittered), which also runs the node's housekeeping (NodeContext.periodic);
//  - fast hellos (issue 19, as Open/R's Spark sends fast initial hellos): while the neighbour set is changing (from
//    start, and for a period after any neighbour appears, links, fails or is forgotten) a hello goes every
//    fastHelloMs (a quarter period by default, jittered), so links come up and bootstrap candidates spread in
//    fractions of a period; once the set has been stable for a period, only the period's hellos go;
//  - triggered hellos: soon after a change a neighbour must hear of (TRIGGER_MS; several changes in one instant
//    share one);
//  - and never two hellos closer than minHelloGapMs on a port (every hello goes out on every port): a node whose
//    neighbour set churns, or that keeps learning smaller bootstrap candidates, sends at most one hello per port
//    per gap, so a 1,000-node graph forming at once sees no hello storm. A hello held back by the gap goes out
//    when the gap ends.
//
// Invariants (checked by checkInvariants, test/unit/vrr/hello-pacer.test.ts):
//  - at most one timer of each kind (period, fast, triggered) is armed, and none while the node is stopped;
//  - two hellos are never sent less than minHelloGapMs apart;
//  - owned by links.ts alone.

import type { TimerHandle } from './env.ts';
import type { NodeContext } from './node-context.ts';

/** A triggered hello waits this long (ms, or a twentieth of a period if shorter): changes in one instant share it. */
export const TRIGGER_MS = 20;

/** The hello timers of one node. */
export class HelloPacer {
  private periodTimer: TimerHandle | null = null;
  private fastTimer: TimerHandle | null = null;
  private triggered: TimerHandle | null = null;
  private lastSentAt = -Infinity;
  /** When the neighbour set last changed (start counts as a change: it is empty and about to fill). */
  private changedAt = -Infinity;
  /** The smallest gap between two hellos sent so far (checkInvariants reads it). */
  private closestGap = Infinity;

  constructor(
    private readonly ctx: NodeContext,
    /** Sends one hello on every port. */
    private readonly send: () => void,
  ) {}

  /** The first hello goes out after a random fraction of a fast period; the period's timer starts. */
  start(): void {
    const c = this.ctx.config;
    this.changedAt = this.ctx.env.now();
    this.armPeriod(this.ctx.env.rng.next() * c.helloMs);
    this.armFast(this.ctx.env.rng.next() * c.fastHelloMs);
  }

  /** Forgets the timers (the node cancelled every timer). */
  stop(): void {
    this.periodTimer = null;
    this.fastTimer = null;
    this.triggered = null;
  }

  /** The neighbour set changed: fast hellos for a period from now. */
  changed(): void {
    this.changedAt = this.ctx.env.now();
    if (this.fastTimer === null && this.ctx.running) this.armFast(this.jittered(this.ctx.config.fastHelloMs));
  }

  /** A hello soon (not at once: several changes in one instant share it), and no sooner than the gap allows. */
  trigger(): void {
    if (this.triggered !== null || !this.ctx.running) return;
    const c = this.ctx.config;
    const delay = Math.max(Math.min(TRIGGER_MS, c.helloMs / 20), this.gapLeft());
    this.triggered = this.ctx.timer(delay, () => {
      this.triggered = null;
      this.sendPaced();
    });
  }

  /** Whether the neighbour set changed within the last period (hellos go fast). */
  get fast(): boolean {
    return this.ctx.env.now() - this.changedAt < this.ctx.config.helloMs;
  }

  private armPeriod(delay: number): void {
    const due = this.ctx.env.now() + delay;
    this.periodTimer = this.ctx.timer(delay, () => {
      this.periodTimer = null;
      this.ctx.periodic(this.ctx.env.now() - due);
      this.sendPaced();
      this.armPeriod(this.jittered(this.ctx.config.helloMs));
    });
  }

  private armFast(delay: number): void {
    this.fastTimer = this.ctx.timer(delay, () => {
      this.fastTimer = null;
      if (!this.fast) return;
      this.sendPaced();
      this.armFast(this.jittered(this.ctx.config.fastHelloMs));
    });
  }

  // Sends a hello now unless one went out less than the gap ago: then a triggered one follows when the gap ends
  // (a hello skipped here carries nothing the next one would not).
  private sendPaced(): void {
    if (this.gapLeft() > 0) {
      this.trigger();
      return;
    }
    const now = this.ctx.env.now();
    this.closestGap = Math.min(this.closestGap, now - this.lastSentAt);
    this.lastSentAt = now;
    this.send();
  }

  // (A gap left below a microsecond is none: a timer armed for the rest of the gap may fire a rounding error early.)
  private gapLeft(): number {
    const left = this.lastSentAt + this.ctx.config.minHelloGapMs - this.ctx.env.now();
    return left > 1e-3 ? left : 0;
  }

  private jittered(ms: number): number {
    const j = this.ctx.config.helloJitter;
    return ms * (1 - j + 2 * j * this.ctx.env.rng.next());
  }

  /** Every invariant violation (empty when all hold). */
  checkInvariants(): string[] {
    const out: string[] = [];
    if (
      !this.ctx.running &&
      (this.periodTimer !== null || this.fastTimer !== null || this.triggered !== null)
    )
      out.push('a hello timer is armed on a stopped node');
    if (this.closestGap < this.ctx.config.minHelloGapMs - 1e-3)
      out.push(
        `two hellos went out ${this.closestGap} ms apart (the gap is ${this.ctx.config.minHelloGapMs} ms)`,
      );
    return out;
  }
}
