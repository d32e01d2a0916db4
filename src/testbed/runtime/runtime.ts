// The Runtime interface: what the lab controller asks of the thing that hosts nodes. The implementations are
// listed in registry.ts (one file each: docker.ts, one container per node; netns.ts, one named network
// namespace per node). The controller never branches on the kind, and names none: what differs between
// runtimes is a member of this interface. It plans the lab, asks the runtime for nodes, wires
// veth pairs into their network namespaces (NodeHandle.netns), starts vrrd with the command the runtime
// gives, and talks to every vrrd over its control socket in the node's own directory of the lab (which each
// runtime makes visible inside the node at the same path as on the host; a node sees no other part of it).
//
// Ownership marks (containerlab style): everything a runtime creates is findable from the lab name alone,
// without the topology file and after a crash of the controller, and carries the run that made it:
//   docker: containers named `vrrlab-<lab>.<node>`, labelled LABELS.owner=OWNER, LABELS.lab, LABELS.run,
//           LABELS.node;
//   netns:  namespaces named `vrrlab-<lab>.<node>`, the same labels written as their loopback's alias (see
//           links/netns.ts), the vrrd processes inside them;
// removeLab() removes all of a lab, or only what one run made, idempotently.
//
// Handles are never stored: the controller asks findNode() (by name and labels, run included) each time it
// opens a lab, and checks NodeHandle.netnsInode against the inode `up` recorded before it acts on a handle, so a
// container or namespace replaced since (or a reused PID) is refused rather than acted upon.

import type { ChildProcess } from 'node:child_process';
import { checkLabName } from '../lab/lab-name.ts';
import { isValidNodeName, NODE_NAME_RULE } from '../../topology/names.ts';

/** A runtime's name (registry.ts lists them). */
export type RuntimeKind = string;

/** Label keys on everything the docker runtime creates. */
export const LABELS = {
  owner: 'vrr-lab.owner',
  lab: 'vrr-lab.lab',
  run: 'vrr-lab.run',
  node: 'vrr-lab.node',
} as const;

/** The value of LABELS.owner. */
export const OWNER = 'vrr-testbed';

/** Prefix of every container and namespace name the testbed creates. */
export const NAME_PREFIX = 'vrrlab-';

/** Container / namespace name of one node (both names checked: neither may hold a `.` or a `/`). */
export function nodeResourceName(lab: string, node: string): string {
  if (!isValidNodeName(node))
    throw new Error(`node resource name: expected ${NODE_NAME_RULE}, found ${JSON.stringify(node)}`);
  return `${NAME_PREFIX}${checkLabName(lab, 'node resource name')}.${node}`;
}

/** The labels of a node as `key=value` words (the netns runtime's loopback alias). */
export function formatLabels(lab: LabIdentity, node: string): string {
  return [
    `${LABELS.owner}=${OWNER}`,
    `${LABELS.lab}=${lab.lab}`,
    `${LABELS.run}=${lab.runId}`,
    `${LABELS.node}=${node}`,
  ].join(' ');
}

/** `key=value` words back to labels (anything else is ignored). */
export function parseLabels(text: string | null): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const word of (text ?? '').split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) labels[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return labels;
}

/** Which lab, which run, and where its files are on the host. */
export interface LabIdentity {
  lab: string;
  /** Unique per `up`: tells a lab apart from an earlier one of the same name. */
  runId: string;
  /** Host directory of the lab (lab.json, nodes/<node>/); a node sees only its own nodes/<node>/, at the same path. */
  dir: string;
}

/** A node the runtime has created: running, with its own network namespace, no links yet. */
export interface NodeHandle {
  name: string;
  /**
   * The node's network namespace as `ip link add ... netns X` and `ip link set ... netns X` take it: a
   * namespace name (netns runtime) or the decimal PID of a process inside it (docker runtime).
   */
  netns: string;
  /** The nsfs file of that namespace (/run/netns/NAME, /proc/PID/ns/net): its inode is checked before each use. */
  nsPath: string;
  /** The inode of the namespace when the runtime found it: the node's identity. */
  netnsInode: number;
  /** Argv prefix that runs a host binary inside the node's network namespace (e.g. ip, tc, ping). */
  nsenter: string[];
  /** Runtime-specific id (container id, namespace name). */
  id: string;
}

/** Result of a command run in a node. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options of exec(). */
export interface ExecOptions {
  /** Kill the command after this long (default 60 s); the result then has exitCode 124. */
  timeoutMs?: number;
  /** Written to the command's stdin. */
  input?: string;
}

/** What prepare() did, for the `up` summary and the report. */
export interface PrepareInfo {
  /** The node image used (docker), or null. */
  image: string | null;
  /** True when prepare had to build something. */
  built: boolean;
  /** Human-readable version of the engine / iproute2, for the report. */
  engine: string;
}

/** Everything of one lab that a runtime found (by labels / name prefix). */
export interface FoundLab {
  lab: string;
  runId: string | null;
  /** Node names found. */
  nodes: string[];
}

/** What removeLab() removed. */
export interface RemovedSummary {
  containers: number;
  namespaces: number;
  processes: number;
}

/** Progress lines while something slow happens (image build, node creation). */
export type ProgressSink = ((line: string) => void) & {
  /** Redraws one line in place (a terminal), replaced by the next live or plain line; absent elsewhere. */
  live?: (line: string) => void;
};

/** A host for lab nodes. Every method is safe to call concurrently for different nodes. */
export interface Runtime {
  readonly kind: RuntimeKind;

  /** What its nodes are, plural, for progress lines ("containers", "namespaces"). */
  readonly nodeNoun: string;

  /** How many nodes are created (and daemons started) at once: a container costs more than a namespace. */
  readonly concurrency: number;

  /** Argv prefix that runs Node.js inside a node (checks pass small helper scripts with -e). */
  nodeCommand(): string[];

  /** The memory a node's own accounting charges it (a container's cgroup) in bytes, or null when none (bench). */
  nodeMemoryBytes(node: NodeHandle): Promise<number | null>;

  /** Why this runtime cannot run here (no engine, not root, ...), or null when it can. */
  unavailableReason(): Promise<string | null>;

  /** Makes what nodes need exist (the node image, built offline when missing or stale). */
  prepare(progress: ProgressSink): Promise<PrepareInfo>;

  /** Creates (and starts) one node with no links. Throws when a node of that name exists already. */
  createNode(lab: LabIdentity, name: string): Promise<NodeHandle>;

  /** Finds a running node of this lab and run (by name and labels), or null: the controller's only source of handles. */
  findNode(lab: LabIdentity, name: string): Promise<NodeHandle | null>;

  /** The argv that runs vrrd inside a node (prefix: the controller appends vrrd's flags). */
  vrrdCommand(): string[];

  /**
   * The argv that runs babeld inside a node (prefix: the controller appends its flags), for nodes whose topology
   * says `protocol: babeld`; rejects saying why when this runtime's nodes cannot run it.
   */
  babeldCommand(): Promise<string[]>;

  /** The argv that runs vrrctl inside a node (prefix). */
  vrrctlCommand(): string[];

  /**
   * Starts vrrd (argv = vrrdCommand() + flags; or babeld's) detached inside the node, stdout and stderr appended to
   * logFile (in the node's directory of the lab); resolves to the host PID of the vrrd process once it runs.
   */
  startDaemon(lab: LabIdentity, node: NodeHandle, argv: string[], logFile: string): Promise<number>;

  /** Runs argv in the node (in the container's filesystem for docker) and collects its output. */
  exec(lab: LabIdentity, node: NodeHandle, argv: string[], options?: ExecOptions): Promise<ExecResult>;

  /** Starts argv in the node and hands back the process (for streams: iperf, tcpdump, exec -it). */
  spawn(lab: LabIdentity, node: NodeHandle, argv: string[], options?: { tty?: boolean }): ChildProcess;

  /** Every lab this runtime has anything of. */
  listLabs(): Promise<FoundLab[]>;

  /**
   * Removes every node of the lab (all labs when lab is null) and what runs in them; with runId, only the nodes
   * labelled with that run (a failed `up` removes what it made, never an earlier lab's). Idempotent.
   */
  removeLab(lab: string | null, runId?: string): Promise<RemovedSummary>;
}
