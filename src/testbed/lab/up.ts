// Bringing a lab up: plan (everything decided before anything exists), the lab name's lock taken (one `up`
// per name at a time), lab.json written first (so `down` finds a lab whose `up` crashed), the runtime
// prepared (the node image), nodes created, veth pairs wired, links shaped, vrrd started everywhere, then the
// ring awaited. A failure on the way removes what this `up` created (unless the caller keeps it for
// inspection), and so does an abort (Ctrl-C: options.signal), always. What is removed is only what carries
// this run's label, and the lab directory only while its lab.json names this lab and run: a failing `up` can
// never remove another lab, an earlier run of the same name, or anything outside the labs root.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Topology } from '../../topology/types.ts';
import type { PrepareInfo, ProgressSink, Runtime } from '../runtime/runtime.ts';
import { createVethLinks } from '../links/veth.ts';
import { applyNetem, detectShaping, shapedBy, type ShapingChoice } from '../links/shaping.ts';
import type { RingConsistencyResult } from '../../checks/ring-consistent/verdict.ts';
import { startDaemon, vrrdFlags } from './daemons.ts';
import { startHosts, stopLabHosts } from './daemon-hosts.ts';
import { Lab } from './lab.ts';
import { labPaths } from './lab-dir.ts';
import { checkLabName } from './lab-name.ts';
import {
  initialState,
  readLabState,
  removeLabDirectory,
  writeLabState,
  type DaemonsMode,
} from './lab-state.ts';
import { UpLock } from './up-lock.ts';
import { planLab, protocolOf, type LabPlan } from './plan.ts';
import { waitForBabelRoutes } from './babeld.ts';
import { mapLimit } from './pool.ts';
import { PhaseCounter } from './phase-counter.ts';
import { waitForRing } from './ring-wait.ts';

/** Settings of one `up`. */
export interface UpOptions {
  seed: number;
  runtime: Runtime;
  /** Lab name (default: the topology's name). */
  lab?: string;
  /** How long to wait for a consistent ring (default: ringTimeoutMs(topology)). */
  timeoutMs?: number;
  /** Leave what was created when a step fails (default: remove it). An abort removes it regardless. */
  keepOnFailure?: boolean;
  /** Aborting it (Ctrl-C) stops `up` at the next step and removes what was created; upLab rejects with its reason. */
  signal?: AbortSignal;
  progress: ProgressSink;
  /** One vrrd per node (default), or shared hosts each running a slice of the nodes (netns runtime only). */
  daemons?: DaemonsMode;
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
  const lab = checkLabName(
    options.lab ?? topology.name,
    options.lab === undefined ? `${topology.file}: name` : 'lab name',
  );
  const plan = planLab(topology, {
    seed: options.seed,
    runtime: options.runtime.kind,
    runId: `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
    lab,
  });
  const daemons = options.daemons ?? 'per-node';
  if (daemons === 'shared' && options.runtime.kind !== 'netns') {
    throw new Error(
      `--daemons shared runs vrrd hosts on this machine for netns labs; the ${options.runtime.kind} runtime runs one vrrd per node (--daemons per-node)`,
    );
  }
  const lonely = plan.nodes.filter((n) => n.interfaces.length === 0).map((n) => n.name);
  if (lonely.length > 0) {
    throw new Error(`${topology.file}: node(s) ${lonely.join(', ')} have no link: vrrd needs at least one`);
  }
  // babeld nodes need a runtime whose nodes have babeld: refused before anything is created.
  if (plan.nodes.some((n) => protocolOf(n) === 'babeld')) await options.runtime.babeldCommand();
  options.signal?.throwIfAborted();
  const lock = UpLock.acquire(plan.lab);
  try {
    return await upLocked(topology, plan, options);
  } finally {
    lock.release();
  }
}

/** upLab with the lab name's lock held. */
async function upLocked(topology: Topology, plan: LabPlan, options: UpOptions): Promise<UpResult> {
  const { runtime, progress, signal } = options;
  /** Between steps: stop here when aborted (the catch below removes what exists). */
  const checkpoint = (): void => signal?.throwIfAborted();
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
  state.daemons = { mode: options.daemons ?? 'per-node', hosts: [] };
  writeLabState(state);
  const lab = new Lab(state, runtime);
  for (const node of plan.nodes) {
    mkdirSync(labPaths.node(lab.identity.dir, node.name), { recursive: true, mode: 0o700 });
    // The key goes only where that node's vrrd reads it (a docker node mounts its own directory, nothing else).
    if (node.keyed && topology.security) {
      writeFileSync(labPaths.key(lab.identity.dir, node.name), Buffer.from(topology.security.key), {
        mode: 0o600,
      });
    }
  }

  const clock = (): number => Date.now();
  const phases = { prepareMs: 0, nodesMs: 0, linksMs: 0, daemonsMs: 0, ringMs: 0 };
  try {
    let t = clock();
    // An image build can take minutes and cannot be stopped halfway: an abort does not wait for it.
    const prepared = await untilAborted(runtime.prepare(progress), signal);
    state.image = prepared.image;
    phases.prepareMs = clock() - t;

    t = clock();
    checkpoint();
    progress(`creating ${plan.nodes.length} ${runtime.nodeNoun}`);
    const creating = new PhaseCounter(progress, `${runtime.nodeNoun} created`, plan.nodes.length);
    await mapLimit(plan.nodes, runtime.concurrency, async (node) => {
      checkpoint();
      const h = await runtime.createNode(lab.identity, node.name);
      state.nodes[node.name] = { id: h.id, netnsInode: h.netnsInode, daemonPid: null, daemonStart: null };
      lab.adopt(h);
      creating.tick();
    });
    creating.end();
    lab.save();
    phases.nodesMs = clock() - t;

    t = clock();
    checkpoint();
    progress(`wiring ${plan.links.length} links`);
    await createVethLinks(plan, lab.handles());
    const shaping = await shapeLinks(lab);
    const unshaped = babeldUnshaped(lab, shaping);
    if (unshaped > 0) {
      progress(
        `warning: ${unshaped} impaired link(s) end at babeld nodes, but links are shaped by vrrd's emulation here (${shaping?.reason}): babeld's side is not impaired`,
      );
    }
    lab.save();
    phases.linksMs = clock() - t;

    t = clock();
    checkpoint();
    const babeld = plan.nodes.filter((n) => protocolOf(n) === 'babeld').length;
    const firstStart = clock();
    const starting = new PhaseCounter(progress, 'daemons up', plan.nodes.length);
    // Shared mode hosts the vrrd nodes; babeld nodes (and every node in per-node mode) run a process each.
    const shared = state.daemons.mode === 'shared';
    const hosted = shared ? plan.nodes.filter((n) => protocolOf(n) !== 'babeld') : [];
    const own = shared ? plan.nodes.filter((n) => protocolOf(n) === 'babeld') : plan.nodes;
    const andBabeld = babeld > 0 ? ` and ${babeld} babeld` : '';
    if (hosted.length > 0) {
      progress(`starting ${hosted.length} vrrd nodes in shared hosts${andBabeld}`);
      await startHosts(
        lab,
        hosted.map((n) => n.name),
        runtime.vrrdCommand(),
        (node) => vrrdFlags(lab, node),
        { progress, started: (count) => starting.set(count) },
      );
    }
    // In waves bounded by the cores: a daemon's start is CPU (node's own boot), and more at once only makes
    // each slower (on two cores, 100 vrrd starting together took 30 s each where one takes 3 s).
    const cores = Math.max(1, availableParallelism());
    if (!shared) progress(`starting ${plan.nodes.length - babeld} vrrd${andBabeld}, ${cores} at a time`);
    await mapLimit(own, cores, async (node) => {
      checkpoint();
      await startDaemon(lab, node.name);
      starting.tick();
    });
    starting.end();
    state.phase = 'up';
    lab.save();
    phases.daemonsMs = clock() - t;

    t = clock();
    checkpoint();
    const timeoutMs = options.timeoutMs ?? ringTimeoutMs(topology);
    progress(
      `waiting for the ring${babeld > 0 ? " and babeld's routes" : ''} (at most ${Math.round(timeoutMs / 1000)} s)`,
    );
    const pollMs = Math.max(200, Math.min(...plan.nodes.map((n) => n.vrr.helloMs)));
    const ring = await waitForRing(lab, timeoutMs, pollMs, (result, elapsedMs) => {
      checkpoint();
      progress.live?.(
        `  ring: ${result.passed ? 'consistent' : `${result.problems.length} problem(s)`} after ${(elapsedMs / 1000).toFixed(0)} s`,
      );
    });
    // babeld nodes converge when each has a kernel route to every other (a ring of no vrrd nodes is consistent).
    const routes =
      babeld === 0
        ? 0
        : await waitForBabelRoutes(lab, Math.max(0, timeoutMs - (clock() - t)), pollMs, checkpoint);
    if (babeld > 0 && routes === null) progress('babeld routes incomplete at the deadline');
    const converged = ring.consistent && routes !== null;
    state.convergenceMs = converged ? clock() - firstStart : null;
    if (ring.consistent) await waitForMappings(lab, MAPPINGS_TIMEOUT_MS, pollMs, checkpoint);
    phases.ringMs = clock() - t;
    checkpoint();
    lab.save();
    return { lab, prepare: prepared, shaping, convergenceMs: state.convergenceMs, ring: ring.last, phases };
  } catch (error) {
    if (!options.keepOnFailure || signal?.aborted) {
      progress(
        signal?.aborted ? `interrupted; removing what was created` : `up failed; removing what was created`,
      );
      const left = await removeLabResources(plan.lab, plan.runId, runtime);
      if (left !== null) progress(left);
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
async function waitForMappings(
  lab: Lab,
  timeoutMs: number,
  pollMs: number,
  checkpoint: () => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkpoint();
    const vrrd = lab.aliveNodes().filter((n) => lab.protocol(n) === 'vrrd');
    const ready = await mapLimit(vrrd, 16, async (node) => {
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

/** Impaired links with a babeld end when vrrd emulates the impairments (babeld has no such emulation). */
function babeldUnshaped(lab: Lab, shaping: ShapingChoice | null): number {
  if (shaping?.mechanism !== 'vrrd-emulation') return 0;
  return lab.plan.links.filter(
    (l) =>
      lab.state.links[l.index].shapedBy === 'vrrd-emulation' &&
      (lab.protocol(l.a) === 'babeld' || lab.protocol(l.b) === 'babeld'),
  ).length;
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

/**
 * Removes what one run of a lab made: the runtime's nodes labelled with that run, and the lab directory if its
 * lab.json names this lab and run. Resolves to a line saying what was left and why, or null.
 */
export async function removeLabResources(
  lab: string,
  runId: string,
  runtime: Runtime,
): Promise<string | null> {
  // Hosts first: their sockets keep the nodes' namespaces (and veth pairs) alive until they are gone.
  await stopLabHosts(lab);
  await runtime.removeLab(lab, runId);
  return removeLabDirectory(lab, runId).left;
}

/** Resolves as promise does, or rejects with the signal's reason as soon as it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
