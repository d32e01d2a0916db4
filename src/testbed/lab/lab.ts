// A lab that exists: its state (lab.json), its runtime, and handles to its nodes. Every verb after `up` opens
// one through commands/context.ts openLab(name); checks see it as a LabAccess. The state is re-read on open and
// written back by save(), so verbs run one after another from different processes see each other's changes.
//
// Handles come from the runtime, never from lab.json: Lab.open asks findNode() for every node (by name and the
// run's labels), and handle() checks, before every use, that the handle's network namespace is still the one
// `up` recorded (its nsfs inode). A node whose namespace changed (a container restarted or replaced, a PID
// reused) is refused with a message, never acted upon.

import type { ChildProcess } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { requestOnce } from '../../control/client.ts';
import { nsfsInode } from '../links/netns.ts';
import type { ExecOptions, ExecResult, LabIdentity, NodeHandle, Runtime } from '../runtime/runtime.ts';
import type { LabAccess } from './lab-access.ts';
import { labDir, labPaths } from './lab-dir.ts';
import { writeLabState, type LabState } from './lab-state.ts';
import { plannedNode, protocolOf, type LabPlan } from './plan.ts';
import type { NodeProtocol } from '../../topology/types.ts';
import { mapLimit } from './pool.ts';

/** The control-socket timeout for one request. */
const CTL_TIMEOUT_MS = 20_000;

/** A lab that is up (or half up): state, runtime, node handles. */
export class Lab implements LabAccess {
  readonly state: LabState;
  readonly runtime: Runtime;
  readonly identity: LabIdentity;
  readonly #handles = new Map<string, NodeHandle>();
  /** Why a node has no handle (not found, or not the node `up` created), for handle()'s error. */
  readonly #missing = new Map<string, string>();

  /** A lab with no node handles yet: `up` adopts them as it creates nodes; other verbs use Lab.open. */
  constructor(state: LabState, runtime: Runtime) {
    this.state = state;
    this.runtime = runtime;
    this.identity = { lab: state.plan.lab, runId: state.plan.runId, dir: labDir(state.plan.lab) };
  }

  /** Opens a lab from its state: every node's handle found by the runtime now (name and labels) and checked. */
  static async open(state: LabState, runtime: Runtime): Promise<Lab> {
    const lab = new Lab(state, runtime);
    await mapLimit(Object.keys(state.nodes), 16, async (node) => {
      const h = await runtime.findNode(lab.identity, node);
      if (h !== null) lab.adopt(h);
      else {
        lab.#missing.set(
          node,
          `the ${runtime.kind} runtime has no running node ${node} of run ${state.plan.runId} (testbed down ${state.plan.lab})`,
        );
      }
    });
    return lab;
  }

  /** Takes a handle the runtime gave (createNode, findNode), if it is the node `up` recorded. */
  adopt(h: NodeHandle): void {
    const expected = this.state.nodes[h.name]?.netnsInode;
    if (expected !== undefined && h.netnsInode !== expected) {
      this.#missing.set(
        h.name,
        `its network namespace is not the one up created (inode ${h.netnsInode}, expected ${expected}): ` +
          `it was replaced since; refusing to act on it (testbed down ${this.plan.lab})`,
      );
      return;
    }
    this.#handles.set(h.name, h);
    this.#missing.delete(h.name);
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

  /**
   * The handle of a node, checked now: its namespace must still be the one `up` recorded. Throws naming the
   * lab's nodes when there is no such node, and saying why when its handle cannot be trusted.
   */
  handle(node: string): NodeHandle {
    const s = this.state.nodes[node];
    if (!s) {
      throw new Error(
        `lab ${this.plan.lab} has no node ${JSON.stringify(node)} (nodes: ${Object.keys(this.state.nodes).join(', ')})`,
      );
    }
    const h = this.#handles.get(node);
    if (!h) {
      throw new Error(`node ${node} of lab ${this.plan.lab}: ${this.#missing.get(node) ?? 'no handle'}`);
    }
    const now = nsfsInode(h.nsPath);
    if (now !== s.netnsInode) {
      throw new Error(
        `node ${node} of lab ${this.plan.lab}: its network namespace changed (${h.nsPath} is inode ${now ?? 'gone'}, ` +
          `up created ${s.netnsInode}); refusing to act on it (testbed down ${this.plan.lab})`,
      );
    }
    return h;
  }

  /** Every node's handle, by name. */
  handles(): Map<string, NodeHandle> {
    return new Map(Object.keys(this.state.nodes).map((n) => [n, this.handle(n)]));
  }

  /** The control socket of a node's vrrd (a host path). */
  socket(node: string): string {
    return labPaths.socket(this.identity.dir, node);
  }

  /** The log file of a node's daemon (vrrd's, or babeld's on a babeld node). */
  logFile(node: string): string {
    return this.protocol(node) === 'babeld'
      ? labPaths.babeldLog(this.identity.dir, node)
      : labPaths.log(this.identity.dir, node);
  }

  /** The routing daemon a node runs. */
  protocol(node: string): NodeProtocol {
    return protocolOf(plannedNode(this.plan, node));
  }

  exec(node: string, argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.runtime.exec(this.identity, this.handle(node), argv, options);
  }

  spawn(node: string, argv: string[]): ChildProcess {
    return this.runtime.spawn(this.identity, this.handle(node), argv);
  }

  ctl<T = unknown>(node: string, verb: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.protocol(node) !== 'vrrd') {
      return Promise.reject(
        new Error(
          `node ${node} runs ${this.protocol(node)}, not vrrd: it has no control socket to ask ${verb}`,
        ),
      );
    }
    return requestOnce<T>(checkedSocket(this.socket(node)), verb, args, CTL_TIMEOUT_MS);
  }

  aliveNodes(): string[] {
    // A node without the key of a keyed mesh runs but is no member: the checks leave it out, as the simulator does.
    const keyedMesh = this.plan.nodes.some((n) => n.keyed === true);
    return this.plan.nodes
      .filter((n) => !keyedMesh || n.keyed === true)
      .map((n) => n.name)
      .filter((n) => this.state.nodes[n]?.daemonPid != null);
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

/**
 * The socket path itself, after checking it is a socket and not a symlink: a node can write in its own
 * directory, and a link planted there must not lead the controller to some other socket of the host.
 */
export function checkedSocket(path: string): string {
  let kind = 'nothing';
  try {
    const stat = lstatSync(path);
    if (stat.isSocket()) return path;
    kind = stat.isSymbolicLink() ? 'a symlink' : 'not a socket';
  } catch {
    // kind stays 'nothing': the daemon has not opened it (yet), or it was removed.
  }
  throw new Error(`control socket ${path}: expected a socket, found ${kind}`);
}
