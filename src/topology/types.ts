// The validated, normalized form of a topology file: what the simulator and the testbed both consume.

import type { Address } from '../vrr/address.ts';
import type { SecuritySpec } from './security.ts';

/** Impairments of one direction of a link. Percentages are 0-100. */
export interface LinkParams {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
  /** Bits per second; null = unlimited. */
  rateBps: number | null;
  duplicatePct: number;
  reorderPct: number;
  corruptPct: number;
}

/** Protocol parameters a topology may set (defaults.vrr or per node). */
export interface VrrParams {
  vsetSize: number;
  helloMs: number;
}

export interface TopologyNode {
  name: string;
  /** Pinned address, or null to derive one from the run seed and the name. */
  address: Address | null;
  vrr: VrrParams;
  /** False for a node that runs without the mesh's network key (a stranger, in tests of a keyed mesh). */
  keyed?: boolean;
}

export interface TopologyLink {
  /** Endpoint node names; a is the first name written in the file. */
  a: string;
  b: string;
  aToB: LinkParams;
  bToA: LinkParams;
}

/** Where a step or key came from, for error messages at run time. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A check a scenario step verifies, optionally retried until `withinMs`. */
export interface VerifySpec {
  /** A name from the check catalog the topology was loaded with (src/checks's registry). */
  check: string;
  /** Deadline for wait/retry; null = must hold at once. */
  withinMs: number | null;
}

/** One timeline step. `atMs` is relative to the ring converging (the first consistent ring). */
export type ScenarioAction =
  | { kind: 'verify'; checks: VerifySpec[] }
  | { kind: 'link-down'; a: string; b: string }
  | { kind: 'link-up'; a: string; b: string }
  | { kind: 'impair'; a: string; b: string; aToB: Partial<LinkParams>; bToA: Partial<LinkParams> }
  | { kind: 'partition'; groups: string[][] }
  | { kind: 'heal' }
  | { kind: 'crash'; node: string }
  | { kind: 'restart'; node: string }
  /** The node's process is not scheduled for `ms`: everything it would do meanwhile happens late. */
  | { kind: 'stall'; node: string; ms: number }
  | { kind: 'wait'; ms: number };

export interface ScenarioStep {
  atMs: number;
  action: ScenarioAction;
  where: SourceLocation;
}

/**
 * The `checks` section: per check that takes one (src/checks's registry), what its reader returned, or null
 * when the file leaves it out. Each check reads its own entry back with its own type (src/checks: sectionOf).
 */
export type ChecksSpec = Readonly<Record<string, unknown>>;

/** A loaded topology: nodes and links listed or generated, defaults applied, every name resolved. */
export interface Topology {
  name: string;
  /** The file it was read from (or '<generated>'). */
  file: string;
  /** Seed from the file, or null: the caller picks one (time), prints it and accepts --seed. */
  seed: number | null;
  nodes: TopologyNode[];
  links: TopologyLink[];
  scenario: ScenarioStep[];
  checks: ChecksSpec;
  /** The keyed mesh's settings, or null (absent: frames are neither sealed nor checked). */
  security?: SecuritySpec | null;
}
