// The docker runtime: one container per node, from the offline-built node image (src/testbed/image). A node
// container has no network of its own (`--network none`: the controller moves veth ends into it by PID),
// NET_ADMIN and NET_RAW and /dev/net/tun for vrrd's AF_PACKET sockets and overlay TAP, never --privileged;
// docker's init as PID 1 so signals work and exec'd processes are reaped; the node's own directory of the lab
// (nodes/<node>/: its control socket and log) bind-mounted at the same path so they are where the controller
// expects them, and nothing else of the lab: not lab.json, not another node's socket. Everything it creates is
// labelled (LABELS.owner, lab, run, node), so removeLab works from labels alone after any crash.
//
// Processes inside: vrrd is started with docker exec (it runs in the container's cgroup and PID namespace
// and dies with the container), and exec inspect gives its host PID for the controller's signals. Streams
// (spawn) go through nsenter from the host, which needs no engine round trip and hands back the program's
// own process; removeLab kills whatever still runs in a node's network namespace before removing it.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { ensureBaseImage, type BaseImageOptions } from '../image/base-image.ts';
import { ensureNodeImage } from '../image/node-image.ts';
import { labPaths } from '../lab/lab-dir.ts';
import { mapLimit } from '../lab/pool.ts';
import { nsfsInode } from '../links/netns.ts';
import {
  dockerClient,
  engineUnavailableReason,
  engineVersion,
  isConflict,
  isNotFound,
} from './docker-engine.ts';
import {
  LABELS,
  nodeResourceName,
  OWNER,
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

/** How long startDaemon waits for the engine to report the exec'd process's PID (generous: see lab/daemons.ts). */
const START_TIMEOUT_MS = 180_000;

// Containers removed at once by removeLab. A hundred removals in parallel once left dockerd answering nothing for
// minutes, SIGTERM ignored; a few at a time keep the engine answering while a big lab goes.
const REMOVE_CONCURRENCY = 8;

/** PATH inside the image (spawn runs through nsenter, which would otherwise keep the host's). */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Kernel settings of every node: IPv6 on, so the overlay and veth ends get IPv6 addresses. */
const NODE_SYSCTLS = {
  'net.ipv6.conf.all.disable_ipv6': '0',
  'net.ipv6.conf.default.disable_ipv6': '0',
};

/** Options of DockerRuntime. */
export interface DockerRuntimeOptions {
  /** The engine client (default: DOCKER_HOST or /var/run/docker.sock). */
  docker?: Docker;
  /** Where prepare() writes the vrrd bundle that goes into the image (default <repo>/dist). */
  bundleDir?: string;
  /** Node image to create nodes from without prepare() (default: the one prepare() made or found). */
  image?: string;
  /** How the base image is built when missing (mirror, temp dir). */
  base?: BaseImageOptions;
}

/** Nodes as containers of a Docker engine. */
export class DockerRuntime implements Runtime {
  readonly kind = 'docker';
  readonly nodeNoun = 'containers';
  readonly concurrency = 6;
  readonly #docker: Docker;
  readonly #options: DockerRuntimeOptions;
  #image: string | null;

  /** All options are optional: `new DockerRuntime()` talks to the local engine. */
  constructor(options: DockerRuntimeOptions = {}) {
    this.#docker = options.docker ?? dockerClient();
    this.#options = options;
    this.#image = options.image ?? null;
  }

  async unavailableReason(): Promise<string | null> {
    const engine = await engineUnavailableReason(this.#docker);
    if (engine !== null) return engine;
    if (process.getuid?.() !== 0)
      return 'not root: veth ends are moved into node containers by PID, which needs root';
    return null;
  }

  async prepare(progress: ProgressSink): Promise<PrepareInfo> {
    const base = await ensureBaseImage(this.#docker, progress, this.#options.base);
    progress('bundling vrrd and vrrctl for the node image');
    const node = await ensureNodeImage(this.#docker, progress, {
      baseTag: base.tag,
      bundleDir: this.#options.bundleDir,
    });
    this.#image = node.tag;
    return { image: node.tag, built: base.built || node.built, engine: await engineVersion(this.#docker) };
  }

  async createNode(lab: LabIdentity, name: string): Promise<NodeHandle> {
    if (this.#image === null) {
      throw new Error(`cannot create node ${name} of lab ${lab.lab}: no node image (call prepare() first)`);
    }
    const containerName = nodeResourceName(lab.lab, name);
    // The node's directory exists before the engine is asked to mount it (it would create it root-owned, 0755).
    const nodeDir = labPaths.node(lab.dir, name);
    mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
    let container: Docker.Container;
    try {
      container = await this.#docker.createContainer({
        name: containerName,
        Image: this.#image,
        Hostname: name,
        Cmd: ['sleep', 'infinity'],
        Labels: {
          [LABELS.owner]: OWNER,
          [LABELS.lab]: lab.lab,
          [LABELS.run]: lab.runId,
          [LABELS.node]: name,
        },
        HostConfig: {
          NetworkMode: 'none',
          CapAdd: ['NET_ADMIN', 'NET_RAW'],
          Devices: [
            { PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' },
          ],
          Privileged: false,
          Init: true,
          // Its own directory only, at the same path: vrrd's control socket and log are where the controller
          // looks for them, and root in the node reaches neither lab.json nor another node's socket.
          Binds: [`${nodeDir}:${nodeDir}`],
          Sysctls: NODE_SYSCTLS,
          // Nothing is written to the container's stdout; don't keep a json log per node.
          LogConfig: { Type: 'none', Config: {} },
        },
      });
    } catch (error) {
      if (isConflict(error)) {
        throw new Error(
          `container ${containerName} exists already (a lab ${lab.lab} is up, or was left: testbed down ${lab.lab})`,
        );
      }
      throw new Error(`cannot create container ${containerName} from ${this.#image}: ${errorText(error)}`);
    }
    try {
      await container.start();
      const info = await container.inspect();
      if (!info.State.Running || !info.State.Pid) {
        throw new Error(`it is not running after start (state ${info.State.Status})`);
      }
      const h = handle(name, info.Id, info.State.Pid);
      if (h === null) throw new Error(`its init (PID ${info.State.Pid}) was gone at once`);
      return h;
    } catch (error) {
      // A half-made node would block the next `up` with a name conflict.
      await container.remove({ force: true }).catch(() => {});
      throw new Error(`cannot start container ${containerName}: ${errorText(error)}`);
    }
  }

  async findNode(lab: LabIdentity, name: string): Promise<NodeHandle | null> {
    try {
      const info = await this.#docker.getContainer(nodeResourceName(lab.lab, name)).inspect();
      const labels = info.Config.Labels ?? {};
      if (labels[LABELS.owner] !== OWNER || labels[LABELS.lab] !== lab.lab) return null;
      if (labels[LABELS.run] !== lab.runId || labels[LABELS.node] !== name) return null; // another run's
      if (!info.State.Running || !info.State.Pid) return null;
      return handle(name, info.Id, info.State.Pid);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  nodeCommand(): string[] {
    return ['node'];
  }

  async nodeMemoryBytes(node: NodeHandle): Promise<number | null> {
    // cgroup v1, then v2 (systemd driver): what the kernel charges the container, page cache included.
    for (const file of [
      `/sys/fs/cgroup/memory/docker/${node.id}/memory.usage_in_bytes`,
      `/sys/fs/cgroup/system.slice/docker-${node.id}.scope/memory.current`,
    ]) {
      if (existsSync(file)) return Number(readFileSync(file, 'utf8'));
    }
    return null;
  }

  vrrdCommand(): string[] {
    return ['vrrd'];
  }

  async babeldCommand(): Promise<string[]> {
    // The node image (image/) is built with what vrrd needs and no babeld: say so rather than fail in a node.
    throw new Error(
      'the docker node image has no babeld, so babeld nodes run only with --runtime netns (the host then needs babeld)',
    );
  }

  vrrctlCommand(): string[] {
    return ['vrrctl'];
  }

  async startDaemon(lab: LabIdentity, node: NodeHandle, argv: string[], logFile: string): Promise<number> {
    if (!logFile.startsWith(`${labPaths.node(lab.dir, node.name)}/`)) {
      throw new Error(`vrrd's log ${logFile} must be in node ${node.name}'s directory of lab ${lab.lab}`);
    }
    // sh appends both streams to the log and execs: the PID the engine reports is vrrd's own (the wrapper
    // execs too). umask 077: the log is root's, as in the netns runtime.
    const exec = await this.#docker.getContainer(node.id).exec({
      Cmd: ['sh', '-c', 'umask 077; log=$1; shift; exec "$@" >>"$log" 2>&1', 'sh', logFile, ...argv],
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
    });
    await exec.start({ Detach: true });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const info = await exec.inspect();
      if (info.Running && info.Pid > 0) return info.Pid;
      if (!info.Running && info.ExitCode !== null) {
        throw new Error(
          `${argv.join(' ')} in node ${node.name} exited at once with code ${info.ExitCode} (see ${logFile})`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${argv.join(' ')} in node ${node.name} was not running after ${START_TIMEOUT_MS} ms`,
        );
      }
      await sleep(20);
    }
  }

  async exec(
    _lab: LabIdentity,
    node: NodeHandle,
    argv: string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const withInput = options.input !== undefined;
    const exec = await this.#docker.getContainer(node.id).exec({
      Cmd: argv,
      AttachStdin: withInput,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = (await exec.start({ hijack: withInput, stdin: withInput })) as NodeJS.ReadWriteStream;
    const stdout = collect();
    const stderr = collect();
    this.#docker.modem.demuxStream(stream, stdout.sink, stderr.sink);
    if (withInput) {
      stream.write(options.input!);
      stream.end(); // half-close: the command sees end of input, its output keeps coming
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The engine cannot signal an exec: kill its process from the host (we are in its PID namespace's parent).
      void exec
        .inspect()
        .then((info) => info.Pid > 0 && process.kill(info.Pid, 'SIGKILL'))
        .catch(() => {});
    }, timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', reject);
      });
    } finally {
      clearTimeout(timer);
    }
    // The stream can end a moment before the engine records the exit code.
    let info = await exec.inspect();
    for (let i = 0; info.Running && i < 100; i++) {
      await sleep(10);
      info = await exec.inspect();
    }
    if (timedOut) {
      return {
        exitCode: 124,
        stdout: stdout.text(),
        stderr: `${stderr.text()}timed out after ${timeoutMs} ms`,
      };
    }
    return { exitCode: info.ExitCode ?? 1, stdout: stdout.text(), stderr: stderr.text() };
  }

  spawn(_lab: LabIdentity, node: NodeHandle, argv: string[], options: { tty?: boolean } = {}): ChildProcess {
    // Mount, UTS, IPC and network namespaces: the image's binaries, the node's interfaces. Not the PID
    // namespace: nsenter would fork for it, and the returned process would be nsenter, which does not pass
    // signals on; without it the child IS the program, so kill() stops a capture or an iperf. removeLab
    // kills any such process still in the node's network namespace.
    return spawn('nsenter', ['-t', node.netns, '-m', '-u', '-i', '-n', '--', ...argv], {
      stdio: options.tty ? 'inherit' : ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: IMAGE_PATH },
    });
  }

  async listLabs(): Promise<FoundLab[]> {
    const labs = new Map<string, FoundLab>();
    for (const c of await this.#containers(null)) {
      const lab = c.Labels[LABELS.lab];
      const node = c.Labels[LABELS.node];
      if (!lab) continue;
      const found = labs.get(lab) ?? { lab, runId: c.Labels[LABELS.run] ?? null, nodes: [] };
      if (node) found.nodes.push(node);
      labs.set(lab, found);
    }
    for (const found of labs.values()) found.nodes.sort();
    return [...labs.values()];
  }

  async removeLab(lab: string | null, runId?: string): Promise<RemovedSummary> {
    const summary: RemovedSummary = { containers: 0, namespaces: 0, processes: 0 };
    const containers = await this.#containers(lab, runId);
    if (containers.length === 0) return summary;
    const byNetns = processesByNetns();
    // One container that cannot go must not keep the others: every removal is tried, then the failures reported.
    const failures: string[] = [];
    await mapLimit(containers, REMOVE_CONCURRENCY, async (c) => {
      const container = this.#docker.getContainer(c.Id);
      // Processes entered from the host (spawn) are outside the container's cgroup: the engine would
      // leave them running, holding the network namespace. Kill them first; count what ran beside init.
      const init = c.State === 'running' ? await initPid(container) : 0;
      if (init > 0) summary.processes += killNamespaceMates(init, byNetns);
      try {
        await container.remove({ force: true });
        summary.containers++;
      } catch (error) {
        // Removed meanwhile (a concurrent down): that is the outcome wanted.
        if (!isNotFound(error) && !/already in progress/.test(errorText(error))) {
          failures.push(`${c.Names[0] ?? c.Id}: ${errorText(error)}`);
        }
      }
    });
    if (failures.length > 0) throw new Error(`cannot remove container ${failures.join('; ')}`);
    return summary;
  }

  /** The testbed's containers (of one lab, or all; of one run of it, or all), running or not. */
  async #containers(lab: string | null, runId?: string): Promise<Docker.ContainerInfo[]> {
    const label = [`${LABELS.owner}=${OWNER}`];
    if (lab !== null) label.push(`${LABELS.lab}=${lab}`);
    if (runId !== undefined) label.push(`${LABELS.run}=${runId}`);
    return this.#docker.listContainers({ all: true, filters: { label } });
  }
}

/** The handle of a container whose init has host PID pid, or null when that process is gone. */
function handle(name: string, id: string, pid: number): NodeHandle | null {
  const nsPath = `/proc/${pid}/ns/net`;
  const inode = nsfsInode(nsPath);
  if (inode === null) return null;
  return {
    name,
    netns: String(pid),
    nsPath,
    netnsInode: inode,
    nsenter: ['nsenter', '-t', String(pid), '-n'],
    id,
  };
}

async function initPid(container: Docker.Container): Promise<number> {
  try {
    const info = await container.inspect();
    return info.State.Running ? info.State.Pid : 0;
  } catch {
    return 0;
  }
}

/** Host PIDs by network namespace (the link /proc/<pid>/ns/net points to), in one scan of /proc. */
function processesByNetns(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ns = readlinkSync(`/proc/${entry}/ns/net`);
      const list = out.get(ns) ?? [];
      list.push(Number(entry));
      out.set(ns, list);
    } catch {
      // Exited during the scan, or a kernel thread.
    }
  }
  return out;
}

/** SIGKILLs every process in init's network namespace but init and its children (the engine's own). */
function killNamespaceMates(init: number, byNetns: Map<string, number[]>): number {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${init}/ns/net`);
  } catch {
    return 0;
  }
  let killed = 0;
  for (const pid of byNetns.get(ns) ?? []) {
    if (pid === init || parentPid(pid) === init) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // Gone already.
    }
  }
  return killed;
}

function parentPid(pid: number): number {
  try {
    // The command name is in parentheses and may contain spaces: fields after the last ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

function collect(): { sink: PassThrough; text: () => string } {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

function errorText(error: unknown): string {
  const e = error as { json?: { message?: string }; message?: string };
  return e?.json?.message ?? e?.message ?? String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
