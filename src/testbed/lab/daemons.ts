// Starting and stopping the vrrd of a lab node. The flags come from the plan (address, r, hello period, seed
// derived from the run seed and the node name, overlay addresses, interfaces) and the link state (vrrd's
// own emulation, when it shapes the links). A start waits until the control socket answers, then makes the
// overlay route multicast groups (so a member's socket and a sender reach vrr0 without setup by hand).
//
// In shared mode (daemon-hosts.ts) a node has no process of its own: starting and stopping it go through the
// vrrd host that runs it, and it runs while that host does and has not crashed it.
//
// A daemon is recorded as (PID, start time). Before it is signalled, or reported running, the process behind
// the PID must have that start time and run in the node's network namespace: a PID that has since passed to
// another process is reported as a daemon that is gone, and is never signalled.

import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { ControlClient } from '../../control/client.ts';
import { emulationFlag } from '../links/shaping.ts';
import { tryInNode } from '../links/node-shell.ts';
import { isSameProcess, processNetnsInode, processStartTime } from './host-process.ts';
import { crashHosted, hostAlive, hostOf, restartHosted } from './daemon-hosts.ts';
import { checkedSocket, type Lab } from './lab.ts';
import { daemonsMode } from './lab-state.ts';
import { labPaths } from './lab-dir.ts';
import { plannedNode } from './plan.ts';
import { babeldFlags, prepareBabeldNode } from './babeld.ts';

/**
 * How long a vrrd that is still running may take to open its control socket. A vrrd that exits is reported at
 * once; this only catches one that hangs, so it is generous: while a 100-container lab starts on two cores the load
 * passes 150, and a start that takes 3 s on an idle machine took over 30 s there (and failed the whole `up`).
 */
const START_TIMEOUT_MS = 180_000;

/** vrrd's flags for node (without the command prefix). */
export function vrrdFlags(lab: Lab, node: string): string[] {
  const n = plannedNode(lab.plan, node);
  const flags = [
    '--name',
    n.name,
    '--address',
    n.address,
    '--vset-size',
    String(n.vrr.vsetSize),
    '--hello-ms',
    String(n.vrr.helloMs),
    '--seed',
    String(n.seed),
    '--socket',
    lab.socket(n.name),
    '--ipv4',
    n.ipv4,
    '--ipv6',
    n.ipv6,
    '--log-level',
    'info',
  ];
  if (n.interfaces.length > 0) flags.push('-i', n.interfaces.map((i) => i.ifname).join(','));
  if (n.keyed) flags.push('--key-file', labPaths.key(lab.identity.dir, n.name));
  for (const i of n.interfaces) {
    const link = lab.plan.links[i.link];
    const state = lab.state.links[i.link];
    if (state.shapedBy !== 'vrrd-emulation') continue;
    flags.push(...emulationFlag(i.ifname, link.a === n.name ? state.aToB : state.bToA));
  }
  return flags;
}

/** Whether node's vrrd runs: 'killed' (not meant to), 'running', or 'gone' (dead, or its PID is another's now). */
export function daemonState(lab: Lab, node: string): 'running' | 'killed' | 'gone' {
  const s = lab.state.nodes[node];
  if (s?.daemonPid == null) return 'killed';
  if (isHosted(lab, node)) {
    const host = hostOf(lab, node)!;
    return host.pid === s.daemonPid && hostAlive(host) ? 'running' : 'gone';
  }
  if (s.daemonStart === null || !isSameProcess({ pid: s.daemonPid, startTime: s.daemonStart })) return 'gone';
  // The right process, in the node's namespace (which handle() checks is still the one up created).
  let inode: number;
  try {
    inode = lab.handle(node).netnsInode;
  } catch {
    return 'gone';
  }
  return processNetnsInode(s.daemonPid) === inode ? 'running' : 'gone';
}

/**
 * Starts node's daemon: vrrd (waits for its control socket), or babeld on a babeld node (waits until it has
 * run a moment: a bad configuration ends it at once). Records its PID and start time in the state (not saved).
 */
export async function startDaemon(lab: Lab, node: string): Promise<number> {
  if (lab.protocol(node) === 'babeld') return startBabeld(lab, node);
  if (isHosted(lab, node)) return restartHosted(lab, node);
  const argv = [...lab.runtime.vrrdCommand(), ...vrrdFlags(lab, node)];
  const pid = await lab.runtime.startDaemon(lab.identity, lab.handle(node), argv, lab.logFile(node));
  const startTime = processStartTime(pid);
  lab.state.nodes[node].daemonPid = pid;
  lab.state.nodes[node].daemonStart = startTime;
  const started = Date.now();
  for (;;) {
    try {
      (await ControlClient.connect(checkedSocket(lab.socket(node)))).close();
      break;
    } catch {
      // Not listening yet.
    }
    if (startTime === null || !isSameProcess({ pid, startTime })) {
      throw new Error(
        `vrrd of node ${node} exited at start; its log ${lab.logFile(node)} ends:\n${logTail(lab.logFile(node))}`,
      );
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      throw new Error(
        `vrrd of node ${node} did not open ${lab.socket(node)} within ${START_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // Multicast groups leave through the overlay; without these routes a sender's kernel has no way out.
  const h = lab.handle(node);
  await tryInNode(h, ['ip', 'route', 'replace', '224.0.0.0/4', 'dev', 'vrr0']);
  return pid;
}

/** How long a babeld must keep running after its start to count as started. */
const BABELD_SETTLE_MS = 300;

async function startBabeld(lab: Lab, node: string): Promise<number> {
  await prepareBabeldNode(lab, node);
  const argv = [...(await lab.runtime.babeldCommand()), ...babeldFlags(lab, node)];
  const pid = await lab.runtime.startDaemon(lab.identity, lab.handle(node), argv, lab.logFile(node));
  const startTime = processStartTime(pid);
  lab.state.nodes[node].daemonPid = pid;
  lab.state.nodes[node].daemonStart = startTime;
  await new Promise((r) => setTimeout(r, BABELD_SETTLE_MS));
  if (startTime === null || !isSameProcess({ pid, startTime })) {
    throw new Error(
      `babeld of node ${node} exited at start; its log ${lab.logFile(node)} ends:\n${logTail(lab.logFile(node))}`,
    );
  }
  return pid;
}

/**
 * Stops node's daemon (vrrd or babeld) with signal (SIGKILL: a crash) and waits until it is gone (SIGKILL after 5 s). A daemon
 * that is not running any more is only marked stopped: its PID, if someone else has it now, is not signalled.
 * Resolves to what it found: 'stopped', or 'gone' (nothing to stop).
 */
export async function stopDaemon(
  lab: Lab,
  node: string,
  signal: NodeJS.Signals,
): Promise<'stopped' | 'gone'> {
  // A hosted node stops the same way whatever the signal: nothing is sent on the way out (Daemon.stop).
  if (isHosted(lab, node)) return crashHosted(lab, node);
  const s = lab.state.nodes[node];
  const running = daemonState(lab, node) === 'running';
  const recorded = { pid: s.daemonPid ?? 0, startTime: s.daemonStart ?? -1 };
  s.daemonPid = null;
  s.daemonStart = null;
  if (!running) return 'gone';
  // Each signal is sent only while the process behind the PID is still the recorded one.
  const send = (sig: NodeJS.Signals): void => {
    if (!isSameProcess(recorded)) return;
    try {
      process.kill(recorded.pid, sig);
    } catch {
      // Exited in between.
    }
  };
  send(signal);
  const deadline = Date.now() + 5000;
  while (isSameProcess(recorded)) {
    if (Date.now() > deadline) {
      send('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return 'stopped';
}

/** Whether node runs in a shared vrrd host (shared mode, and a vrrd node: babeld nodes keep a process each). */
function isHosted(lab: Lab, node: string): boolean {
  return daemonsMode(lab.state) === 'shared' && hostOf(lab, node) !== null;
}

/** The last lines of a log file ('' when unreadable; a symlink in its place is not followed). */
export function logTail(file: string, lines = 15): string {
  return readNoFollow(file).trimEnd().split('\n').slice(-lines).join('\n');
}

/** A node's log, read without following a symlink a node may have planted in its place ('' when unreadable). */
export function readNoFollow(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
