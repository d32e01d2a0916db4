// Live faults on a lab, shared by the CLI verbs (link, impair, partition, heal, kill, restart) and the
// scenario runner on real labs: each changes the lab and its lab.json the same way, and returns a line that
// says what it did (for the terminal and the timeline).

import type { LinkParams } from '../../topology/types.ts';
import { applyNetem, detectShaping, emulationSettings, shapedBy } from '../links/shaping.ts';
import { setLinksUp } from '../links/veth.ts';
import { daemonState, startDaemon, stopDaemon } from './daemons.ts';
import { daemonsMode } from './lab-state.ts';
import { isSameProcess } from './host-process.ts';
import type { Lab } from './lab.ts';
import { plannedLink, plannedNode, type PlannedLink } from './plan.ts';

/** Sets the link between a and b down or up (both veth ends). */
export async function setLink(lab: Lab, a: string, b: string, up: boolean): Promise<string> {
  const link = plannedLink(lab.plan, a, b);
  await setLinksUp([link], up, lab.handles());
  lab.state.links[link.index].adminDown = !up;
  lab.save();
  return `link ${link.a} -- ${link.b} ${up ? 'up' : 'down'}`;
}

/** Changes the impairments of the link between a and b; fromA applies from a to b, fromB from b to a. */
export async function impairLink(
  lab: Lab,
  a: string,
  b: string,
  fromA: Partial<LinkParams>,
  fromB: Partial<LinkParams>,
): Promise<string> {
  const link = plannedLink(lab.plan, a, b);
  const state = lab.state.links[link.index];
  // The plan's a may be the caller's b.
  const [towardB, towardA] = link.a === a ? [fromA, fromB] : [fromB, fromA];
  state.aToB = { ...state.aToB, ...towardB };
  state.bToA = { ...state.bToA, ...towardA };
  const mechanism = lab.state.shaping?.mechanism ?? (await decideShaping(lab, link));
  await shapeEnd(lab, link.a, link.ifA, state.aToB, mechanism);
  await shapeEnd(lab, link.b, link.ifB, state.bToA, mechanism);
  const a2 = shapedBy(state.aToB, mechanism);
  state.shapedBy = a2 !== 'none' ? a2 : shapedBy(state.bToA, mechanism);
  lab.save();
  return `impair ${link.a} -- ${link.b} (${state.shapedBy})`;
}

/** Splits the lab into groups: every link whose ends are in different groups goes down. */
export async function partition(lab: Lab, groups: string[][]): Promise<string> {
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) =>
    g.forEach((n) => {
      plannedNode(lab.plan, n);
      if (groupOf.has(n)) throw new Error(`partition: node ${n} is in two groups`);
      groupOf.set(n, i);
    }),
  );
  // Nodes named in no group form one more group of their own (as the simulator does).
  const rest = groups.length;
  const side = (n: string): number => groupOf.get(n) ?? rest;
  if (lab.state.partition !== null) await heal(lab);
  const cut = lab.plan.links.filter((l) => side(l.a) !== side(l.b));
  const toCut = cut.filter((l) => !lab.state.links[l.index].adminDown);
  await setLinksUp(toCut, false, lab.handles());
  lab.state.partition = groups;
  lab.state.partitionCut = toCut.map((l) => l.index);
  lab.save();
  return `partition into ${groups.map((g) => `[${g.join(',')}]`).join(' ')}: ${toCut.length} link(s) cut`;
}

/** Undoes the last partition: brings back exactly the links it cut. */
export async function heal(lab: Lab): Promise<string> {
  const cut = lab.state.partitionCut.map((i) => lab.plan.links[i]);
  const back = cut.filter((l) => !lab.state.links[l.index].adminDown);
  await setLinksUp(back, true, lab.handles());
  lab.state.partition = null;
  lab.state.partitionCut = [];
  lab.save();
  return `heal: ${back.length} link(s) restored`;
}

/** Crashes a node: SIGKILL to its vrrd (all protocol state lost; its links stay up). */
export async function killNode(lab: Lab, node: string): Promise<string> {
  plannedNode(lab.plan, node);
  const found = await stopDaemon(lab, node, 'SIGKILL');
  lab.save();
  return found === 'stopped'
    ? `kill ${node}: vrrd killed (SIGKILL)`
    : `kill ${node}: vrrd was not running (nothing signalled; its PID, if in use, is another process's)`;
}

/**
 * Stalls a node's vrrd for ms, as a host that does not schedule it: SIGSTOP now, SIGCONT when the time is up (a
 * timer of this process, which it keeps alive until then). What it would do meanwhile it does late.
 */
export async function stallNode(lab: Lab, node: string, ms: number): Promise<string> {
  plannedNode(lab.plan, node);
  if (lab.protocol(node) === 'vrrd' && daemonsMode(lab.state) === 'shared')
    throw new Error(
      `stall ${node}: it runs in a shared vrrd host, and stopping that process would stall every node it hosts; ` +
        'bring the lab up with --daemons per-node to stall one node',
    );
  const s = lab.state.nodes[node];
  if (daemonState(lab, node) !== 'running' || s.daemonPid == null || s.daemonStart == null)
    throw new Error(`stall ${node}: its daemon is not running`);
  const recorded = { pid: s.daemonPid, startTime: s.daemonStart };
  // Each signal goes only to the recorded process (not to whoever has its PID after a crash step).
  const send = (sig: NodeJS.Signals): void => {
    if (!isSameProcess(recorded)) return;
    try {
      process.kill(recorded.pid, sig);
    } catch {
      // Exited in between: nothing to stop or continue.
    }
  };
  send('SIGSTOP');
  setTimeout(() => send('SIGCONT'), ms);
  return `stall ${node}: pid ${recorded.pid} stopped for ${ms} ms`;
}

/** Restarts a node's vrrd from nothing (killing it first if it still runs). */
export async function restartNode(lab: Lab, node: string): Promise<string> {
  plannedNode(lab.plan, node);
  await stopDaemon(lab, node, 'SIGKILL');
  await startDaemon(lab, node);
  lab.save();
  return `restart ${node}: vrrd pid ${lab.state.nodes[node].daemonPid}`;
}

async function decideShaping(lab: Lab, link: PlannedLink): Promise<'netem' | 'vrrd-emulation'> {
  const choice = await detectShaping(lab.handle(link.a), link.ifA);
  lab.state.shaping = choice;
  return choice.mechanism;
}

async function shapeEnd(
  lab: Lab,
  node: string,
  ifname: string,
  params: LinkParams,
  mechanism: 'netem' | 'vrrd-emulation',
): Promise<void> {
  if (mechanism === 'netem') {
    await applyNetem(lab.handle(node), ifname, params);
    return;
  }
  if (lab.state.nodes[node].daemonPid === null) return; // applied from lab.json when it restarts
  await lab.ctl(node, 'link.set', { interface: ifname, settings: emulationSettings(params) });
}
