// The netns runtime: one named network namespace per node (`vrrlab-<lab>.<node>`), vrrd started inside it
// from the bundle in <repo>/dist with the host's node. Needs only root and iproute2, which makes it the
// default where no Docker engine is reachable and the way to labs of hundreds of nodes (a namespace costs
// nothing; the node's vrrd is the only process). Namespaces carry no labels: the name prefix is the mark, and
// `ip netns pids` finds what runs inside, so removeLab works from names alone after any crash.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { execa } from 'execa';
import { bundleDaemon, DEFAULT_BUNDLE_DIR } from '../../daemon/daemon-bundle.ts';
import { join } from 'node:path';
import {
  NAME_PREFIX,
  nodeResourceName,
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

/** Nodes as network namespaces on this host. */
export class NetnsRuntime implements Runtime {
  readonly kind = 'netns' as const;
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
    if (existsSync(`/run/netns/${ns}`)) {
      throw new Error(
        `network namespace ${ns} exists already (a lab ${lab.lab} is up: testbed down ${lab.lab})`,
      );
    }
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return handle(name, ns);
  }

  async findNode(lab: LabIdentity, name: string): Promise<NodeHandle | null> {
    const ns = nodeResourceName(lab.lab, name);
    return existsSync(`/run/netns/${ns}`) ? handle(name, ns) : null;
  }

  vrrdCommand(): string[] {
    return [process.execPath, join(this.#bundleDir, 'daemon/vrrd.mjs')];
  }

  vrrctlCommand(): string[] {
    return [process.execPath, join(this.#bundleDir, 'ctl/vrrctl.mjs')];
  }

  async startDaemon(_lab: LabIdentity, node: NodeHandle, argv: string[], logFile: string): Promise<number> {
    const fd = openSync(logFile, 'a', 0o600);
    try {
      // `ip netns exec` execs the command after entering the namespace: the child's PID is vrrd's own.
      const child = spawn('ip', ['netns', 'exec', node.id, ...argv], {
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
    const r = await execa('ip', ['netns', 'exec', node.id, ...argv], {
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
    return spawn('ip', ['netns', 'exec', node.id, ...argv], {
      stdio: options.tty ? 'inherit' : ['pipe', 'pipe', 'pipe'],
    });
  }

  async listLabs(): Promise<FoundLab[]> {
    const labs = new Map<string, FoundLab>();
    for (const ns of await listNamespaces()) {
      const parsed = parseName(ns);
      if (!parsed) continue;
      const found = labs.get(parsed.lab) ?? { lab: parsed.lab, runId: null, nodes: [] };
      found.nodes.push(parsed.node);
      labs.set(parsed.lab, found);
    }
    return [...labs.values()];
  }

  async removeLab(lab: string | null): Promise<RemovedSummary> {
    const summary: RemovedSummary = { containers: 0, namespaces: 0, processes: 0 };
    const mine = (await listNamespaces()).filter((ns) => {
      const parsed = parseName(ns);
      return parsed !== null && (lab === null || parsed.lab === lab);
    });
    await Promise.all(
      mine.map(async (ns) => {
        // Whatever runs inside dies with it: vrrd, a capture, an iperf a check left behind.
        const pids = await execa('ip', ['netns', 'pids', ns], { reject: false });
        for (const pid of String(pids.stdout).split(/\s+/).filter(Boolean).map(Number)) {
          try {
            process.kill(pid, 'SIGKILL');
            summary.processes++;
          } catch {
            // Gone already.
          }
        }
        const del = await execa('ip', ['netns', 'del', ns], { reject: false });
        if (!del.failed) summary.namespaces++;
        else if (existsSync(`/run/netns/${ns}`)) {
          throw new Error(`cannot delete network namespace ${ns}: ${del.stderr}`);
        }
      }),
    );
    return summary;
  }
}

function handle(name: string, ns: string): NodeHandle {
  return { name, netns: ns, nsenter: ['ip', 'netns', 'exec', ns], id: ns };
}

/** `vrrlab-<lab>.<node>` -> its parts; null for any other name (neither part may contain a dot). */
function parseName(ns: string): { lab: string; node: string } | null {
  if (!ns.startsWith(NAME_PREFIX)) return null;
  const rest = ns.slice(NAME_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1 || rest.indexOf('.', dot + 1) !== -1) return null;
  return { lab: rest.slice(0, dot), node: rest.slice(dot + 1) };
}

async function listNamespaces(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  if (r.failed) return [];
  // Lines look like "name" or "name (id: 3)".
  return String(r.stdout)
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name !== '');
}

async function run(cmd: string, args: string[]): Promise<void> {
  const r = await execa(cmd, args, { reject: false });
  if (r.failed) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(r.stderr).trim() || r.message}`);
}
