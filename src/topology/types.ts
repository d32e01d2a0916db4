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

/** The routing daemon a lab node runs: VRR's own, or babeld (a reference protocol to compare against). */
export type NodeProtocol = 'vrrd' | 'babeld';

/** Every protocol a node may run, as topology files spell them. */
export const NODE_PROTOCOLS: readonly NodeProtocol[] = ['vrrd', 'babeld'];

export interface TopologyNode {
  name: string;
  /** Pinned address, or null to derive one from the run seed and the name. */
  address: Address | null;
  vrr: VrrParams;
  /** False for a node that runs without the mesh's network key (a stranger, in tests of a keyed mesh). */
  keyed?: boolean;
  /** 'babeld' for a node that runs babeld instead of vrrd; absent means vrrd (and keeps reports as they were). */
  protocol?: NodeProtocol;
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
  | { kind: 'wait'; ms: number }
  | {
      kind: 'hostile';
      node: string;
      attack: HostileAttackName;
      /** Forged frames per second (null: the simulator's default, 1000). */
      ratePerSec: number | null;
      /** How long the attack lasts (null: until the run ends). */
      durationMs: number | null;
    };

/** The attacks a `hostile` step may name (the simulator's src/sim/hostile carries them out). */
export const HOSTILE_ATTACK_NAMES = ['spoof-hellos', 'setup-flood', 'dht-flood'] as const;
export type HostileAttackName = (typeof HOSTILE_ATTACK_NAMES)[number];

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

/**
 * How a lab runs vrrd (`defaults.daemons`, or `testbed up --daemons`): one process per node, shared hosts each
 * running many nodes, or auto (shared for network-namespace labs, per-node for containers).
 */
export const DAEMONS_CHOICES = ['per-node', 'shared', 'auto'] as const;

/** One of DAEMONS_CHOICES. */
export type DaemonsChoice = (typeof DAEMONS_CHOICES)[number];

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
  /** How a lab of it runs vrrd, when the file says (defaults.daemons); the simulator ignores it. */
  daemons?: DaemonsChoice;
}
