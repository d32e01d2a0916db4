// The netns runtime: one named network namespace per node (`vrrlab-<lab>.<node>`), vrrd started inside it
// from the bundle in <repo>/dist with the host's node. Needs only root and iproute2, which makes it the
// default where no Docker engine is reachable and the way to labs of hundreds of nodes (a namespace costs
// nothing; the node's vrrd is the only process). The name prefix marks a namespace as the testbed's, its
// loopback's alias carries the labels (lab, run, node: links/netns.ts), and `ip netns pids` finds what runs
// inside, so removeLab works from names alone after any crash and can remove one run's namespaces only.
// A netns node shares the host's filesystem and PID namespace: what runs in it runs as root on the host.
// It isolates the network, not the host; labs that run untrusted code use the docker runtime.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { bundleDaemon, DEFAULT_BUNDLE_DIR } from '../../daemon/daemon-bundle.ts';
import {
  createNamespace,
  deleteNamespaces,
  inNamespace,
  listNamespaces,
  namespaceInode,
  namespaceLabel,
  NETNS_DIR,
} from '../links/netns.ts';
import { labPaths } from '../lab/lab-dir.ts';
import {
  formatLabels,
  LABELS,
  NAME_PREFIX,
  nodeResourceName,
  parseLabels,
  type ExecOptions,
  type ExecResult,
  type FoundLab,
  type LabIdentity,
  type NodeHandle,
  type PrepareInfo,
  type ProgressSink,
  type RemovedSummary,
  type Runtime,
} from './runtime.ts';

const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/** Where Debian (and a source install) put babeld. */
const BABELD_PATHS = ['/usr/sbin/babeld', '/usr/local/sbin/babeld', '/usr/local/bin/babeld'];

/** Nodes as network namespaces on this host. */
export class NetnsRuntime implements Runtime {
  readonly kind = 'netns';
  readonly nodeNoun = 'namespaces';
  readonly concurrency = 12;
  readonly #bundleDir: string;

  /** bundleDir: where prepare() writes the vrrd bundle that nodes run (default <repo>/dist). */
  constructor(options: { bundleDir?: string } = {}) {
    this.#bundleDir = options.bundleDir ?? DEFAULT_BUNDLE_DIR;
  }

  async unavailableReason(): Promise<string | null> {
    if (process.getuid?.() !== 0) return 'not root: network namespaces and veth pairs need root';
    const r = await execa('ip', ['netns', 'list'], { reject: false });
    if (r.failed) return `iproute2 cannot list network namespaces: ${r.stderr || r.message}`;
    return null;
  }

  async prepare(progress: ProgressSink): Promise<PrepareInfo> {
    progress('bundling vrrd and vrrctl for the namespaces');
    await bundleDaemon(this.#bundleDir);
    const version = await execa('ip', ['-V'], { reject: false });
    return { image: null, built: true, engine: String(version.stdout).trim() || 'iproute2' };
  }

  async createNode(lab: LabIdentity, name: string): Promise<NodeHandle> {
    const ns = nodeResourceName(lab.lab, name);
    if (namespaceInode(ns) !== null) {
      throw new Error(
        `network namespace ${ns} exists already (a lab ${lab.lab} is up: testbed down ${lab.lab})`,
      );
    }
    await createNamespace(ns, { label: formatLabels(lab, name) });
    const h = handle(name, ns);
    if (h === null) throw new Error(`network namespace ${ns} vanished right after it was created`);
    return h;
  }

  async findNode(lab: LabIdentity, name: string): Promise<NodeHandle | null> {
    const ns = nodeResourceName(lab.lab, name);
    const labels = parseLabels(await namespaceLabel(ns));
    if (labels[LABELS.lab] !== lab.lab || labels[LABELS.run] !== lab.runId || labels[LABELS.node] !== name) {
      return null; // none, or another run's (or nobody's) namespace of that name
    }
    return handle(name, ns);
  }

  nodeCommand(): string[] {
    return [process.execPath];
  }

  async nodeMemoryBytes(): Promise<number | null> {
    return null; // a namespace costs nothing of its own: its processes are all there is
  }

  vrrdCommand(): string[] {
    return [process.execPath, join(this.#bundleDir, 'daemon/vrrd.mjs')];
  }

  async babeldCommand(): Promise<string[]> {
    // A namespace runs the host's binaries: the host's babeld (Debian's package) is the node's.
    for (const path of BABELD_PATHS) {
      if (existsSync(path)) return [path];
    }
    throw new Error(
      `babeld nodes need babeld on this host (looked for ${BABELD_PATHS.join(', ')}): apt-get install babeld`,
    );
  }

  vrrctlCommand(): string[] {
    return [process.execPath, join(this.#bundleDir, 'ctl/vrrctl.mjs')];
  }

  async startDaemon(lab: LabIdentity, node: NodeHandle, argv: string[], logFile: string): Promise<number> {
    if (!logFile.startsWith(`${labPaths.node(lab.dir, node.name)}/`)) {
      throw new Error(`vrrd's log ${logFile} must be in node ${node.name}'s directory of lab ${lab.lab}`);
    }
    // O_NOFOLLOW: a symlink planted in the log's place is refused, not followed into some host file.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;
    const fd = openSync(logFile, flags, 0o600);
    try {
      // `ip netns exec` execs the command after entering the namespace: the child's PID is vrrd's own.
      const [cmd, ...args] = inNamespace(node.id, argv);
      const child = spawn(cmd, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      child.unref();
      return pid;
    } finally {
      closeSync(fd);
    }
  }

  async exec(
    _lab: LabIdentity,
    node: NodeHandle,
    argv: string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const [cmd, ...args] = inNamespace(node.id, argv);
    const r = await execa(cmd, args, {
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
      input: options.input,
      stripFinalNewline: false,
    });
    const exitCode = r.timedOut ? 124 : (r.exitCode ?? 1);
    const stderr = r.timedOut
      ? `${r.stderr}timed out after ${options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS} ms`
      : r.stderr;
    return { exitCode, stdout: String(r.stdout), stderr: String(stderr) };
  }

  spawn(_lab: LabIdentity, node: NodeHandle, argv: string[], options: { tty?: boolean } = {}): ChildProcess {
    const [cmd, ...args] = inNamespace(node.id, argv);
    return spawn(cmd, args, {
      stdio: options.tty ? 'inherit' : ['pipe', 'pipe', 'pipe'],
    });
  }

  async listLabs(): Promise<FoundLab[]> {
    const labs = new Map<string, FoundLab>();
    for (const ns of await listNamespaces()) {
      const parsed = parseName(ns);
      if (!parsed) continue;
      const found = labs.get(parsed.lab) ?? { lab: parsed.lab, runId: null, nodes: [] };
      found.runId ??= parseLabels(await namespaceLabel(ns))[LABELS.run] ?? null;
      found.nodes.push(parsed.node);
      labs.set(parsed.lab, found);
    }
    return [...labs.values()];
  }

  async removeLab(lab: string | null, runId?: string): Promise<RemovedSummary> {
    const summary: RemovedSummary = { containers: 0, namespaces: 0, processes: 0 };
    const named = (await listNamespaces()).filter((ns) => {
      const parsed = parseName(ns);
      return parsed !== null && (lab === null || parsed.lab === lab);
    });
    const mine: string[] = [];
    for (const ns of named) {
      if (runId === undefined || parseLabels(await namespaceLabel(ns))[LABELS.run] === runId) mine.push(ns);
    }
    // Whatever runs inside dies with it (vrrd, a capture, an iperf a check left behind): all signalled at once,
    // waited for together, then every namespace deleted in one batch.
    const { processes, deleted } = await deleteNamespaces(mine);
    summary.processes += processes;
    summary.namespaces += deleted;
    return summary;
  }
}

/** The handle of a named namespace as it is now, or null when there is none of that name. */
function handle(name: string, ns: string): NodeHandle | null {
  const inode = namespaceInode(ns);
  if (inode === null) return null;
  return {
    name,
    netns: ns,
    nsPath: `${NETNS_DIR}/${ns}`,
    netnsInode: inode,
    nsenter: inNamespace(ns, []),
    id: ns,
  };
}

/** `vrrlab-<lab>.<node>` -> its parts; null for any other name (neither part may contain a dot). */
function parseName(ns: string): { lab: string; node: string } | null {
  if (!ns.startsWith(NAME_PREFIX)) return null;
  const rest = ns.slice(NAME_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1 || rest.indexOf('.', dot + 1) !== -1) return null;
  return { lab: rest.slice(0, dot), node: rest.slice(dot + 1) };
}
