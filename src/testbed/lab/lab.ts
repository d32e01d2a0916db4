// A lab that exists: its state (lab.json), its runtime, and handles to its nodes. Every verb after `up` opens
// one through commands/context.ts openLab(name); checks see it as a LabAccess. The state is re-read on open and written back by
// save(), so verbs run one after another from different processes see each other's changes.

import type { ChildProcess } from 'node:child_process';
import { requestOnce } from '../../control/client.ts';
import type { ExecOptions, ExecResult, LabIdentity, NodeHandle, Runtime } from '../runtime/runtime.ts';
import type { LabAccess } from './lab-access.ts';
import { labDir, labPaths } from './lab-dir.ts';
import { writeLabState, type LabState } from './lab-state.ts';
import type { LabPlan } from './plan.ts';

/** The control-socket timeout for one request. */
const CTL_TIMEOUT_MS = 20_000;

/** A lab that is up (or half up): state, runtime, node handles. */
export class Lab implements LabAccess {
  readonly state: LabState;
  readonly runtime: Runtime;
  readonly identity: LabIdentity;

  constructor(state: LabState, runtime: Runtime) {
    this.state = state;
    this.runtime = runtime;
    this.identity = { lab: state.plan.lab, runId: state.plan.runId, dir: labDir(state.plan.lab) };
  }

  get plan(): LabPlan {
    return this.state.plan;
  }

  get nodeCommand(): string[] {
    return this.runtime.nodeCommand();
  }

  /** Writes lab.json. */
  save(): void {
    writeLabState(this.state);
  }

  /** The handle of a node; throws naming the lab's nodes when there is none. */
  handle(node: string): NodeHandle {
    const s = this.state.nodes[node];
    if (!s) {
      throw new Error(
        `lab ${this.plan.lab} has no node ${JSON.stringify(node)} (nodes: ${Object.keys(this.state.nodes).join(', ')})`,
      );
    }
    return { name: node, netns: s.netns, nsenter: s.nsenter, id: s.id };
  }

  /** Every node's handle, by name. */
  handles(): Map<string, NodeHandle> {
    return new Map(Object.keys(this.state.nodes).map((n) => [n, this.handle(n)]));
  }

  /** The control socket of a node's vrrd (a host path). */
  socket(node: string): string {
    return labPaths.socket(this.identity.dir, node);
  }

  /** The log file of a node's vrrd. */
  logFile(node: string): string {
    return labPaths.log(this.identity.dir, node);
  }

  exec(node: string, argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.runtime.exec(this.identity, this.handle(node), argv, options);
  }

  spawn(node: string, argv: string[]): ChildProcess {
    return this.runtime.spawn(this.identity, this.handle(node), argv);
  }

  ctl<T = unknown>(node: string, verb: string, args: Record<string, unknown> = {}): Promise<T> {
    return requestOnce<T>(this.socket(node), verb, args, CTL_TIMEOUT_MS);
  }

  aliveNodes(): string[] {
    return this.plan.nodes.map((n) => n.name).filter((n) => this.state.nodes[n]?.daemonPid != null);
  }

  upLinks(): [string, string][] {
    const cut = new Set(this.state.partitionCut);
    return this.plan.links
      .filter((l) => !this.state.links[l.index].adminDown && !cut.has(l.index))
      .map((l) => [l.a, l.b]);
  }

  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** True when a process with this PID exists (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
