// Shared mode (`testbed up --daemons shared`): instead of one vrrd per node, one vrrd host process per core
// (`vrrd --host FILE`, src/daemon/daemon-host.ts), each hosting a slice of the nodes. A hosted node has the same
// configuration as its own vrrd would (vrrdFlags, read back by the daemon's own parser), its links and TAP
// opened inside its namespace, its control socket and log at the usual paths, so every verb, fault and check
// works unchanged; only starting and stopping one node goes through its host's control socket (host.restart,
// host.crash) instead of a process of its own.
//
// Files, all under the lab directory's hosts/ (root's, 0700): host-K.json (the host file), host-K.sock (its
// control socket) and host-K.log (its own lines). The host file's path in a process's command line is the mark
// that makes a lab's hosts findable from the lab name alone (stopLabHosts), after any crash of the controller:
// they run in the controller's namespace, where `ip netns pids` does not see them, and they hold sockets in
// the nodes' namespaces, which keep those namespaces alive until the hosts are gone.

import { availableParallelism } from 'node:os';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ControlClient, requestOnce } from '../../control/client.ts';
import { readConfigInput } from '../../daemon/config.ts';
import { tryInNode } from '../links/node-shell.ts';
import { identify, isSameProcess, processStartTime, type ProcessIdentity } from './host-process.ts';
import { checkedSocket, type Lab } from './lab.ts';
import { labDir } from './lab-dir.ts';
import type { HostState } from './lab-state.ts';

/**
 * How long a host may take to start all its nodes (see START_TIMEOUT_MS in daemons.ts: loaded machines): at least
 * 300 s, and 1 s per node it hosts beyond that (a host of 512 nodes took 294 s on two loaded cores, the last
 * nodes starting about one a second while the first ones formed their ring).
 */
function hostStartTimeoutMs(host: HostState): number {
  return Math.max(300_000, host.nodes.length * 1000);
}
/** How long a host.crash or host.restart may take. */
const HOST_VERB_TIMEOUT_MS = 60_000;

/** The files of host k of a lab directory. */
export const hostPaths = {
  dir: (dir: string): string => join(dir, 'hosts'),
  file: (dir: string, k: number): string => join(dir, 'hosts', `host-${k}.json`),
  socket: (dir: string, k: number): string => join(dir, 'hosts', `host-${k}.sock`),
  log: (dir: string, k: number): string => join(dir, 'hosts', `host-${k}.log`),
};

/** The nodes split into one contiguous slice per host: as many hosts as cores, never more than nodes. */
export function sliceNodes(nodes: readonly string[], cores: number = availableParallelism()): string[][] {
  const hosts = Math.max(1, Math.min(cores, nodes.length));
  const per = Math.ceil(nodes.length / hosts);
  const slices: string[][] = [];
  for (let i = 0; i < nodes.length; i += per) slices.push(nodes.slice(i, i + per));
  return slices;
}

/** The host file of one slice: each node as its own vrrd would be configured, plus namespace and log. */
export async function hostDocument(
  lab: Lab,
  k: number,
  nodes: readonly string[],
  vrrdFlags: (node: string) => string[],
) {
  return {
    control: hostPaths.socket(lab.identity.dir, k),
    nodes: await Promise.all(
      nodes.map(async (node) => ({
        ...(await readConfigInput(vrrdFlags(node))),
        netns: lab.handle(node).nsPath,
        log: lab.logFile(node),
      })),
    ),
  };
}

/**
 * Starts one host per slice of nodes (the lab's vrrd nodes; all hosts at once) and waits until each answers on its control socket, which it opens
 * once all its nodes run; records every node as run by its host. Throws naming the host and its log's end.
 */
export async function startHosts(
  lab: Lab,
  nodes: readonly string[],
  vrrdCommand: string[],
  vrrdFlags: (node: string) => string[],
  report: { progress: (line: string) => void; started?: (nodes: number) => void },
): Promise<void> {
  const { progress } = report;
  const dir = lab.identity.dir;
  mkdirSync(hostPaths.dir(dir), { recursive: true, mode: 0o700 });
  const slices = sliceNodes(nodes);
  const hosts: HostState[] = slices.map((nodes, index) => ({ index, pid: null, startTime: null, nodes }));
  lab.state.daemons = { mode: 'shared', hosts };
  progress(`  ${hosts.length} vrrd host(s): ${hosts.map((h) => h.nodes.length).join(' + ')} nodes`);
  await Promise.all(
    hosts.map(async (host) => {
      const file = hostPaths.file(dir, host.index);
      writeFileSync(
        file,
        JSON.stringify(await hostDocument(lab, host.index, host.nodes, vrrdFlags), null, 1),
        {
          mode: 0o600,
        },
      );
      const pid = spawnHost(
        withHeapFlags(vrrdCommand, host.nodes.length),
        file,
        hostPaths.log(dir, host.index),
      );
      host.pid = pid;
      host.startTime = processStartTime(pid);
      await waitForHost(lab, host, () => report.started?.(countSockets(lab, nodes)));
      for (const node of host.nodes) markRunning(lab, node, host);
      report.started?.(countSockets(lab, nodes));
    }),
  );
  await Promise.all(nodes.map((n) => routeMulticast(lab, n)));
}

/** The host that runs node (shared mode), or null. */
export function hostOf(lab: Lab, node: string): HostState | null {
  return lab.state.daemons?.hosts.find((h) => h.nodes.includes(node)) ?? null;
}

/** Whether host still runs: the recorded process (PID and start time) is alive. */
export function hostAlive(host: HostState): boolean {
  return (
    host.pid !== null &&
    host.startTime !== null &&
    isSameProcess({ pid: host.pid, startTime: host.startTime })
  );
}

/** Crashes one hosted node (host.crash): its state is dropped, its sockets and TAP closed; the host runs on. */
export async function crashHosted(lab: Lab, node: string): Promise<'stopped' | 'gone'> {
  const host = requireHost(lab, node);
  const s = lab.state.nodes[node];
  const wasRunning = s.daemonPid !== null;
  s.daemonPid = null;
  s.daemonStart = null;
  if (!wasRunning || !hostAlive(host)) return 'gone';
  await hostCtl(lab, host, 'host.crash', { node });
  return 'stopped';
}

/** Starts one hosted node again from nothing (host.restart); throws when its host is gone. */
export async function restartHosted(lab: Lab, node: string): Promise<number> {
  const host = requireHost(lab, node);
  if (!hostAlive(host)) {
    throw new Error(
      `node ${node}: its vrrd host ${host.index} (pid ${host.pid}) is gone, with every node it ran; ` +
        `see ${hostPaths.log(lab.identity.dir, host.index)} (testbed down ${lab.plan.lab}, then up again)`,
    );
  }
  await hostCtl(lab, host, 'host.restart', { node });
  markRunning(lab, node, host);
  await routeMulticast(lab, node);
  return host.pid!;
}

/**
 * Stops every vrrd host of a lab, found by the host files in their command lines (so after any crash too):
 * SIGTERM to all at once, SIGKILL to any left after 5 s. Resolves to how many there were.
 */
export async function stopLabHosts(lab: string): Promise<number> {
  const found = findLabHosts(lab);
  const send = (p: ProcessIdentity, signal: NodeJS.Signals): void => {
    if (!isSameProcess(p)) return;
    try {
      process.kill(p.pid, signal);
    } catch {
      // Exited in between.
    }
  };
  for (const p of found) send(p, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (found.some(isSameProcess)) {
    if (Date.now() > deadline) {
      for (const p of found) send(p, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return found.length;
}

/** The processes whose command line runs `--host` on a host file of this lab. */
export function findLabHosts(lab: string): ProcessIdentity[] {
  const prefix = `${hostPaths.dir(labDir(lab))}/`;
  const out: ProcessIdentity[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    const at = argv.indexOf('--host');
    if (at < 0 || !argv[at + 1]?.startsWith(prefix)) continue;
    const id = identify(Number(entry));
    if (id !== null) out.push(id);
  }
  return out;
}

function requireHost(lab: Lab, node: string): HostState {
  const host = hostOf(lab, node);
  if (host === null) throw new Error(`node ${node} of lab ${lab.plan.lab}: no vrrd host runs it (lab.json)`);
  return host;
}

function markRunning(lab: Lab, node: string, host: HostState): void {
  lab.state.nodes[node].daemonPid = host.pid;
  lab.state.nodes[node].daemonStart = host.startTime;
}

/** Multicast groups leave through the overlay (as startDaemon does for a vrrd of its own). */
async function routeMulticast(lab: Lab, node: string): Promise<void> {
  await tryInNode(lab.handle(node), ['ip', 'route', 'replace', '224.0.0.0/4', 'dev', 'vrr0']);
}

function hostCtl(lab: Lab, host: HostState, verb: string, args: Record<string, unknown>): Promise<unknown> {
  return requestOnce(
    checkedSocket(hostPaths.socket(lab.identity.dir, host.index)),
    verb,
    args,
    HOST_VERB_TIMEOUT_MS,
  );
}

/**
 * A host of many nodes runs with a larger young generation when it is our node binary: hundreds of nodes allocate
 * a frame's objects each, and with V8's default (16 MB) a 512-node host collected ten times a second, 22 % of its
 * time (host.status, load.gc). The testbed CLI itself runs with the same flag (package.json).
 */
function withHeapFlags(vrrdCommand: readonly string[], nodes: number): string[] {
  if (nodes < BIG_HOST_NODES || vrrdCommand[0] !== process.execPath) return [...vrrdCommand];
  return [vrrdCommand[0], `--max-semi-space-size=${BIG_HOST_SEMI_SPACE_MB}`, ...vrrdCommand.slice(1)];
}

/** From how many nodes a host gets the larger young generation, and its size (MB). */
const BIG_HOST_NODES = 64;
const BIG_HOST_SEMI_SPACE_MB = 64;

/** Starts `vrrd --host file` detached, its output appended to log (a symlink there is refused). */
function spawnHost(vrrdCommand: string[], file: string, log: string): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;
  const fd = openSync(log, flags, 0o600);
  try {
    const [cmd, ...args] = [...vrrdCommand, '--host', file];
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${cmd} --host ${file}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** How many of nodes have their control socket: each hosted node opens it once it runs. */
function countSockets(lab: Lab, nodes: readonly string[]): number {
  return nodes.filter((n) => existsSync(lab.socket(n))).length;
}

async function waitForHost(lab: Lab, host: HostState, onPoll: () => void): Promise<void> {
  const socket = hostPaths.socket(lab.identity.dir, host.index);
  const log = hostPaths.log(lab.identity.dir, host.index);
  const started = Date.now();
  let polled = started;
  for (;;) {
    try {
      (await ControlClient.connect(checkedSocket(socket))).close();
      return;
    } catch {
      // Not listening yet: its nodes are still starting.
    }
    // Progress (nodes whose socket exists) once a second: a big lab's hosts take minutes.
    if (Date.now() - polled >= 1000) {
      polled = Date.now();
      onPoll();
    }
    if (!hostAlive(host)) {
      throw new Error(
        `vrrd host ${host.index} (nodes ${host.nodes.join(', ')}) exited at start; ${log} ends:\n${tail(log)}`,
      );
    }
    const timeoutMs = hostStartTimeoutMs(host);
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `vrrd host ${host.index} (${host.nodes.length} nodes) did not open ${socket} within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
