// The Runtime interface: what the lab controller asks of the thing that hosts nodes. The implementations are
// listed in registry.ts (one file each: docker.ts, one container per node; netns.ts, one named network
// namespace per node). The controller never branches on the kind, and names none: what differs between
// runtimes is a member of this interface. It plans the lab, asks the runtime for nodes, wires
// veth pairs into their network namespaces (NodeHandle.netns), starts vrrd with the command the runtime
// gives, and talks to every vrrd over control sockets in the lab directory (which each runtime makes visible
// inside the node at the same path as on the host).
//
// Ownership marks (containerlab style): everything a runtime creates is findable from the lab name alone,
// without the topology file and after a crash of the controller:
//   docker: containers named `vrrlab-<lab>.<node>`, labelled LABELS.owner=OWNER, LABELS.lab, LABELS.run,
//           LABELS.node;
//   netns:  namespaces named `vrrlab-<lab>.<node>` (namespaces carry no labels: the prefix is the mark), the
//           vrrd processes inside them;
// and removeLab() removes all of it, idempotently.

import type { ChildProcess } from 'node:child_process';

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

/** Container / namespace name of one node. */
export function nodeResourceName(lab: string, node: string): string {
  return `${NAME_PREFIX}${lab}.${node}`;
}

/** Which lab, which run, and where its files are on the host. */
export interface LabIdentity {
  lab: string;
  /** Unique per `up`: tells a lab apart from an earlier one of the same name. */
  runId: string;
  /** Host directory of the lab (sockets/, logs/, lab.json); visible inside every node at the same path. */
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
export type ProgressSink = (line: string) => void;

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

  /** Finds an existing node of a lab (after the controller exited), or null. */
  findNode(lab: LabIdentity, name: string): Promise<NodeHandle | null>;

  /** The argv that runs vrrd inside a node (prefix: the controller appends vrrd's flags). */
  vrrdCommand(): string[];

  /** The argv that runs vrrctl inside a node (prefix). */
  vrrctlCommand(): string[];

  /**
   * Starts vrrd (argv = vrrdCommand() + flags) detached inside the node, stdout and stderr appended to
   * logFile (a path under lab.dir); resolves to the host PID of the vrrd process once it runs.
   */
  startDaemon(lab: LabIdentity, node: NodeHandle, argv: string[], logFile: string): Promise<number>;

  /** Runs argv in the node (in the container's filesystem for docker) and collects its output. */
  exec(lab: LabIdentity, node: NodeHandle, argv: string[], options?: ExecOptions): Promise<ExecResult>;

  /** Starts argv in the node and hands back the process (for streams: iperf, tcpdump, exec -it). */
  spawn(lab: LabIdentity, node: NodeHandle, argv: string[], options?: { tty?: boolean }): ChildProcess;

  /** Every lab this runtime has anything of. */
  listLabs(): Promise<FoundLab[]>;

  /** Removes every node of the lab (all labs when lab is null) and what runs in them. Idempotent. */
  removeLab(lab: string | null): Promise<RemovedSummary>;
}
