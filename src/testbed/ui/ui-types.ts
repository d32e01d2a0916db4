// The JSON shapes the UI server sends and the page reads (docs/testbed.md, `testbed ui`). Types only: the page
// imports them too, so nothing here may pull in Node.js code.

/** What the page is showing: a lab that is up, or a recorded run replayed. */
export type UiMode = 'live' | 'replay';

/** A node as drawn: its name, VRR address (text), and where the physical graph places it. */
export interface UiNode {
  name: string;
  address: string;
  x: number;
  y: number;
}

/** A physical link, by its index in the topology's link list. */
export interface UiLink {
  index: number;
  a: string;
  b: string;
}

/** GET /api/topology: what does not change while the page is open. */
export interface UiTopology {
  mode: UiMode;
  /** The lab's name (live) or the run's topology name (replay). */
  name: string;
  /** netns, docker, or sim (a simulator timeline). */
  runtime: string;
  nodes: UiNode[];
  links: UiLink[];
  /** Replay only: the time span of the timeline, ms since the run started. */
  span?: { from: number; to: number };
  /** Replay only: the faults of the run, for marks on the time slider. */
  marks?: { t: number; label: string }[];
}

/** up; down (set down by a link fault); cut (by a partition); impaired (up, with impairments changed live). */
export type LinkStateName = 'up' | 'down' | 'cut' | 'impaired';

/** The ring checker's verdict, with what the page highlights. */
export interface UiRing {
  passed: boolean;
  partitions: number;
  /** The checker's counts (ring-consistency.ts RingConsistencyFigures). */
  figures: Record<string, number>;
  /** The checker's problem lines (the first 200, then a line saying how many more). */
  problems: string[];
  /** How many problems there are in all. */
  problemCount: number;
  /** Problem lines per node name (a node is named at the start of each line). */
  nodeProblems: Record<string, number>;
  /** Virtual neighbours a node should have and lacks: [node, member] by name. */
  missing: [string, string][];
  /** Virtual neighbours a node holds and should not: [node, member] by name (or address when no node has it). */
  wrong: [string, string][];
  /** Vset members a node has no working vset-path to: [node, member] by name (from the kept problem lines). */
  brokenPaths: [string, string][];
  /** False when routes were not judged (a replay knows vsets, not hops): path problems are not shown. */
  routesChecked: boolean;
}

/** One node's state in a frame. */
export interface UiNodeState {
  alive: boolean;
  active: boolean;
  /** Vset members by node name (an address when no node has it). */
  vset: string[];
}

/** GET /api/state (and SSE `state`): the lab now, or the replay at time t. */
export interface UiState {
  /** ms since the run started (replay), or epoch ms (live). */
  t: number;
  nodes: Record<string, UiNodeState>;
  /** One state per link, in topology link order. */
  links: LinkStateName[];
  ring: UiRing;
}

/** GET /api/node/:name: a node's tables, as its vrrd reports them (or as a replay knows them). */
export interface UiNodeTables {
  name: string;
  address: string;
  alive: boolean;
  /** Why a table is missing (the daemon did not answer, a replay does not know it), or null. */
  error: string | null;
  status: { active: boolean; vsetSize: number; uptimeMs?: number; pid?: number } | null;
  neighbors: {
    name: string;
    address: string;
    interface: string;
    state: string;
    active: boolean;
    quality: number;
  }[];
  vset: { name: string; address: string; side: string }[];
  routes: { ea: string; eb: string; pathId: number; na: string | null; nb: string | null }[];
  representatives: { name: string; address: string; via: string; seq: number }[] | null;
  dhtEntries: number | null;
  multicastTrees: { root: string; group: string; upstream: string | null; downstream: string[] }[] | null;
}

/** GET /api/path?from=&to=: the hop-by-hop path a data packet would take, from the nodes' route tables. */
export interface UiPath {
  from: string;
  to: string;
  /** Node names in order, from first to the last node reached. */
  hops: string[];
  /** True when the last hop is `to`. */
  reached: boolean;
  /** Why the walk stopped short, or null. */
  reason: string | null;
}

/** A live event pushed over SSE (`event`): a daemon's event or a controller's line. */
export interface UiEvent {
  t: number;
  source: string;
  type: string;
  summary: string;
}

/** POST /api/fault body. */
export type UiFault =
  | { kind: 'link'; a: string; b: string; up: boolean }
  | { kind: 'partition'; groups: string[][] }
  | { kind: 'heal' }
  | { kind: 'kill'; node: string }
  | { kind: 'restart'; node: string };
