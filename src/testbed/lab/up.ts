// Bringing a lab up: plan (everything decided before anything exists), lab.json written first (so `down`
// finds a lab whose `up` crashed), the runtime prepared (the node image), nodes created, veth pairs wired,
// links shaped, vrrd started everywhere, then the ring awaited. A failure on the way removes what was
// created, unless the caller keeps it for inspection.

import { mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Topology } from '../../topology/types.ts';
import type { PrepareInfo, ProgressSink, Runtime } from '../runtime/runtime.ts';
import { createVethLinks } from '../links/veth.ts';
import { applyNetem, detectShaping, shapedBy, type ShapingChoice } from '../links/shaping.ts';
import type { RingConsistencyResult } from '../verify/ring-consistency.ts';
import { startDaemon } from './daemons.ts';
import { Lab } from './lab.ts';
import { labDir, labPaths } from './lab-dir.ts';
import { initialState, readLabState, writeLabState } from './lab-state.ts';
import { planLab } from './plan.ts';
import { mapLimit } from './pool.ts';
import { waitForRing } from './ring-wait.ts';

/** Settings of one `up`. */
export interface UpOptions {
  seed: number;
  runtime: Runtime;
  /** Lab name (default: the topology's name). */
  lab?: string;
  /** How long to wait for a consistent ring (default: ringTimeoutMs(topology)). */
  timeoutMs?: number;
  /** Leave what was created when a step fails (default: remove it). */
  keepOnFailure?: boolean;
  progress: ProgressSink;
}

/** What `up` did, with the time each phase took (for the summary and the bench). */
export interface UpResult {
  lab: Lab;
  prepare: PrepareInfo;
  shaping: ShapingChoice | null;
  /** ms from the first vrrd start to the first consistent ring; null when the deadline passed first. */
  convergenceMs: number | null;
  ring: RingConsistencyResult;
  phases: { prepareMs: number; nodesMs: number; linksMs: number; daemonsMs: number; ringMs: number };
}

/** The default ring deadline: a minute, plus a second per node and 20 hello periods past that. */
export function ringTimeoutMs(topology: Topology): number {
  const hello = Math.max(...topology.nodes.map((n) => n.vrr.helloMs));
  return Math.max(60_000, 20 * hello + 1000 * topology.nodes.length);
}

/** Brings the topology up as a lab; see the file comment. */
export async function upLab(topology: Topology, options: UpOptions): Promise<UpResult> {
  const { runtime, progress } = options;
  const plan = planLab(topology, {
    seed: options.seed,
    runtime: runtime.kind,
    runId: `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
    lab: options.lab,
  });
  const lonely = plan.nodes.filter((n) => n.interfaces.length === 0).map((n) => n.name);
  if (lonely.length > 0) {
    throw new Error(`${topology.file}: node(s) ${lonely.join(', ')} have no link: vrrd needs at least one`);
  }
  if (readLabState(plan.lab) !== null) {
    throw new Error(`a lab named ${plan.lab} is up already (testbed down ${plan.lab}, or --name another)`);
  }
  const existing = (await runtime.listLabs()).find((l) => l.lab === plan.lab);
  if (existing) {
    throw new Error(
      `${runtime.kind} still has ${existing.nodes.length} node(s) of a lab named ${plan.lab} (testbed down ${plan.lab})`,
    );
  }

  const state = initialState(plan, new Date().toISOString());
  writeLabState(state);
  const lab = new Lab(state, runtime);
  for (const dir of [labPaths.sockets(lab.identity.dir), labPaths.logs(lab.identity.dir)]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  const clock = (): number => Date.now();
  const phases = { prepareMs: 0, nodesMs: 0, linksMs: 0, daemonsMs: 0, ringMs: 0 };
  try {
    let t = clock();
    const prepared = await runtime.prepare(progress);
    state.image = prepared.image;
    phases.prepareMs = clock() - t;

    t = clock();
    progress(`creating ${plan.nodes.length} ${runtime.nodeNoun}`);
    let created = 0;
    await mapLimit(plan.nodes, runtime.concurrency, async (node) => {
      const h = await runtime.createNode(lab.identity, node.name);
      state.nodes[node.name] = { id: h.id, netns: h.netns, nsenter: h.nsenter, daemonPid: null };
      created++;
      if (created % 25 === 0 && created < plan.nodes.length)
        progress(`  ${created}/${plan.nodes.length} nodes`);
    });
    lab.save();
    phases.nodesMs = clock() - t;

    t = clock();
    progress(`wiring ${plan.links.length} links`);
    await createVethLinks(plan, lab.handles());
    const shaping = await shapeLinks(lab);
    lab.save();
    phases.linksMs = clock() - t;

    t = clock();
    progress(`starting ${plan.nodes.length} vrrd`);
    const firstStart = clock();
    await mapLimit(plan.nodes, runtime.concurrency, (node) => startDaemon(lab, node.name));
    state.phase = 'up';
    lab.save();
    phases.daemonsMs = clock() - t;

    t = clock();
    const timeoutMs = options.timeoutMs ?? ringTimeoutMs(topology);
    progress(`waiting for the ring (at most ${Math.round(timeoutMs / 1000)} s)`);
    const pollMs = Math.max(200, Math.min(...plan.nodes.map((n) => n.vrr.helloMs)));
    const ring = await waitForRing(lab, timeoutMs, pollMs);
    state.convergenceMs = ring.consistent ? clock() - firstStart : null;
    if (ring.consistent) await waitForMappings(lab, MAPPINGS_TIMEOUT_MS, pollMs);
    phases.ringMs = clock() - t;
    lab.save();
    return { lab, prepare: prepared, shaping, convergenceMs: state.convergenceMs, ring: ring.last, phases };
  } catch (error) {
    if (!options.keepOnFailure) {
      progress(`up failed; removing what was created`);
      await removeLabResources(plan.lab, runtime);
    } else {
      state.phase = 'failed';
      lab.save();
    }
    throw error;
  }
}

/** How long `up` waits, after the ring, for every node's IP -> MAC mappings to be in the DHT. */
const MAPPINGS_TIMEOUT_MS = 20_000;

/**
 * Waits until every vrrd reports its overlay addresses published in the DHT (status: dht.mappings all ok), so
 * that ARP and neighbour discovery answer, and a ping, right after `up` works. Bounded: a lab whose mappings lag
 * is still up (pings then retry until they are in).
 */
async function waitForMappings(lab: Lab, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await mapLimit(lab.aliveNodes(), 16, async (node) => {
      try {
        const s = await lab.ctl<{ dht?: { mappings?: { ok: boolean }[] } }>(node, 'status');
        const mappings = s.dht?.mappings ?? [];
        return mappings.length > 0 && mappings.every((m) => m.ok);
      } catch {
        return false;
      }
    });
    if (ready.every(Boolean)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Decides how impaired links are shaped and applies netem where it is the mechanism. */
async function shapeLinks(lab: Lab): Promise<ShapingChoice | null> {
  const { plan, state } = lab;
  const impaired = plan.links.filter(
    (l) => shapedBy(l.aToB, 'netem') !== 'none' || shapedBy(l.bToA, 'netem') !== 'none',
  );
  if (impaired.length === 0) return null;
  const probe = impaired[0];
  const choice = await detectShaping(lab.handle(probe.a), probe.ifA);
  state.shaping = choice;
  for (const l of plan.links) {
    const a = shapedBy(l.aToB, choice.mechanism);
    const b = shapedBy(l.bToA, choice.mechanism);
    state.links[l.index].shapedBy = a !== 'none' ? a : b;
  }
  if (choice.mechanism === 'netem') {
    await mapLimit(impaired, 8, async (l) => {
      await applyNetem(lab.handle(l.a), l.ifA, l.aToB);
      await applyNetem(lab.handle(l.b), l.ifB, l.bToA);
    });
  }
  return choice;
}

/** Removes the lab's nodes from the runtime and its directory. */
export async function removeLabResources(lab: string, runtime: Runtime): Promise<void> {
  await runtime.removeLab(lab);
  rmSync(labDir(lab), { recursive: true, force: true });
}
