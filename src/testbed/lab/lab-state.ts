// lab.json: what a lab is (its plan) and what was done to it (nodes created, daemons started, links cut or
// impaired). The one owner of the file is this module; every verb reads it, changes it through these functions
// and writes it back whole (atomically: write and rename), so a crash leaves the previous state, never half.
//
// Invariants: the state is written before anything is created (phase "creating"), so `down` finds a lab a
// crashed `up` left; links[i] describes plan.links[i]; a node's daemonPid is the host PID of its vrrd, or null
// when it was killed (a crash fault) and not restarted; partition, when set, lists the groups last partitioned
// and partitionCut the links that partition took down (heal brings back exactly those).

import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LinkParams } from '../../topology/types.ts';
import type { LabPlan } from './plan.ts';
import { labDir, labPaths, labsRoot } from './lab-dir.ts';

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
  /** Runtime id (container id or namespace name). */
  id: string;
  /** NodeHandle.netns. */
  netns: string;
  /** NodeHandle.nsenter. */
  nsenter: string[];
  /** Host PID of vrrd, or null when it is not meant to run (killed). */
  daemonPid: number | null;
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

/** Reads a lab's lab.json; null when the lab has none. */
export function readLabState(lab: string): LabState | null {
  const file = labPaths.state(labDir(lab));
  if (!existsSync(file)) return null;
  let doc: unknown;
  try {
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
  return state as LabState;
}

/** Names of the labs that have a directory under the state root. */
export function listLabDirs(): string[] {
  const root = labsRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
