// A recorded run's state at any time, rebuilt from its timeline.jsonl (report/timeline.ts; a lab's from `testbed
// run`, or the simulator's from sim-timeline.ts): which nodes run, which links are down, cut or impaired (from
// the controller's fault lines), and each node's vset, activity and linked neighbours (from its own events, on
// top of a lab run's `tables` line: the tables when its event feed started).
// Routes are not in the events with their next hops, so a replay shows vsets and links, not paths.
//
// Invariant: stateAt(t) is the result of applying, in file order, every event with event.t <= t to the state at
// the start (all nodes alive and inactive, empty vsets, every link up). Checkpoints every CHECKPOINT events make
// a jump backwards cost at most that many events.

import type { RawEvent } from './event-summary.ts';

/** The run's nodes and links, as the replay needs them. */
export interface ReplayTopology {
  name: string;
  /** Who recorded the run: the simulator (its run-start line carries the nodes) or a lab. */
  recordedBy: 'sim' | 'lab';
  nodes: { name: string; address: string; vsetSize: number }[];
  links: { a: string; b: string }[];
}

/** The state at one time. */
export interface ReplayFrame {
  t: number;
  alive: Map<string, boolean>;
  active: Map<string, boolean>;
  /** Vset members (address text) per node. */
  vset: Map<string, Set<string>>;
  /** Physical neighbours (address text) per node, with their link state as the node last reported it. */
  neighbors: Map<string, Map<string, string>>;
  /** Link indexes set down by a link fault, cut by the partition in force, and impaired. */
  down: Set<number>;
  cut: Set<number>;
  impaired: Set<number>;
}

const CHECKPOINT = 10_000;

/** Rebuilds frames of one timeline. */
export class ReplayModel {
  readonly topology: ReplayTopology;
  readonly events: readonly RawEvent[];
  readonly #linkIndex = new Map<string, number>();
  readonly #nameOf: Map<string, string>;
  readonly #checkpoints: { next: number; frame: ReplayFrame }[] = [];
  #cursor: { next: number; frame: ReplayFrame };

  constructor(topology: ReplayTopology, events: readonly RawEvent[]) {
    this.topology = topology;
    this.events = events;
    this.#nameOf = new Map(topology.nodes.map((n) => [n.address, n.name]));
    topology.links.forEach((l, i) => {
      this.#linkIndex.set(`${l.a}\0${l.b}`, i);
      this.#linkIndex.set(`${l.b}\0${l.a}`, i);
    });
    this.#cursor = { next: 0, frame: this.#initial() };
    this.#checkpoints.push({ next: 0, frame: cloneFrame(this.#cursor.frame) });
  }

  /** First and last event times. */
  span(): { from: number; to: number } {
    if (this.events.length === 0) return { from: 0, to: 0 };
    return { from: Math.min(0, this.events[0].t), to: this.events[this.events.length - 1].t };
  }

  /** The state after every event up to t (a fresh copy the caller may keep). */
  stateAt(t: number): ReplayFrame {
    if (this.#cursor.next > 0 && this.events[this.#cursor.next - 1].t > t) {
      // Back in time: restart from the last checkpoint before t.
      let best = this.#checkpoints[0];
      for (const c of this.#checkpoints) {
        if (c.next === 0 || this.events[c.next - 1].t <= t) best = c;
      }
      this.#cursor = { next: best.next, frame: cloneFrame(best.frame) };
    }
    const { frame } = this.#cursor;
    while (this.#cursor.next < this.events.length && this.events[this.#cursor.next].t <= t) {
      this.#apply(frame, this.events[this.#cursor.next]);
      this.#cursor.next++;
      const last = this.#checkpoints[this.#checkpoints.length - 1];
      if (this.#cursor.next % CHECKPOINT === 0 && this.#cursor.next > last.next) {
        this.#checkpoints.push({ next: this.#cursor.next, frame: cloneFrame(frame) });
      }
    }
    const out = cloneFrame(frame);
    out.t = t;
    return out;
  }

  /** The faults of the run: time and what was done (for marks on the slider). */
  faults(): { t: number; label: string }[] {
    return this.events
      .filter((e) => e.type === 'fault')
      .map((e) => ({ t: e.t, label: String(e.did ?? e.detail ?? e.action) }));
  }

  #initial(): ReplayFrame {
    const names = this.topology.nodes.map((n) => n.name);
    return {
      t: 0,
      alive: new Map(names.map((n) => [n, true])),
      active: new Map(names.map((n) => [n, false])),
      vset: new Map(names.map((n) => [n, new Set<string>()])),
      neighbors: new Map(names.map((n) => [n, new Map<string, string>()])),
      down: new Set(),
      cut: new Set(),
      impaired: new Set(),
    };
  }

  #apply(frame: ReplayFrame, e: RawEvent): void {
    if (e.type === 'fault') return this.#applyFault(frame, faultOf(e));
    if (e.type === 'tables')
      return this.#applyTables(frame, e.nodes as Record<string, { active: boolean; vset: string[] }>);
    // vrrd stamps its events with its address (a lab's timeline), the simulator with the node's name.
    const node = this.#nameOf.get(e.source) ?? e.source;
    const vset = frame.vset.get(node);
    if (vset === undefined) return; // the controller's other lines, or a node the topology lacks
    switch (e.type) {
      case 'vset-add':
        vset.add(String(e.member));
        break;
      case 'vset-remove':
        vset.delete(String(e.member));
        break;
      case 'active':
        frame.active.set(node, true);
        break;
      case 'link': {
        const peers = frame.neighbors.get(node)!;
        if (e.to === 'gone') peers.delete(String(e.neighbor));
        else peers.set(String(e.neighbor), String(e.to));
        break;
      }
    }
  }

  // A lab run's `tables` line: every node's vset and activity when the event feed started (scenario/run-lab.ts).
  #applyTables(
    frame: ReplayFrame,
    nodes: Record<string, { active: boolean; vset: string[] }> | undefined,
  ): void {
    for (const [name, t] of Object.entries(nodes ?? {})) {
      if (!frame.vset.has(name)) continue;
      frame.active.set(name, t.active);
      frame.vset.set(name, new Set(t.vset));
    }
  }

  #applyFault(frame: ReplayFrame, f: Fault | null): void {
    if (f === null) return;
    const index = f.a !== undefined && f.b !== undefined ? this.#linkIndex.get(`${f.a}\0${f.b}`) : undefined;
    switch (f.action) {
      case 'link-down':
      case 'link-up':
        if (index === undefined) return;
        if (f.action === 'link-down') frame.down.add(index);
        else frame.down.delete(index);
        return;
      case 'impair':
        if (index !== undefined) frame.impaired.add(index);
        return;
      case 'partition': {
        const side = new Map<string, number>();
        (f.groups ?? []).forEach((g, i) => g.forEach((n) => side.set(n, i)));
        const rest = (f.groups ?? []).length;
        frame.cut.clear();
        this.topology.links.forEach((l, i) => {
          if ((side.get(l.a) ?? rest) !== (side.get(l.b) ?? rest)) frame.cut.add(i);
        });
        return;
      }
      case 'heal':
        frame.cut.clear();
        if (f.restoresLinks) frame.down.clear();
        return;
      case 'crash':
      case 'kill':
      case 'restart':
        if (f.node === undefined || !frame.alive.has(f.node)) return;
        // Either way the node's tables start from nothing: a crash loses them, a restart begins anew.
        frame.alive.set(f.node, f.action === 'restart');
        frame.active.set(f.node, false);
        frame.vset.get(f.node)!.clear();
        frame.neighbors.get(f.node)!.clear();
        return;
    }
  }
}

/** A fault line's meaning: its fields (timelines of this version) or, for older ones, its `did` text. */
interface Fault {
  action: string;
  a?: string;
  b?: string;
  node?: string;
  groups?: string[][];
  restoresLinks?: boolean;
}

/** Reads a fault line; null when it is not one this replay understands. */
export function faultOf(e: RawEvent): Fault | null {
  const action = String(e.action ?? '');
  if (typeof e.a === 'string' || typeof e.node === 'string' || Array.isArray(e.groups) || action === 'heal') {
    return {
      action,
      a: e.a as string | undefined,
      b: e.b as string | undefined,
      node: e.node as string | undefined,
      groups: e.groups as string[][] | undefined,
      restoresLinks: e.restoresLinks === true,
    };
  }
  const did = String(e.did ?? '');
  let m: RegExpExecArray | null;
  if ((m = /^link (\S+) -- (\S+) (up|down)$/.exec(did))) return { action: `link-${m[3]}`, a: m[1], b: m[2] };
  if ((m = /^impair (\S+) -- (\S+)/.exec(did))) return { action: 'impair', a: m[1], b: m[2] };
  if ((m = /^(kill|restart) (\S+):/.exec(did))) return { action: m[1], node: m[2] };
  if ((m = /^partition into (.*): /.exec(did))) {
    const groups = [...m[1].matchAll(/\[([^\]]*)\]/g)].map((g) => g[1].split(',').filter(Boolean));
    return { action: 'partition', groups };
  }
  if (did.startsWith('heal')) return { action: 'heal' };
  return null;
}

function cloneFrame(f: ReplayFrame): ReplayFrame {
  return {
    t: f.t,
    alive: new Map(f.alive),
    active: new Map(f.active),
    vset: new Map([...f.vset].map(([k, v]) => [k, new Set(v)])),
    neighbors: new Map([...f.neighbors].map(([k, v]) => [k, new Map(v)])),
    down: new Set(f.down),
    cut: new Set(f.cut),
    impaired: new Set(f.impaired),
  };
}
