// Starting and stopping the vrrd of a lab node. The flags come from the plan (address, r, hello period, seed
// derived from the run seed and the node name, overlay addresses, interfaces) and the link state (vrrd's
// own emulation, when it shapes the links). A start waits until the control socket answers, then makes the
// overlay route multicast groups (so a member's socket and a sender reach vrr0 without setup by hand).

import { ControlClient } from '../../control/client.ts';
import { emulationFlag } from '../links/shaping.ts';
import { tryInNode } from '../links/node-shell.ts';
import { processAlive, type Lab } from './lab.ts';
import { plannedNode } from './plan.ts';
import { readFileSync } from 'node:fs';

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
  for (const i of n.interfaces) {
    const link = lab.plan.links[i.link];
    const state = lab.state.links[i.link];
    if (state.shapedBy !== 'vrrd-emulation') continue;
    flags.push(...emulationFlag(i.ifname, link.a === n.name ? state.aToB : state.bToA));
  }
  return flags;
}

/** Starts node's vrrd and waits for its control socket; records the PID in the state (not saved). */
export async function startDaemon(lab: Lab, node: string): Promise<number> {
  const argv = [...lab.runtime.vrrdCommand(), ...vrrdFlags(lab, node)];
  const pid = await lab.runtime.startDaemon(lab.identity, lab.handle(node), argv, lab.logFile(node));
  lab.state.nodes[node].daemonPid = pid;
  const started = Date.now();
  for (;;) {
    try {
      (await ControlClient.connect(lab.socket(node))).close();
      break;
    } catch {
      // Not listening yet.
    }
    if (!processAlive(pid)) {
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

/** Stops node's vrrd with signal (SIGKILL: a crash) and waits until it is gone (SIGKILL after 5 s). */
export async function stopDaemon(lab: Lab, node: string, signal: NodeJS.Signals): Promise<void> {
  const pid = lab.state.nodes[node]?.daemonPid;
  lab.state.nodes[node].daemonPid = null;
  if (pid == null || !processAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The last lines of a log file ('' when unreadable). */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
