// lab.json: what a lab is (its plan) and what was done to it (nodes created, daemons started, links cut or
// impaired). The one owner of the file is this module; every verb reads it, changes it through these functions
// and writes it back whole (atomically: write and rename), so a crash leaves the previous state, never half.
//
// Invariants: the state is written before anything is created (phase "creating"), so `down` finds a lab a
// crashed `up` left; links[i] describes plan.links[i]; a node's daemonPid is the host PID of its vrrd and
// daemonStart that process's start time, both null when it was killed (a crash fault) and not restarted;
// partition, when set, lists the groups last partitioned and partitionCut the links that partition took down
// (heal brings back exactly those). In shared mode (daemons.mode) a running node's daemonPid and daemonStart are
// those of the vrrd host that runs it (daemons.hosts lists which host runs which nodes); a lab.json without
// `daemons` is of per-node mode.
//
// lab.json holds data, never commands: nothing read from it is executed, and nothing in it is trusted alone.
// Node handles (namespace names, container PIDs, command prefixes) come from the runtime on every use and are
// checked against netnsInode; a daemon PID is signalled only while the process behind it started at
// daemonStart in the node's namespace. The file is root's (0600 in a 0700 directory) and no node mounts it.

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { LinkParams } from '../../topology/types.ts';
import type { LabPlan } from './plan.ts';
import { NODE_PROTOCOLS } from '../../topology/types.ts';
import { labDir, labPaths, labsRoot } from './lab-dir.ts';
import { checkLabName, isLabName } from './lab-name.ts';
import { isValidNodeName, NODE_NAME_RULE } from '../../topology/names.ts';

/** How one direction of a link is shaped. */
export type ShapedBy = 'netem' | 'vrrd-emulation' | 'none';

/** The state of one link. */
export interface LinkState {
  /** Set down by a link-down fault (a partition's cuts are in partitionCut instead). */
  adminDown: boolean;
  shapedBy: ShapedBy;
  /** The impairments in force now (the plan's, changed by impair faults). */
  aToB: LinkParams;
  bToA: LinkParams;
}

/** The state of one node. */
export interface NodeState {
  /** Runtime id (container id or namespace name), for people reading the file: handles come from the runtime. */
  id: string;
  /** The inode of the node's network namespace when `up` created it: a handle that disagrees is not this node. */
  netnsInode: number;
  /** Host PID of vrrd, or null when it is not meant to run (killed). */
  daemonPid: number | null;
  /** Start time of that process (clock ticks after boot), or null: tells vrrd from a later owner of its PID. */
  daemonStart: number | null;
}

/** How vrrd runs in a lab: a process per node, or hosts (`vrrd --host`) each running a slice of the nodes. */
export type DaemonsMode = 'per-node' | 'shared';

/** One vrrd host of a shared-mode lab (its files: daemon-hosts.ts hostPaths, by index). */
export interface HostState {
  index: number;
  /** Host PID and start time of the host process, null before it started. */
  pid: number | null;
  startTime: number | null;
  /** The nodes it runs. */
  nodes: string[];
}

/** lab.json. */
export interface LabState {
  version: 1;
  plan: LabPlan;
  phase: 'creating' | 'up' | 'failed';
  createdAt: string;
  /** ms from the first daemon start to the first consistent ring, or null (not yet / never). */
  convergenceMs: number | null;
  /** Image the nodes run (docker), or null. */
  image: string | null;
  /** What shapes impaired links (decided at up), or null before that. */
  shaping: { mechanism: 'netem' | 'vrrd-emulation'; reason: string } | null;
  nodes: Record<string, NodeState>;
  links: LinkState[];
  partition: string[][] | null;
  partitionCut: number[];
  /** How vrrd runs (absent in a lab.json written before shared mode existed: per-node). */
  daemons?: { mode: DaemonsMode; hosts: HostState[] };
}

/** The lab's daemons mode. */
export function daemonsMode(state: LabState): DaemonsMode {
  return state.daemons?.mode ?? 'per-node';
}

/** A lab.json that could not be read: says which file and why. */
export class LabStateError extends Error {
  override readonly name = 'LabStateError';
}

/** The state of a new lab (nothing created yet). */
export function initialState(plan: LabPlan, createdAt: string): LabState {
  return {
    version: 1,
    plan,
    phase: 'creating',
    createdAt,
    convergenceMs: null,
    image: null,
    shaping: null,
    nodes: {},
    links: plan.links.map((l) => ({ adminDown: false, shapedBy: 'none', aToB: l.aToB, bToA: l.bToA })),
    partition: null,
    partitionCut: [],
    daemons: { mode: 'per-node', hosts: [] },
  };
}

/** Writes the lab's lab.json atomically (creating its directory). */
export function writeLabState(state: LabState): void {
  const file = labPaths.state(labDir(state.plan.lab));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Reads a lab's lab.json; null when the lab has none. Throws when it is not the state of this lab. */
export function readLabState(lab: string): LabState | null {
  const file = labPaths.state(labDir(lab));
  if (!existsSync(file)) return null;
  let doc: unknown;
  try {
    if (!lstatSync(file).isFile()) throw new Error('not a regular file');
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LabStateError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const state = doc as Partial<LabState>;
  if (state?.version !== 1 || typeof state.plan !== 'object' || state.plan === null) {
    throw new LabStateError(
      `${file}: expected a lab state of version 1, found ${JSON.stringify(state?.version)}`,
    );
  }
  if (state.plan.lab !== lab) {
    throw new LabStateError(
      `${file}: expected the state of lab ${lab}, found lab ${JSON.stringify(state.plan.lab)}`,
    );
  }
  checkPlanNames(state.plan, file);
  return state as LabState;
}

/** Interface names the plan gives links (plan.ts): eth1, eth2, ... */
const IFNAME_PATTERN = /^eth[0-9]{1,5}$/;

/**
 * The names a plan read back puts into commands (`ip -batch` lines, namespace and container names) must be the
 * names planLab makes: a lab.json edited to hold a newline or a path is refused, never passed on.
 */
function checkPlanNames(plan: LabPlan, file: string): void {
  const bad = (what: string, found: unknown): never => {
    throw new LabStateError(`${file}: expected ${what}, found ${JSON.stringify(found)}`);
  };
  if (!Array.isArray(plan.nodes) || !Array.isArray(plan.links)) bad('a plan with nodes and links', plan);
  for (const node of plan.nodes) {
    if (!isValidNodeName(node?.name)) bad(NODE_NAME_RULE, node?.name);
    // The protocol picks the program a node runs: only the ones there are.
    if (node.protocol !== undefined && !NODE_PROTOCOLS.includes(node.protocol)) {
      bad(`a protocol (${NODE_PROTOCOLS.join(', ')})`, node.protocol);
    }
    for (const i of node.interfaces ?? []) {
      if (!IFNAME_PATTERN.test(i?.ifname)) bad(`an interface name like eth1`, i?.ifname);
      if (!isValidNodeName(i?.peer)) bad(NODE_NAME_RULE, i?.peer);
    }
  }
  for (const link of plan.links) {
    if (!isValidNodeName(link?.a) || !isValidNodeName(link?.b)) bad(NODE_NAME_RULE, [link?.a, link?.b]);
    if (!IFNAME_PATTERN.test(link?.ifA) || !IFNAME_PATTERN.test(link?.ifB)) {
      bad('interface names like eth1', [link?.ifA, link?.ifB]);
    }
  }
}

/** Names of the labs that have a directory under the state root (anything else there is not listed). */
export function listLabDirs(): string[] {
  const root = labsRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isLabName(e.name))
    .map((e) => e.name)
    .sort();
}

/** What removeLabDirectory did. */
export interface DirectoryRemoval {
  removed: boolean;
  /** Why a directory that exists was left, or null. */
  left: string | null;
}

/**
 * Removes a lab's directory, only when it is what `up` made: a real directory (no symlink) directly under the
 * labs root whose lab.json names this lab, and this run when runId is given. Anything else is left, with why.
 */
export function removeLabDirectory(lab: string, runId: string | null): DirectoryRemoval {
  const dir = labDir(checkLabName(lab, 'removing a lab directory'));
  if (!existsSync(dir)) return { removed: false, left: null };
  const leave = (why: string): DirectoryRemoval => ({ removed: false, left: `left ${dir}: ${why}` });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) return leave('not a directory');
  if (realpathSync(dir) !== join(realpathSync(labsRoot()), lab)) return leave('it resolves elsewhere');
  let state: LabState | null;
  try {
    state = readLabState(lab);
  } catch (error) {
    return leave((error as Error).message);
  }
  if (state === null) return leave('it holds no lab.json, so nothing says it is a lab');
  if (runId !== null && state.plan.runId !== runId) {
    return leave(`its lab.json is of run ${state.plan.runId}, not ${runId}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { removed: true, left: null };
}
