// The UI over a recorded run: a timeline.jsonl of `testbed run` (whose run-start line names the topology file and
// seed) or of the simulator (sim-timeline.ts, whose run-start line carries the nodes and links themselves).
// Every request takes the time t; the state is rebuilt by timeline-replay.ts and judged by the ring checker.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { formatAddress, parseAddress } from '../../vrr/address.ts';
import { assignAddresses } from '../../topology/index.ts';
import { loadTopology } from '../../checks/topology.ts';
import type { NodeSnapshot } from '../../checks/node-snapshot.ts';
import { Listeners, UiRequestError, type UiBackend } from './backend.ts';
import type { RawEvent } from './event-summary.ts';
import { layoutGraph } from './layout.ts';
import { ringView } from './ring-view.ts';
import { ReplayModel, type ReplayFrame, type ReplayTopology } from './timeline-replay.ts';
import type { LinkStateName, UiNodeTables, UiPath, UiState, UiTopology } from './ui-types.ts';

/** Reads a timeline.jsonl and what the replay needs; `topologyFile` overrides the file its run-start names. */
export function loadReplay(file: string, topologyFile?: string): ReplayModel {
  const lines = readFileSync(file, 'utf8').split('\n');
  const events: RawEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as RawEvent);
    } catch {
      throw new UiRequestError(
        `${file}:${i + 1}: expected one JSON event per line, found ${line.slice(0, 60)}`,
      );
    }
  });
  events.sort((x, y) => x.t - y.t); // stable: file order kept for equal times
  const start = events.find((e) => e.type === 'run-start');
  if (start === undefined) throw new UiRequestError(`${file}: no run-start line: is this a timeline.jsonl?`);
  return new ReplayModel(replayTopology(start, file, topologyFile), events);
}

// The nodes and links: from the run-start line itself, or from the topology file it names (relative paths
// are tried from the working directory, then beside the timeline).
function replayTopology(start: RawEvent, timeline: string, override?: string): ReplayTopology {
  if (override === undefined && Array.isArray(start.nodes) && Array.isArray(start.links)) {
    return {
      name: String(start.name ?? 'run'),
      recordedBy: 'sim',
      nodes: start.nodes,
      links: start.links,
    } as ReplayTopology;
  }
  const named = override ?? (typeof start.topology === 'string' ? start.topology : undefined);
  if (named === undefined)
    throw new UiRequestError(`${timeline}: run-start names no topology: give --topology FILE`);
  const file = isAbsolute(named) || existsSync(named) ? named : resolve(dirname(timeline), named);
  const topology = loadTopology(file);
  const addresses = assignAddresses(topology, Number(start.seed ?? 0));
  return {
    name: topology.name,
    recordedBy: 'lab',
    nodes: topology.nodes.map((n) => ({
      name: n.name,
      address: formatAddress(addresses.get(n.name)!),
      vsetSize: n.vrr.vsetSize,
    })),
    links: topology.links.map((l) => ({ a: l.a, b: l.b })),
  };
}

/** Serves one replay. */
export class ReplayBackend implements UiBackend {
  readonly #model: ReplayModel;
  readonly #topology: UiTopology;
  readonly #addressName: Map<string, string>;
  readonly #changes = new Listeners<[]>();
  readonly #events = new Listeners<[never]>();

  constructor(model: ReplayModel) {
    this.#model = model;
    const topo = model.topology;
    const positions = layoutGraph(
      topo.nodes.map((n) => n.name),
      topo.links,
    );
    this.#topology = {
      mode: 'replay',
      name: topo.name,
      runtime: topo.recordedBy === 'sim' ? 'simulator' : 'lab run',
      nodes: topo.nodes.map((n) => ({ name: n.name, address: n.address, ...positions.get(n.name)! })),
      links: topo.links.map((l, index) => ({ index, a: l.a, b: l.b })),
      span: model.span(),
      marks: model.faults(),
    };
    this.#addressName = new Map(topo.nodes.map((n) => [formatAddress(parseAddress(n.address)), n.name]));
    model.stateAt(model.span().to); // one pass now lays the checkpoints, so the page's first request is quick
  }

  topology(): UiTopology {
    return this.#topology;
  }

  async state(t?: number): Promise<UiState> {
    const frame = this.#model.stateAt(t ?? this.#model.span().to);
    const links: LinkStateName[] = this.#model.topology.links.map((_, i) =>
      frame.down.has(i) ? 'down' : frame.cut.has(i) ? 'cut' : frame.impaired.has(i) ? 'impaired' : 'up',
    );
    const upLinks = this.#model.topology.links
      .filter((_, i) => links[i] === 'up' || links[i] === 'impaired')
      .map((l) => [l.a, l.b] as const);
    const snapshots: NodeSnapshot[] = this.#model.topology.nodes.map((n) => ({
      name: n.name,
      address: parseAddress(n.address),
      alive: frame.alive.get(n.name)!,
      active: frame.active.get(n.name)!,
      vsetSize: n.vsetSize,
      vset: [...frame.vset.get(n.name)!].map(parseAddress),
      routes: [],
      linkedNeighbors: [],
    }));
    const nodes: UiState['nodes'] = {};
    for (const s of snapshots) {
      nodes[s.name] = {
        alive: s.alive,
        active: s.active,
        vset: s.vset.map((a) => this.#name(formatAddress(a))),
      };
    }
    return { t: frame.t, nodes, links, ring: ringView(snapshots, upLinks, false) };
  }

  async node(name: string, t?: number): Promise<UiNodeTables> {
    const node = this.#model.topology.nodes.find((n) => n.name === name);
    if (!node) throw new UiRequestError(`the run has no node ${JSON.stringify(name)}`);
    const frame: ReplayFrame = this.#model.stateAt(t ?? this.#model.span().to);
    const alive = frame.alive.get(name)!;
    return {
      name,
      address: node.address,
      alive,
      error:
        'a replay knows vsets and links from the events; routes, representatives, DHT and trees only a live lab has',
      status: { active: frame.active.get(name)!, vsetSize: node.vsetSize },
      neighbors: [...frame.neighbors.get(name)!].map(([address, state]) => ({
        name: this.#name(address),
        address,
        interface: '',
        state,
        active: state === 'linked',
        quality: Number.NaN,
      })),
      vset: [...frame.vset.get(name)!].map((address) => ({ name: this.#name(address), address, side: '' })),
      routes: [],
      representatives: null,
      dhtEntries: null,
      multicastTrees: null,
    };
  }

  async path(from: string, to: string): Promise<UiPath> {
    return {
      from,
      to,
      hops: [],
      reached: false,
      reason: 'a replay has no next hops: paths are shown on a live lab',
    };
  }

  async fault(): Promise<string> {
    throw new UiRequestError('a replay is read-only: faults change live labs');
  }

  onEvent(listener: (event: never) => void): () => void {
    return this.#events.add(listener);
  }

  onChange(listener: () => void): () => void {
    return this.#changes.add(listener);
  }

  async close(): Promise<void> {}

  #name(address: string): string {
    return this.#addressName.get(address) ?? address;
  }
}
