// The vset self-check. A self-check is a setup_req for this node's own address, as at join time: greedy routing
// takes it to the closest other node, which either takes us as a virtual neighbour or answers with its vset — the
// neighbours we may be missing. It runs `selfCheckFirstHellos` periods after the vset changes, then backs off
// exponentially to one every `selfCheckMaxHellos` periods: a ring can settle into two interleaved strands that no
// vset exchange, path endpoint or representative reveals (no node of either strand is the smallest of a ring),
// and only a lookup of one's own address finds the missing neighbour. In a stable ring it costs one routed
// request per node every half minute.
//
// Invariants (checkInvariants; test/unit/vrr/node.test.ts times the checks):
//  - at most one check is armed, and only on an active node (or one that was active when it was armed);
//  - the backoff restarts at selfCheckFirstHellos periods and never grows beyond selfCheckMaxHellos;
//  - owned by node-context.ts alone.

import type { TimerHandle } from './env.ts';
import type { NodeContext } from './node-context.ts';
import { OptionType } from './wire/types.ts';

/** When this node next checks its own vset, and how far the backoff has gone. */
export class SelfCheck {
  private timer: TimerHandle | null = null;
  private periods = 1;
  private dueAt = 0;

  constructor(private readonly ctx: NodeContext) {}

  /** Arms the next check: `reset` (the vset changed) restarts the backoff, else it goes on from where it is. */
  schedule(reset = true): void {
    const ctx = this.ctx;
    const c = ctx.config;
    if (reset) this.periods = c.selfCheckFirstHellos;
    if (!ctx.active) return;
    const delay = this.periods * c.helloMs * (0.9 + 0.2 * ctx.env.rng.next());
    if (this.timer) {
      // A check due sooner stays: a vset that keeps changing (a node at a seam of a merge, refused every period)
      // would otherwise postpone its own check for as long as the churn lasts.
      if (!reset || this.dueAt <= ctx.env.now() + delay) return;
      this.timer.cancel();
    }
    this.dueAt = ctx.env.now() + delay;
    this.timer = ctx.timer(delay, () => {
      this.timer = null;
      this.periods = Math.min(this.periods * 2, c.selfCheckMaxHellos);
      this.schedule(false);
      const proxies = ctx.links.pset.linkedActive();
      if (!ctx.active || proxies.length === 0) return;
      ctx.count('selfChecks');
      const proxy = ctx.env.rng.pick(proxies).address;
      ctx.sendControl(proxy, {
        type: OptionType.SETUP_REQ,
        token: ctx.env.rng.u32() || 1,
        src: ctx.address,
        dst: ctx.address,
        proxy,
        vset: ctx.paths.vset.members(),
      });
    });
  }

  /** Forgets the armed check (the node cancelled every timer). */
  stop(): void {
    this.timer = null;
  }

  /** Every invariant violation (empty when all hold). */
  checkInvariants(): string[] {
    const c = this.ctx.config;
    const out: string[] = [];
    if (this.timer !== null && !this.ctx.running) out.push('a self-check is armed on a stopped node');
    if (this.periods > Math.max(1, c.selfCheckFirstHellos, c.selfCheckMaxHellos))
      out.push(`backoff at ${this.periods} periods`);
    return out;
  }
}
