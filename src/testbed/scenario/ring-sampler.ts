// Ring health over a real lab's run, for report.html: every sampling period, every alive vrrd's vset (the
// ring-consistent check's snapshots) judged by vsetHealth, written to the timeline as a `ring-health` event, as
// the simulator's RunRecorder samples a simulated ring. Runs in the background from the first consistent ring
// (or the start of the timeline) until stopped; a poll that fails (a daemon restarting) is skipped.

import type { LabProbe } from '../../checks/lab-probe.ts';
import { collectRingSnapshots } from '../../checks/ring-consistent/lab.ts';
import { vsetHealth } from '../../checks/ring-consistent/verdict.ts';
import type { LabAccess } from '../lab/lab-access.ts';
import type { TimelineWriter } from '../report/timeline.ts';
import { labProbe } from '../verify/lab-probe.ts';

/** The background sampler of one run. */
export class RingSampler {
  readonly #lab: LabAccess;
  readonly #probe: LabProbe;
  readonly #timeline: TimelineWriter;
  readonly #everyMs: number;
  readonly #total: number;
  #loop: Promise<void> | null = null;
  #stopped = false;
  /** Samples written. */
  samples = 0;

  constructor(lab: LabAccess, timeline: TimelineWriter, everyMs: number, totalNodes: number) {
    this.#lab = lab;
    this.#probe = labProbe(lab);
    this.#timeline = timeline;
    this.#everyMs = everyMs;
    this.#total = totalNodes;
  }

  /** Starts sampling (once). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops and waits for the poll under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const at = new Date().toISOString();
      const began = this.#lab.now();
      try {
        const outcomes = await collectRingSnapshots(this.#probe);
        const health = vsetHealth(
          outcomes.map((o) => o.snapshot),
          this.#lab.upLinks(),
        );
        this.#timeline.add({
          t: at,
          source: 'controller',
          type: 'ring-health',
          ...health,
          down: this.#total - health.nodes,
        });
        this.samples++;
      } catch {
        // A daemon restarting mid-poll: the next period tries again.
      }
      const wait = this.#everyMs - (this.#lab.now() - began);
      if (!this.#stopped && wait > 0) await this.#lab.sleep(wait);
    }
  }
}
