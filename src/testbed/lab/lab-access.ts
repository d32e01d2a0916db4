// What the controller's parts that only look at a lab (the checks, through verify/lab-probe.ts, and the ring
// wait) may do to it: run commands in nodes, talk to their vrrd, know the plan and which links are up. Nothing
// here creates or removes anything, so it works against a lab that someone else brought up.

import type { ChildProcess } from 'node:child_process';
import type { ExecOptions, ExecResult } from '../runtime/runtime.ts';
import type { LabPlan } from './plan.ts';

/** A lab that is up, as checks see it. */
export interface LabAccess {
  readonly plan: LabPlan;
  /** Argv prefix that runs Node.js inside a node (for small helper scripts passed with -e). */
  readonly nodeCommand: string[];
  /** Runs argv inside node (ping, iperf, ip ...): never throws for a non-zero exit. */
  exec(node: string, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts argv inside node and hands back the process (a stream sender or receiver). */
  spawn(node: string, argv: string[]): ChildProcess;
  /** One control-socket request to node's vrrd (verbs of docs/vrrd.md); rejects with the daemon's error. */
  ctl<T = unknown>(node: string, verb: string, args?: Record<string, unknown>): Promise<T>;
  /** Nodes whose vrrd is meant to run (not killed by a fault step). */
  aliveNodes(): string[];
  /** Physical links that are up, by node names (neither end down, not cut by a partition). */
  upLinks(): [string, string][];
  /** Wall-clock ms (injected so tests can fake time). */
  now(): number;
  /** Waits ms of wall-clock time. */
  sleep(ms: number): Promise<void>;
}
