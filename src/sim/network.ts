// SimNetwork: a whole topology in one process. One node per topology node, each with its own VrrEnv
// (virtual clock, timers on the shared event queue, an rng derived from the run seed and the node's
// NAME), one port per link end, and a seeded link model per link direction. Faults (link down,
// partition, crash, restart, impairments, stalls) are methods, so a scenario runner is a list of calls.
//
// Determinism: nodes, ports and links are always walked in topology order, timers and frames go through
// one (time, sequence)-ordered queue, and every random draw comes from an rng derived from the seed and
// a name. Same topology, same seed, same calls => the same run, event for event.

import { deriveSeed, createRng } from '../vrr/rng.ts';
import type { Address } from '../vrr/address.ts';
import type { LinkAddress, PortId, TimerHandle, VrrEnv } from '../vrr/env.ts';
import type { VrrEvent } from '../vrr/events.ts';
import type { DataPacket } from '../vrr/wire/types.ts';
import { readKind, KIND_CONTROL } from '../vrr/wire/common-header.ts';
import type { LinkParams, Topology } from '../topology/types.ts';
import type { NodeSnapshot, UpLink } from '../checks/node-snapshot.ts';
import type { SimProbe } from '../checks/sim-probe.ts';
import { SimClock } from './sim-clock.ts';
import { NodeTimer } from './node-timer.ts';
import { LinkDirection, type LinkDirectionStats, type LinkModelOptions } from './link-model.ts';
import type { NodeFactory, SimNode, SimNodeConfig } from './sim-node.ts';

/** How to build a SimNetwork. */
export interface SimNetworkOptions {
  /** The run seed: node rngs, link rngs and restarts all derive from it. */
  seed: number;
  /** Every node's address (see assignAddresses in src/topology). */
  addresses: ReadonlyMap<string, Address>;
  /** Builds the nodes: vrrNodeFactory for real runs, fakes in tests. */
  createNode: NodeFactory;
  /** Keep every node event in `events` (memory grows with the run). Default false. */
  recordEvents?: boolean;
  /** Link-model tuning (queue size). */
  linkOptions?: LinkModelOptions;
}

/** A node event stamped with virtual time and node name. */
export interface SimEventRecord {
  t: number;
  node: string;
  event: VrrEvent;
}

/** Called when a data packet is delivered to a node's host. */
export type DeliveryListener = (node: string, packet: DataPacket) => void;

/** Called for every event a node emits. */
export type EventListener = (record: SimEventRecord) => void;

/** Totals over the whole run. */
export interface SimNetworkCounters {
  /** Events the clock ran (timers and frame arrivals). */
  events: number;
  /** Virtual time now, in ms. */
  simulatedMs: number;
  framesSent: number;
  bytesSent: number;
  controlFramesSent: number;
  controlBytesSent: number;
  dataFramesSent: number;
  dataBytesSent: number;
  /** Data packets handed to a host. */
  deliveries: number;
  /** Frames that arrived at a crashed node. */
  framesToDeadNodes: number;
  /** Unicast frames that arrived at a node they were not addressed to (a NIC would filter them). */
  framesMisaddressed: number;
  /** Timers and frame arrivals held back because their node was stalled (each time one was put off). */
  eventsHeldBack: number;
}

interface NodeRecord {
  name: string;
  address: Address;
  /** False for a node without the key of a keyed mesh: it runs, but is no member (the checks leave it out). */
  member: boolean;
  config: SimNodeConfig;
  node: SimNode | null;
  // Bumped on crash and restart: timers and sends of an older incarnation are ignored.
  incarnation: number;
  restarts: number;
  ports: PortEnd[];
  /** Until when the node is stalled (see SimNetwork.stall); 0 when it never was. */
  stalledUntil: number;
}

interface PortEnd {
  port: PortId;
  link: SimLink;
  out: LinkDirection;
}

interface SimLink {
  a: NodeRecord;
  b: NodeRecord;
  aPort: PortId;
  bPort: PortId;
  aToB: LinkDirection;
  bToA: LinkDirection;
  /** Set by linkDown/linkUp. */
  adminUp: boolean;
  /** Set by partition/heal. */
  cut: boolean;
}

/** A simulated network of nodes and links on a virtual clock. */
export class SimNetwork implements SimProbe {
  /** The virtual clock every node and link shares. */
  readonly clock = new SimClock();
  readonly seed: number;
  /** Node events, in order, when recordEvents was set. */
  readonly events: SimEventRecord[] = [];
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly byAddress = new Map<Address, NodeRecord>();
  private readonly links: SimLink[] = [];
  private readonly createNode: NodeFactory;
  private readonly recordEvents: boolean;
  private readonly deliveryListeners: DeliveryListener[] = [];
  private readonly eventListeners: EventListener[] = [];
  private started = false;
  private sampler: { everyMs: number; next: number; observe: (t: number) => void } | null = null;
  private readonly totals = {
    framesSent: 0,
    bytesSent: 0,
    controlFramesSent: 0,
    controlBytesSent: 0,
    dataFramesSent: 0,
    dataBytesSent: 0,
    deliveries: 0,
    framesToDeadNodes: 0,
    framesMisaddressed: 0,
    eventsHeldBack: 0,
  };

  constructor(topology: Topology, options: SimNetworkOptions) {
    this.seed = options.seed;
    this.createNode = options.createNode;
    this.recordEvents = options.recordEvents ?? false;
    for (const n of topology.nodes) {
      if (this.nodes.has(n.name))
        throw new Error(`topology ${topology.name}: node ${n.name} is listed twice`);
      const address = options.addresses.get(n.name);
      if (address === undefined) throw new Error(`no address was assigned to node ${n.name}`);
      const clash = this.byAddress.get(address);
      if (clash) throw new Error(`nodes ${clash.name} and ${n.name} were given the same address`);
      const rec: NodeRecord = {
        name: n.name,
        address,
        member: !(topology.security && n.keyed === false),
        config: {
          address,
          vsetSize: n.vrr.vsetSize,
          helloMs: n.vrr.helloMs,
          ...(topology.security && n.keyed !== false ? { networkKey: topology.security.key } : {}),
        },
        node: null,
        incarnation: 0,
        restarts: 0,
        ports: [],
        stalledUntil: 0,
      };
      this.nodes.set(n.name, rec);
      this.byAddress.set(address, rec);
    }
    // Several links between the same two nodes get distinct rng labels (#2, #3, ...).
    const seen = new Map<string, number>();
    for (const l of topology.links) {
      const a = this.record(l.a, `link ${l.a} -- ${l.b}`);
      const b = this.record(l.b, `link ${l.a} -- ${l.b}`);
      if (a === b) throw new Error(`link ${l.a} -- ${l.b} connects a node to itself`);
      const pair = `${l.a}--${l.b}`;
      const count = (seen.get(pair) ?? 0) + 1;
      seen.set(pair, count);
      const suffix = count > 1 ? `#${count}` : '';
      const link: SimLink = {
        a,
        b,
        aPort: a.ports.length,
        bPort: b.ports.length,
        aToB: null as unknown as LinkDirection,
        bToA: null as unknown as LinkDirection,
        adminUp: true,
        cut: false,
      };
      link.aToB = this.direction(l.aToB, `link:${l.a}->${l.b}${suffix}`, link, 'b', options.linkOptions);
      link.bToA = this.direction(l.bToA, `link:${l.b}->${l.a}${suffix}`, link, 'a', options.linkOptions);
      a.ports.push({ port: link.aPort, link, out: link.aToB });
      b.ports.push({ port: link.bPort, link, out: link.bToA });
      this.links.push(link);
    }
  }

  /** Creates every node, gives it its up ports and starts it. Call once. */
  start(): void {
    if (this.started) throw new Error('SimNetwork.start() was already called');
    this.started = true;
    for (const rec of this.nodes.values()) this.boot(rec, createRng(deriveSeed(this.seed, rec.name)));
  }

  /** Current virtual time, ms. */
  now(): number {
    return this.clock.now();
  }

  /** Runs the simulation up to virtual time `timeMs`. */
  runUntil(timeMs: number): void {
    this.advance(timeMs);
  }

  /** Runs the simulation for `ms` more milliseconds. */
  runFor(ms: number): void {
    this.advance(this.clock.now() + ms);
  }

  /**
   * Calls `observe(t)` at every multiple t of `everyMs` of virtual time the run passes, once the events due at t
   * have run: how a report samples the ring over time. The observer must only read. The clock then runs in
   * chunks ending at those times, which runs the same events in the same order (runUntil runs every event due
   * up to its time, those an event schedules for that time included), so an observed run is the same run.
   * Returns a function that stops the sampling.
   */
  sampleEvery(everyMs: number, observe: (t: number) => void): () => void {
    if (!(everyMs > 0)) throw new RangeError(`everyMs must be > 0, found ${everyMs}`);
    const sampler = { everyMs, next: Math.ceil(this.clock.now() / everyMs) * everyMs, observe };
    this.sampler = sampler;
    return () => {
      if (this.sampler === sampler) this.sampler = null;
    };
  }

  // The clock to `timeMs`, stopping at each sample time on the way.
  private advance(timeMs: number): void {
    const s = this.sampler;
    if (s !== null) {
      while (s.next < this.clock.now()) s.next += s.everyMs;
      while (s.next <= timeMs && this.sampler === s) {
        this.clock.runUntil(s.next);
        s.observe(s.next);
        s.next += s.everyMs;
      }
    }
    this.clock.runUntil(timeMs);
  }

  /**
   * Runs until `predicate` holds, checking it now and then every `everyMs` of virtual time, and gives up
   * at `deadlineMs` (absolute). Returns the time at which it held, or null.
   */
  runUntilTrue(predicate: () => boolean, opts: { everyMs: number; deadlineMs: number }): number | null {
    if (!(opts.everyMs > 0)) throw new RangeError(`everyMs must be > 0, found ${opts.everyMs}`);
    for (;;) {
      if (predicate()) return this.clock.now();
      if (this.clock.now() >= opts.deadlineMs) return null;
      this.advance(Math.min(this.clock.now() + opts.everyMs, opts.deadlineMs));
    }
  }

  /**
   * Names of the mesh's nodes in topology order: every node but those without the key of a keyed mesh, which run
   * (and may misbehave) but belong to no ring, so the checks, which walk these names, leave them out.
   */
  nodeNames(): string[] {
    const names: string[] = [];
    for (const rec of this.nodes.values()) if (rec.member) names.push(rec.name);
    return names;
  }

  /** Every node's name in topology order, members of the mesh or not. */
  allNodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** A node's address. */
  addressOf(name: string): Address {
    return this.record(name, 'addressOf').address;
  }

  /** The name of the node with this address, or undefined. */
  nameOf(address: Address): string | undefined {
    return this.byAddress.get(address)?.name;
  }

  /** The live node object, or null while crashed (or before start). */
  node(name: string): SimNode | null {
    return this.record(name, 'node').node;
  }

  /** True when the node runs (started and not crashed). */
  isAlive(name: string): boolean {
    return this.record(name, 'isAlive').node !== null;
  }

  /** Originates a data packet at node `from`; false when it is down or has no route. */
  sendData(
    from: string,
    dst: Address,
    payload: Uint8Array,
    opts?: { nextHeader?: number; key?: boolean },
  ): boolean {
    const node = this.record(from, 'sendData').node;
    return node ? node.sendData(dst, payload, opts) : false;
  }

  /** Subscribes to data deliveries; returns the unsubscribe function. */
  onDeliver(listener: DeliveryListener): () => void {
    return subscribe(this.deliveryListeners, listener);
  }

  /** Subscribes to node events; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    return subscribe(this.eventListeners, listener);
  }

  /** Takes every link between a and b down: both directions stop and both nodes lose the port. */
  linkDown(a: string, b: string): void {
    for (const link of this.linksBetween(a, b)) this.setLinkState(link, () => (link.adminUp = false));
  }

  /** Brings every link between a and b back up (unless a partition still cuts it). */
  linkUp(a: string, b: string): void {
    for (const link of this.linksBetween(a, b)) this.setLinkState(link, () => (link.adminUp = true));
  }

  /** Changes the impairments of the links between a and b, per direction (a->b and b->a). */
  impair(a: string, b: string, aToB: Partial<LinkParams>, bToA: Partial<LinkParams>): void {
    for (const link of this.linksBetween(a, b)) {
      const forward = link.a.name === a;
      (forward ? link.aToB : link.bToA).impair(aToB);
      (forward ? link.bToA : link.aToB).impair(bToA);
    }
  }

  /**
   * Cuts every link whose ends are in different groups (replacing any earlier partition). Nodes named
   * in no group form one more group together.
   */
  partition(groups: readonly (readonly string[])[]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((group, i) => {
      for (const name of group) {
        this.record(name, 'partition');
        if (groupOf.has(name)) throw new Error(`partition: node ${name} is in two groups`);
        groupOf.set(name, i);
      }
    });
    const rest = groups.length;
    for (const link of this.links) {
      const cut = (groupOf.get(link.a.name) ?? rest) !== (groupOf.get(link.b.name) ?? rest);
      this.setLinkState(link, () => (link.cut = cut));
    }
  }

  /** Undoes the partition (links taken down with linkDown stay down). */
  heal(): void {
    for (const link of this.links) this.setLinkState(link, () => (link.cut = false));
  }

  /** Crashes a node: stops it and forgets it; frames sent to it vanish until it restarts. */
  crash(name: string): void {
    const rec = this.record(name, 'crash');
    if (!rec.node) throw new Error(`crash: node ${name} is not running`);
    rec.node.stop();
    rec.node = null;
    rec.incarnation++;
    rec.stalledUntil = 0; // what it held back dies with it (frames to a crashed node vanish)
  }

  /** Restarts a crashed node: a fresh node with the same address and an rng from seed, name and restart count. */
  restart(name: string): void {
    const rec = this.record(name, 'restart');
    if (rec.node) throw new Error(`restart: node ${name} is running; crash it first`);
    rec.restarts++;
    rec.incarnation++;
    this.boot(rec, createRng(deriveSeed(this.seed, `${name}#restart${rec.restarts}`)));
  }

  /**
   * Stalls a node for `ms`, as a host that does not schedule its process: nothing of it runs meanwhile. Its timers
   * that come due and the frames that reach it are held back, then run when the stall ends, late, in the order
   * they came due (the node's clock reads the end of the stall; its hello timer tells it how late it ran). What
   * it would have sent meanwhile it sends late; the links and the other nodes run on. A stall during a stall
   * extends it. Changes of its links (link-down, partition) still reach it at once, as a carrier change does.
   */
  stall(name: string, ms: number): void {
    const rec = this.record(name, 'stall');
    if (!rec.node) throw new Error(`stall: node ${name} is not running`);
    if (!(ms >= 0)) throw new RangeError(`stall: expected a duration >= 0 ms, found ${ms}`);
    rec.stalledUntil = Math.max(rec.stalledUntil, this.clock.now() + ms);
  }

  /** Whether the node is stalled now. */
  isStalled(name: string): boolean {
    return this.record(name, 'isStalled').stalledUntil > this.clock.now();
  }

  /** Links that carry frames now, by node names, in topology order (parallel links listed once each). */
  upLinks(): UpLink[] {
    return this.links.filter(isUp).map((l) => [l.a.name, l.b.name] as const);
  }

  /** Number of links in the topology. */
  get linkCount(): number {
    return this.links.length;
  }

  /**
   * Every node's tables as the ring-consistency check wants them. With `routes: false` the routes and linked
   * neighbours are left empty: enough for vsetsConsistent, at a fraction of the cost.
   */
  snapshots(opts: { routes?: boolean } = {}): NodeSnapshot[] {
    const withRoutes = opts.routes ?? true;
    return [...this.nodes.values()]
      .filter((rec) => rec.member)
      .map((rec) => {
        const node = rec.node;
        if (!node) {
          return {
            name: rec.name,
            address: rec.address,
            alive: false,
            active: false,
            vsetSize: rec.config.vsetSize,
            vset: [],
            routes: [],
            linkedNeighbors: [],
          };
        }
        return {
          name: rec.name,
          address: rec.address,
          alive: true,
          active: node.isActive(),
          vsetSize: rec.config.vsetSize,
          vset: node.vsetMembers(),
          routes: withRoutes ? node.routes() : [],
          linkedNeighbors: withRoutes
            ? node
                .neighbors()
                .filter((n) => n.state === 'linked')
                .map((n) => n.address)
            : [],
        };
      });
  }

  /** Totals over the run so far. */
  counters(): SimNetworkCounters {
    return { events: this.clock.eventsProcessed, simulatedMs: this.clock.now(), ...this.totals };
  }

  /** Per-direction counters of the links between a and b (a->b first). */
  linkStats(a: string, b: string): { aToB: LinkDirectionStats; bToA: LinkDirectionStats }[] {
    return this.linksBetween(a, b).map((link) => {
      const forward = link.a.name === a;
      return {
        aToB: (forward ? link.aToB : link.bToA).stats,
        bToA: (forward ? link.bToA : link.aToB).stats,
      };
    });
  }

  private record(name: string, what: string): NodeRecord {
    const rec = this.nodes.get(name);
    if (!rec) throw new Error(`${what}: no node named ${JSON.stringify(name)} in this network`);
    return rec;
  }

  private linksBetween(a: string, b: string): SimLink[] {
    this.record(a, `link ${a} -- ${b}`);
    this.record(b, `link ${a} -- ${b}`);
    const found = this.links.filter(
      (l) => (l.a.name === a && l.b.name === b) || (l.a.name === b && l.b.name === a),
    );
    if (found.length === 0) throw new Error(`there is no link between ${a} and ${b}`);
    return found;
  }

  // Applies a change to a link's flags; if that flips whether it carries frames, tells the link model
  // and both (running) nodes, which react as to an interface going down or coming up.
  private setLinkState(link: SimLink, change: () => void): void {
    const wasUp = isUp(link);
    change();
    const up = isUp(link);
    if (up === wasUp) return;
    link.aToB.setUp(up);
    link.bToA.setUp(up);
    for (const [rec, port] of [
      [link.a, link.aPort],
      [link.b, link.bPort],
    ] as const) {
      if (!rec.node) continue;
      if (up) rec.node.addPort(port);
      else rec.node.removePort(port);
    }
  }

  private direction(
    params: LinkParams,
    label: string,
    link: SimLink,
    toSide: 'a' | 'b',
    options: LinkModelOptions | undefined,
  ): LinkDirection {
    const rng = createRng(deriveSeed(this.seed, label));
    const sink = (frame: Uint8Array, to: LinkAddress | null): void => {
      const target = toSide === 'b' ? link.b : link.a;
      const sender = toSide === 'b' ? link.a : link.b;
      if (target.stalledUntil > this.clock.now()) {
        // The frame waits in the stalled node's socket, behind those that came before it.
        this.totals.eventsHeldBack++;
        this.clock.at(target.stalledUntil, () => sink(frame, to));
        return;
      }
      if (!target.node) {
        this.totals.framesToDeadNodes++;
        return;
      }
      if (to !== null && to !== target.address) {
        this.totals.framesMisaddressed++;
        return;
      }
      // In the simulator a node's link (MAC) address is its VRR address.
      target.node.receive(toSide === 'b' ? link.bPort : link.aPort, sender.address, frame);
    };
    return new LinkDirection(params, rng, this.clock, sink, options);
  }

  private boot(rec: NodeRecord, rng: ReturnType<typeof createRng>): void {
    const incarnation = rec.incarnation;
    const current = (): boolean => rec.incarnation === incarnation;
    const env: VrrEnv = {
      now: () => this.clock.now(),
      setTimer: (delayMs: number, fire: () => void): TimerHandle =>
        this.clock.scheduleEvent(delayMs, new NodeTimer(rec, incarnation, fire, this.clock, this.totals)),
      rng,
      send: (port, to, frame) => {
        if (!current()) return;
        const end = rec.ports[port];
        if (!end) {
          throw new RangeError(
            `node ${rec.name} sent on port ${port}, but its ports are 0..${rec.ports.length - 1}`,
          );
        }
        const t = this.totals;
        t.framesSent++;
        t.bytesSent += frame.length;
        if (frame.length > 0 && readKind(frame) === KIND_CONTROL) {
          t.controlFramesSent++;
          t.controlBytesSent += frame.length;
        } else {
          t.dataFramesSent++;
          t.dataBytesSent += frame.length;
        }
        // Not copied: no node writes to a frame it sent or received (VrrEnv.send), so sender, link and
        // receiver may share the bytes. A copy per frame was a tenth of the simulator's allocations.
        end.out.transmit(frame, to);
      },
      deliver: (packet) => {
        if (!current()) return;
        this.totals.deliveries++;
        for (const listener of this.deliveryListeners) listener(rec.name, packet);
      },
      emit: (event) => {
        if (!current()) return;
        const record: SimEventRecord = { t: this.clock.now(), node: rec.name, event };
        if (this.recordEvents) this.events.push(record);
        for (const listener of this.eventListeners) listener(record);
      },
    };
    const node = this.createNode(rec.config, env);
    rec.node = node;
    for (const end of rec.ports) if (isUp(end.link)) node.addPort(end.port);
    node.start();
  }
}

function isUp(link: SimLink): boolean {
  return link.adminUp && !link.cut;
}

function subscribe<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
}
