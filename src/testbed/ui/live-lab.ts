// A lab that is up, as the live UI needs it: the checks' LabAccess (plan, control sockets), the link states of
// lab.json (re-read when another process changes it: a `testbed link ... down` in a terminal shows at once),
// the faults (the very functions behind the CLI verbs), and every daemon's event stream (scenario/event-feed.ts).

import { statSync } from 'node:fs';
import { openLab, resolveLabName, UsageError } from '../commands/context.ts';
import { heal, killNode, partition, restartNode, setLink } from '../lab/faults.ts';
import { Lab } from '../lab/lab.ts';
import type { LabAccess } from '../lab/lab-access.ts';
import { labDir, labPaths } from '../lab/lab-dir.ts';
import { readLabState, type LabState } from '../lab/lab-state.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { runtimeOfKind } from '../runtime/select.ts';
import { EventFeed } from '../scenario/event-feed.ts';
import type { RawEvent } from './event-summary.ts';
import type { LinkStateName, UiFault } from './ui-types.ts';

/** What the live backend reads and does; tests hand a fake. */
export interface LiveLab {
  /** The lab as checks see it, as of the last refresh. */
  readonly access: LabAccess;
  readonly runtime: string;
  /** Re-reads lab.json when it changed since the last look; true when it did. */
  refresh(): boolean;
  /** Each link's state, in plan order. */
  linkStates(): LinkStateName[];
  /** Applies a fault with the CLI verbs' code; resolves to the line the CLI prints. */
  applyFault(fault: UiFault): Promise<string>;
  /** Follows every alive daemon's events (again after a restart). */
  follow(listener: (event: RawEvent) => void): Promise<void>;
  close(): void;
}

/** Link states from a lab.json: a link-down fault, a partition's cut, changed impairments, or up. */
export function linkStatesOf(state: LabState): LinkStateName[] {
  const cut = new Set(state.partitionCut);
  return state.plan.links.map((planned, i) => {
    const now = state.links[i];
    if (now.adminDown) return 'down';
    if (cut.has(i)) return 'cut';
    const changed =
      JSON.stringify(now.aToB) !== JSON.stringify(planned.aToB) ||
      JSON.stringify(now.bToA) !== JSON.stringify(planned.bToA);
    return changed ? 'impaired' : 'up';
  });
}

/** Opens a lab that is up by name (or topology file, or the only one up), as the CLI verbs do. */
export async function openLiveLab(nameOrFile: string | undefined): Promise<LiveLab> {
  const name = resolveLabName(nameOrFile);
  const state = readLabState(name);
  if (state === null) throw new UsageError(`no lab named ${JSON.stringify(name)} is up`);
  return new RealLiveLab(state, await runtimeOfKind(state.plan.runtime));
}

class RealLiveLab implements LiveLab {
  #lab: Lab;
  readonly #runtime: Runtime;
  readonly #file: string;
  #mtimeMs: number;
  #feed: EventFeed | null = null;

  constructor(state: LabState, runtime: Runtime) {
    this.#runtime = runtime;
    this.#lab = new Lab(state, runtime);
    this.#file = labPaths.state(labDir(state.plan.lab));
    this.#mtimeMs = this.#stat();
  }

  get access(): LabAccess {
    return this.#lab;
  }

  get runtime(): string {
    return this.#runtime.kind;
  }

  refresh(): boolean {
    const mtime = this.#stat();
    if (mtime === this.#mtimeMs) return false;
    const state = readLabState(this.#lab.plan.lab);
    if (state === null) return false; // the lab went down: keep showing what was last known
    this.#mtimeMs = mtime;
    const before = this.#lab.state.nodes;
    this.#lab = new Lab(state, this.#runtime);
    // A restarted vrrd has a new PID and a new control socket connection to follow.
    for (const [node, s] of Object.entries(state.nodes)) {
      if (s.daemonPid !== null && s.daemonPid !== before[node]?.daemonPid) void this.#feed?.follow(node);
    }
    return true;
  }

  linkStates(): LinkStateName[] {
    return linkStatesOf(this.#lab.state);
  }

  async applyFault(fault: UiFault): Promise<string> {
    // Opened afresh, exactly as a CLI verb opens it, so a change made meanwhile from a terminal is kept.
    const lab = await openLab(this.#lab.plan.lab);
    switch (fault.kind) {
      case 'link':
        return setLink(lab, fault.a, fault.b, fault.up);
      case 'partition':
        return partition(lab, fault.groups);
      case 'heal':
        return heal(lab);
      case 'kill':
        return killNode(lab, fault.node);
      case 'restart':
        return restartNode(lab, fault.node);
    }
  }

  async follow(listener: (event: RawEvent) => void): Promise<void> {
    this.#feed?.close();
    this.#feed = new EventFeed(this.#lab, {
      add: (input) => {
        const t = typeof input.t === 'number' ? input.t : Date.parse(input.t);
        listener({ ...input, t });
      },
    });
    await this.#feed.followAll();
  }

  close(): void {
    this.#feed?.close();
    this.#feed = null;
  }

  #stat(): number {
    try {
      return statSync(this.#file).mtimeMs;
    } catch {
      return -1;
    }
  }
}
