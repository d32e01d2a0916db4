// VrrNode: one VRR node as a state machine. Frames, timers and local sends go in; frames, local deliveries and
// typed events come out, all through the injected VrrEnv. It ties the tables together (pset, vset, routes, reps)
// and implements the setup_req / setup / setup_fail / teardown handlers of protocol-notes §6-7, with the
// corrections the notes list, hop-by-hop reliability for the acknowledged options, retries with backoff for
// setup_req, bootstrapping, partition repair through representatives (§8) and data forwarding.
//
// Invariants (checked by test/unit/vrr/node.test.ts and, on whole networks, by the ring checker):
//  - every vset member has at least one route whose endpoints are this node and the member;
//  - every route's non-null na/nb is a linked neighbour;
//  - an inactive node has an empty vset and relays nothing but its own join;
//  - nothing thrown escapes receive(): a frame that cannot be decoded is counted and dropped.

import { formatAddress, isGroupAddress, type Address } from './address.ts';
import { LinkAuth, sealingEnv } from './auth/link-auth.ts';
import { resolveConfig, type VrrConfig } from './config.ts';
import type { LinkAddress, PortId, TimerHandle, VrrEnv } from './env.ts';
import type { LinkState } from './events.ts';
import type { NodeExtension, NodeServices } from './extension.ts';
import { nextHop, type ForwardingTables, type NextHop } from './forwarding.ts';
import { Pset, type LinkChange } from './pset.ts';
import { ReliableControl } from './reliable.ts';
import { RepTable } from './repair.ts';
import { pathPrecedes, RouteTable, routeKey, type Route } from './routes.ts';
import { nearEnough, Vset } from './vset.ts';
import { decodePacket, encodePacket, helloNeighborCapacity } from './wire/index.ts';
import {
  DataFlag,
  OptionType,
  type ControlPacket,
  type DataPacket,
  type HelloOption,
  type KnownOption,
  type SetupFailOption,
  type SetupOption,
  type SetupReqOption,
  type TeardownOption,
} from './wire/types.ts';

/** A read-only view of a physical neighbour. */
export interface NeighborView {
  address: Address;
  port: PortId;
  linkAddress: LinkAddress;
  state: LinkState;
  active: boolean;
  quality: number;
}

/** A read-only view of a route entry. */
export interface RouteView {
  ea: Address;
  eb: Address;
  pathId: number;
  na: Address | null;
  nb: Address | null;
}

/** How a node protects its links: with a network key, every frame is sealed and checked (src/vrr/auth/). */
export interface NodeSecurity {
  /** The mesh's shared key (at least 16 bytes); without one, frames are neither sealed nor checked. */
  networkKey?: Uint8Array;
}

/** Options for an originated data packet. */
export interface SendDataOptions {
  nextHeader?: number;
  /** Deliver to the node closest to dst (DHT semantics) instead of requiring an exact match. */
  key?: boolean;
}

interface PendingSetup {
  attempt: number;
  token: number;
  timer: TimerHandle | null;
  why: string;
  /** The node whose vset listed the target (it holds a path to it), if any: the relay of setupAround. */
  informant: Address | null;
}

interface PortInfo {
  mtu: number;
}

const DEFAULT_MTU = 1500;
/** Routed requests remembered for loop detection. */
const RECENTLY_ROUTED_KEPT = 512;
/** Kinds of routed request in the loop guard's keys. */
const ROUTED_REQ = 0;
const ROUTED_FAIL = 1;
/** Teardowns that came before their setup, remembered until it comes (a retransmission is due within seconds). */
const TORN_DOWN_EARLY_KEPT = 256;

/** Adds key to a set kept to its newest `cap` entries (a Set iterates in insertion order). */
function remember(set: Set<string>, key: string, cap: number): void {
  set.add(key);
  if (set.size > cap) set.delete(set.values().next().value as string);
}

/** One VRR node. */
export class VrrNode {
  readonly address: Address;
  readonly config: Readonly<VrrConfig>;

  private readonly env: VrrEnv;
  /** Seals and admits frames in a keyed mesh; null when the mesh is not keyed. */
  private readonly auth: LinkAuth | null;
  private readonly ports = new Map<PortId, PortInfo>();
  private readonly pset: Pset;
  private readonly vset: Vset;
  private readonly table = new RouteTable();
  private readonly reps: RepTable;
  private readonly reliable: ReliableControl;
  private readonly pendingSetups = new Map<Address, PendingSetup>();
  /**
   * Targets not to ask again before `until`: they refused us (`refused`: alive ring nodes that answered), or were
   * never reached (attempts exhausted, answered by another node, a direct setup under way).
   */
  private readonly holdOff = new Map<Address, { until: number; refused: boolean }>();
  private readonly timers = new Set<TimerHandle>();
  /**
   * Routed requests seen recently: key (token mod 2^29) * 2 + kind (0 setup_req, 1 setup_fail), value src. A
   * second sighting of the same (kind, src, token) means a forwarding loop. Keys below 2^30, V8's small integers:
   * this is looked up on every routed hop, and a larger number is boxed for every Map lookup. (Two live tokens of
   * one source that agree in their low 29 bits look like a loop: about one chance in a million per request.)
   */
  private readonly recentlyRouted = new Map<number, Address>();
  /** recentlyRouted's keys as a ring, oldest at recentlyRoutedNext once full (see seenBefore). */
  private readonly recentlyRoutedOrder = new Int32Array(RECENTLY_ROUTED_KEPT);
  private recentlyRoutedNext = 0;
  private recentlyRoutedCount = 0;
  /**
   * Paths whose teardown arrived here before their setup did, by (ea, pathId): the teardown overtook a setup that
   * was retransmitted, or reordered on a link. The setup, when it comes, is turned back instead of installing
   * a path whose far end is gone, which nothing would ever remove (hard state has no refresh).
   */
  private readonly tornDownEarly = new Set<string>();
  private readonly stats: Record<string, number> = {};
  /** The counters bumped for every frame, kept apart from `stats` (a string-keyed lookup per frame adds up). */
  private readonly traffic = { framesIn: 0, framesOut: 0, controlBytesOut: 0, helloOut: 0 };

  private active = false;
  private running = false;
  private helloSeq: number;
  private helloTimer: TimerHandle | null = null;
  private triggeredHello: TimerHandle | null = null;
  private selfCheckTimer: TimerHandle | null = null;
  private selfCheckPeriods = 1;
  private selfCheckDueAt = 0;
  private startedAt = 0;
  /** Last time a linked active neighbour was seen (for bootstrapping). */
  private lastActiveNeighborAt = 0;
  private readonly extensions: NodeExtension[] = [];
  private readonly extensionByType = new Map<number, NodeExtension>();
  /** What extensions (DHT, multicast) may use of this node. */
  readonly services: NodeServices;
  /** Smallest representative in my last hello, to notice when a smaller one must be spread at once. */
  private advertisedSmallest: Address | null = null;

  constructor(config: Partial<VrrConfig> & { address: Address }, env: VrrEnv, security: NodeSecurity = {}) {
    this.config = resolveConfig(config);
    this.address = this.config.address;
    // Kept out of VrrConfig, which reports print.
    this.auth =
      security.networkKey === undefined
        ? null
        : new LinkAuth(security.networkKey, { address: this.address, env, count: (n) => this.count(n) });
    this.env = this.auth === null ? env : sealingEnv(env, this.auth);
    const c = this.config;
    this.pset = new Pset({
      me: this.address,
      qualityWindow: c.qualityWindow,
      qualityUp: c.qualityUp,
      qualityDown: c.qualityDown,
    });
    this.vset = new Vset(this.address, c.vsetSize);
    this.reps = new RepTable(this.address, c.repValidHellos * c.helloMs, env.rng.u32());
    this.helloSeq = env.rng.int(0x10000);
    this.reliable = new ReliableControl(
      {
        // One timer per packet in flight, the most armed of all: not through timer(), whose list stop() walks,
        // since stop() stops the layer itself (reliable.stop()).
        setTimer: (ms, fire) => this.env.setTimer(ms, fire),
        resend: (to, frame) => this.sendFrame(to, frame, true),
        onGiveUp: (n) => this.applyLinkChange(this.pset.fail(n, 'control packets not acknowledged')),
        onRetransmit: () => this.count('retransmits'),
        now: () => this.env.now(),
      },
      c.ackTimeoutMs,
      c.maxRetransmits,
      env.rng.u32(),
    );
    this.services = this.makeServices();
  }

  // ---------------------------------------------------------------- extensions

  /** Attaches a protocol extension; its option Types are dispatched to it from then on. */
  attach<E extends NodeExtension>(extension: E): E {
    for (const t of extension.optionTypes) {
      if (this.extensionByType.has(t)) throw new RangeError(`option Type ${t} already has an extension`);
      this.extensionByType.set(t, extension);
    }
    this.extensions.push(extension);
    return extension;
  }

  private makeServices(): NodeServices {
    return {
      address: this.address,
      config: this.config,
      rng: this.env.rng,
      now: () => this.env.now(),
      setTimer: (ms, fire) => this.timer(ms, fire),
      emit: (event) => this.env.emit(event),
      count: (name, by) => this.count(name, by),
      isActive: () => this.active,
      vsetMembers: () => this.vset.members(),
      linkedNeighbors: () =>
        this.pset
          .all()
          .filter((n) => n.state === 'linked')
          .map((n) => n.address),
      // Extensions carry application traffic (DHT operations, multicast trees): routed like data, not along
      // representative records (see dataHop).
      nextHop: (dst, exclude = null) => this.dataHop(dst, exclude),
      sendToNeighbor: (neighbor, ...options) => this.sendControl(neighbor, ...options),
      routeToward: (dst, option, exclude = null) => {
        const hop = this.dataHop(dst, exclude);
        if (hop.kind !== 'forward') return hop.kind;
        return this.sendControl(hop.via, option) ? 'forwarded' : 'none';
      },
      sendDataVia: (neighbor, packet) => this.sendFrame(neighbor, encodePacket(packet), false),
      deliverLocally: (packet) => this.deliver(packet),
    };
  }

  private notifyVsetChange(added: Address[], removed: Address[]): void {
    this.scheduleSelfCheck();
    for (const e of this.extensions) e.onVsetChange?.(added, removed);
  }

  /**
   * A self-check is a setup_req for this node's own address, as at join time: greedy routing takes it to the
   * closest other node, which either takes us as a virtual neighbour or answers with its vset — the neighbours
   * we may be missing. It runs `selfCheckFirstHellos` periods after the vset changes, then backs off exponentially to
   * one every `selfCheckMaxHellos` periods: a ring can settle into two interleaved strands that no vset exchange, path
   * endpoint or representative reveals (no node of either strand is the smallest of a ring), and only a lookup
   * of one's own address finds the missing neighbour. In a stable ring it costs one routed request per node
   * every half minute.
   */
  private scheduleSelfCheck(reset = true): void {
    if (reset) this.selfCheckPeriods = this.config.selfCheckFirstHellos;
    if (!this.active) return;
    const delay = this.selfCheckPeriods * this.config.helloMs * (0.9 + 0.2 * this.env.rng.next());
    if (this.selfCheckTimer) {
      // A check due sooner stays: a vset that keeps changing (a node at a seam of a merge, refused every period)
      // would otherwise postpone its own check for as long as the churn lasts.
      if (!reset || this.selfCheckDueAt <= this.env.now() + delay) return;
      this.selfCheckTimer.cancel();
    }
    this.selfCheckDueAt = this.env.now() + delay;
    this.selfCheckTimer = this.timer(delay, () => {
      this.selfCheckTimer = null;
      this.selfCheckPeriods = Math.min(this.selfCheckPeriods * 2, this.config.selfCheckMaxHellos);
      this.scheduleSelfCheck(false);
      const proxies = this.pset.linkedActive();
      if (!this.active || proxies.length === 0) return;
      this.count('selfChecks');
      const proxy = this.env.rng.pick(proxies).address;
      this.sendControl(proxy, {
        type: OptionType.SETUP_REQ,
        token: this.env.rng.u32() || 1,
        src: this.address,
        dst: this.address,
        proxy,
        vset: this.vset.members(),
      });
    });
  }

  // ---------------------------------------------------------------- driver interface

  /** Adds an interface; hellos are broadcast on every port. */
  addPort(port: PortId, opts: { mtu?: number } = {}): void {
    this.ports.set(port, { mtu: opts.mtu ?? DEFAULT_MTU });
    if (this.running) this.scheduleTriggeredHello();
  }

  /** Removes an interface (it went down): neighbours last heard on it fail at once. */
  removePort(port: PortId): void {
    this.ports.delete(port);
    this.auth?.forgetPort(port);
    for (const n of this.pset.all()) {
      if (n.port === port) {
        this.applyLinkChange(this.pset.fail(n.address, `port ${port} down`));
        this.applyLinkChange(this.pset.forget(n.address, `port ${port} down`));
      }
    }
  }

  /** Starts the node: the first hello goes out after a random fraction of a period. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.env.now();
    this.lastActiveNeighborAt = this.startedAt;
    this.scheduleHello(this.env.rng.next() * this.config.helloMs);
  }

  /** Stops every timer; the node then ignores input. A crash is stop() and dropping the object. */
  stop(): void {
    this.running = false;
    this.reliable.stop();
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.helloTimer = null;
    this.triggeredHello = null;
    this.selfCheckTimer = null;
    for (const e of this.extensions) e.onStop?.();
  }

  /** A frame arrived on a port from the given link-layer address. Never throws. */
  receive(port: PortId, from: LinkAddress, frame: Uint8Array): void {
    if (!this.running) return;
    try {
      this.traffic.framesIn++;
      const result = decodePacket(frame);
      if (!result.ok) {
        this.count(`malformed.${result.reason}`);
        return;
      }
      if (result.unknownOptions.length > 0) this.count('unknownOptions', result.unknownOptions.length);
      if (result.truncated) this.count(`malformed.${result.truncated}`);
      const packet = result.packet;
      if (this.auth !== null && !this.auth.admit(port, from, frame, packet)) return;
      if (packet.kind === 'data') this.onData(packet, port, from);
      else this.onControl(port, from, packet);
    } catch (err) {
      // A bug must not take the daemon down: count it and name it in the event stream.
      this.count('internalErrors');
      this.env.emit({ type: 'drop', reason: 'internal-error', detail: String((err as Error)?.stack ?? err) });
    }
  }

  /** Originates a data packet. Returns false when there is no route (the packet would stay here). */
  sendData(dst: Address, payload: Uint8Array, opts: SendDataOptions = {}): boolean {
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: this.config.hopLimit,
      dataFlags: opts.key ? DataFlag.KEY : 0,
      nextHeader: opts.nextHeader ?? 0,
      src: this.address,
      dst,
      payload,
    };
    this.count('dataOriginated');
    if (isGroupAddress(dst)) {
      // Group traffic travels on multicast trees: the multicast extension, if attached, takes it from here.
      const ext = this.extensions.find((e) => e.onGroupData);
      if (!ext) {
        this.count('drop.groupDataWithoutMulticast');
        return false;
      }
      ext.onGroupData!({ ...packet, dataFlags: packet.dataFlags | DataFlag.GROUP }, this.address);
      return true;
    }
    if (dst === this.address) {
      this.deliver(packet);
      return true;
    }
    const hop = this.dataHop(dst);
    if (hop.kind !== 'forward') {
      if (opts.key) {
        this.deliver(packet);
        return true;
      }
      this.count('drop.noRoute');
      return false;
    }
    return this.sendFrame(hop.via, encodePacket(packet), false);
  }

  // ---------------------------------------------------------------- read-only views

  /** Whether the node has joined a ring. */
  isActive(): boolean {
    return this.active;
  }

  /** Current virtual neighbours. */
  vsetMembers(): Address[] {
    return this.vset.members();
  }

  /** Current physical neighbours. */
  neighbors(): NeighborView[] {
    return this.pset.all().map((n) => ({
      address: n.address,
      port: n.port,
      linkAddress: n.linkAddress,
      state: n.state,
      active: n.active,
      quality: this.pset.quality(n),
    }));
  }

  /** Current route entries. */
  routes(): RouteView[] {
    return this.table.all().map((r) => ({ ...r }));
  }

  /** Counters: frames, bytes, drops by reason, retransmissions, ... */
  counters(): Readonly<Record<string, number>> {
    const traffic: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.traffic)) if (v > 0) traffic[k] = v;
    return {
      ...traffic,
      ...this.stats,
      routes: this.table.size,
      vset: this.vset.size,
      inFlight: this.reliable.inFlight,
    };
  }

  /** Representatives currently known (address, and the neighbour toward it). */
  representatives(): { address: Address; via: Address; seq: number }[] {
    return this.reps
      .usable(this.env.now())
      .map((r) => ({ address: r.address, via: r.heardFrom, seq: r.seq }));
  }

  /** Where a VRR control message for dst would go from here (data: dataHop). */
  nextHop(dst: Address, exclude: Address | null = null): NextHop {
    return nextHop(this.forwardingTables(), dst, exclude);
  }

  private forwardingTables(): ForwardingTables {
    return { me: this.address, pset: this.pset, routes: this.table, reps: this.reps, now: this.env.now() };
  }

  // ---------------------------------------------------------------- hellos and links

  private scheduleHello(delay: number): void {
    this.helloTimer?.cancel();
    const due = this.env.now() + delay;
    this.helloTimer = this.timer(delay, () => {
      this.helloTimer = null;
      this.periodic(this.env.now() - due);
      this.sendHello();
      const j = this.config.helloJitter;
      this.scheduleHello(this.config.helloMs * (1 - j + 2 * j * this.env.rng.next()));
    });
  }

  /** A hello soon (not at once: several changes in one instant share it). */
  private scheduleTriggeredHello(): void {
    if (this.triggeredHello || !this.running) return;
    this.triggeredHello = this.timer(Math.min(20, this.config.helloMs / 20), () => {
      this.triggeredHello = null;
      this.sendHello();
    });
  }

  private sendHello(): void {
    this.helloSeq = (this.helloSeq + 1) & 0xffff;
    const now = this.env.now();
    const reps = this.reps.advertise(this.isRepresentative(), now);
    this.advertisedSmallest = reps.length > 0 ? reps[0].address : null;
    const slots = this.pset.helloSlots();
    for (const [port, info] of this.ports) {
      const capacity = Math.max(
        1,
        helloNeighborCapacity(info.mtu, reps.length, { auth: this.auth !== null }),
      );
      const parts = Math.max(1, Math.ceil(slots.length / capacity));
      if (parts > 15) this.count('helloTruncated');
      const partCount = Math.min(parts, 15);
      for (let part = 0; part < partCount; part++) {
        const hello: HelloOption = {
          type: OptionType.HELLO,
          active: this.active,
          helloSeq: this.helloSeq,
          part,
          parts: partCount,
          reps,
          neighbors: slots.slice(part * capacity, (part + 1) * capacity),
        };
        const frame = encodePacket({
          kind: 'control',
          flags: 0,
          sender: this.address,
          seq: 0,
          options: [hello],
        });
        this.traffic.helloOut++;
        this.traffic.controlBytesOut += frame.length;
        this.traffic.framesOut++;
        this.env.send(port, null, frame);
      }
    }
  }

  /**
   * An active node is a representative when no virtual neighbour is smaller (the smallest of its ring). An
   * inactive node advertises itself as a candidate first node while it knows of nobody smaller: a bootstrap
   * election by the same hello slots, so a network that starts all at once forms one ring, not one per region.
   */
  private isRepresentative(): boolean {
    if (this.active) return this.vset.hasNoSmallerMember();
    return !this.knowsSmallerRep();
  }

  private knowsSmallerRep(): boolean {
    const now = this.env.now();
    for (const r of this.reps.records()) {
      if (r.address < this.address && now - r.refreshedAt <= this.reps.validMs) return true;
    }
    return false;
  }

  /**
   * Once per hello period: timeouts, bootstrapping, rep aging, repair attempts. `lateMs` is how late this
   * period's timer fired: a node that was itself asleep that long (a host short of CPU) has not yet read the
   * frames that arrived meanwhile (a daemon's loop runs due timers before it polls its sockets), so it does not
   * judge its neighbours' silence this time; the next period does, once they are read. Never late in the
   * simulator.
   */
  private periodic(lateMs = 0): void {
    const now = this.env.now();
    const c = this.config;
    const asleep = lateMs > c.helloMs / 2;
    if (asleep) this.count('lateTimers');
    for (const n of this.pset.all()) {
      const silent = now - n.lastHeard;
      if (n.state === 'linked' && silent > c.failAfterHellos * c.helloMs && !asleep) {
        this.applyLinkChange(this.pset.fail(n.address, `unheard for ${Math.round(silent)} ms`));
      } else if (n.state !== 'linked' && silent > c.forgetAfterHellos * c.helloMs) {
        this.applyLinkChange(this.pset.forget(n.address, `unheard for ${Math.round(silent)} ms`));
      }
    }
    for (const [a, h] of this.holdOff) if (h.until <= now) this.holdOff.delete(a);
    this.reps.expire(now);

    const proxies = this.pset.linkedActive();
    if (proxies.length > 0) this.lastActiveNeighborAt = now;
    if (!this.active) {
      if (proxies.some((p) => p.activeSince !== null && now - p.activeSince >= c.helloMs)) {
        this.requestSetup(this.address, 'join');
      } else if (
        now - this.lastActiveNeighborAt >= c.bootstrapHellos * c.helloMs &&
        !this.knowsSmallerRep()
      ) {
        this.becomeActive('no active neighbour: first node of a ring');
      }
      return;
    }
    this.seekBetterNeighbors(now);
  }

  /**
   * Local repair of the ring: a representative of another ring (partition repair) or a linked active neighbour
   * that belongs in my virtual set but is not in it gets a SETUP straight along the known route.
   */
  private seekBetterNeighbors(now: number): void {
    for (const r of this.reps.usable(now)) this.connectDirect(r.address, 'representative of another ring');
    for (const n of this.pset.linkedActive())
      this.connectDirect(n.address, 'linked neighbour belongs in vset');
    // Endpoints of paths through me are nodes of my ring I already know of: if one belongs in my vset, my vset is
    // wrong (in a consistent ring this never fires, so it costs nothing in the steady state).
    const candidates: Address[] = [];
    for (const e of this.table.endpoints()) if (this.vset.shouldAdd(e)) candidates.push(e);
    if (candidates.length > 0) this.learnCandidates(candidates, 'endpoints of paths through me');
  }

  private connectDirect(target: Address, why: string): void {
    if (this.holdOff.has(target) || this.pendingSetups.has(target) || !this.worthAsking(target)) return;
    const hop = this.pset.isLinked(target) ? target : this.forwardVia(this.nextHop(target));
    if (hop === null) return;
    this.count('directSetups');
    this.setupDirect(target, target, `direct setup: ${why}`);
  }

  /**
   * A setup_req for target was answered by another node: greedy routing from here ends short of target. That is
   * what a merge looks like (target belongs to the other ring: every node this side knows is closer to it than any
   * route toward it), and holding target off then would stall the merge until the hold expires. Instead create the
   * path directly, as for a representative: along my own route to target if I have one, else through the node whose
   * vset listed target (it holds a path to it, and I to it). False when neither exists.
   */
  private setupAround(target: Address, informant: Address | null): boolean {
    if (this.vset.has(target) || this.holdOff.has(target) || !this.worthAsking(target)) return false;
    let proxy: Address;
    if (this.pset.isLinked(target) || this.exactHop(target) !== null) proxy = target;
    else if (informant !== null && (this.pset.isLinked(informant) || this.exactHop(informant) !== null))
      proxy = informant;
    else return false;
    this.count('setupsAround');
    this.setupDirect(
      target,
      proxy,
      `setup around: ${proxy === target ? 'own route' : 'through its informant'}`,
    );
    return true;
  }

  /** Creates a path to target with a SETUP from here (this node is endpoint A), routed through proxy. */
  private setupDirect(target: Address, proxy: Address, why: string): void {
    this.hold(target);
    const ovset = this.vset.members();
    this.env.emit({ type: 'setup-req', target, attempt: 1, why });
    this.acceptVirtualNeighbor(target);
    this.handleSetup(
      {
        type: OptionType.SETUP,
        pathId: this.newPathId(),
        src: this.address,
        dst: target,
        proxy,
        vset: ovset,
      },
      this.address,
    );
  }

  /** The next hop of a route whose endpoint is dst itself, or null (greedy routing may end elsewhere). */
  private exactHop(dst: Address): Address | null {
    const hop = this.nextHop(dst);
    return hop.kind === 'forward' && hop.endpoint === dst ? hop.via : null;
  }

  private onHello(port: PortId, from: LinkAddress, sender: Address, hello: HelloOption): void {
    if (sender === this.address) return; // our own broadcast looped back
    const change = this.pset.onHello(port, from, sender, hello, this.env.now());
    this.applyLinkChange(change);
    const n = this.pset.get(sender);
    // Active nodes learn representatives only from active neighbours: the record is a route, and inactive nodes
    // do not relay. Inactive nodes learn from everyone: for them it is the bootstrap election.
    if (n?.state === 'linked' && hello.reps.length > 0 && (hello.active || !this.active)) {
      const fresh = this.reps.learn(sender, hello.reps, this.env.now());
      if (this.active) {
        for (const r of fresh) this.connectDirect(r, 'representative of another ring');
      } else if (fresh.some((r) => this.advertisedSmallest === null || r < this.advertisedSmallest)) {
        this.scheduleTriggeredHello(); // spread a smaller candidate at once, ahead of any bootstrap timeout
      }
    }
    // Join through a neighbour only once it has been active for a hello period: a wave of joins through nodes
    // that joined a moment ago lands in a ring still settling, and costs many more setup messages.
    if (
      n?.state === 'linked' &&
      n.active &&
      !this.active &&
      n.activeSince !== null &&
      this.env.now() - n.activeSince >= this.config.helloMs
    ) {
      this.requestSetup(this.address, 'join');
    }
  }

  private applyLinkChange(change: LinkChange | null): void {
    if (!change) return;
    const n = change.neighbor;
    this.env.emit({
      type: 'link',
      neighbor: n.address,
      port: n.port,
      from: change.from,
      to: change.to,
      why: change.why,
    });
    if (change.from === 'linked') {
      this.onNeighborLost(n.address);
      for (const e of this.extensions) e.onNeighborLost?.(n.address);
    }
    if (change.to === 'linked') for (const e of this.extensions) e.onNeighborLinked?.(n.address);
    if (change.to === 'linked' || change.from === 'unknown' || change.to === 'failed') {
      this.scheduleTriggeredHello();
    }
  }

  /** A linked neighbour is gone: tear down every path through it (protocol-notes §7, link failure). */
  private onNeighborLost(n: Address): void {
    this.reliable.forget(n);
    this.reps.forgetVia(n);
    for (const r of this.table.via(n)) {
      this.removeRoute(r, `link to ${formatAddress(n)} failed`);
      const next = r.na === n ? r.nb : r.na;
      if (next !== null) {
        if (next !== n && this.pset.isLinked(next)) {
          this.sendControl(next, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
        }
      } else {
        const other = r.ea === this.address ? r.eb : r.ea;
        this.endpointLost(other, null);
      }
    }
  }

  // ---------------------------------------------------------------- control packets

  private onControl(port: PortId, from: LinkAddress, packet: ControlPacket): void {
    const sender = packet.sender;
    let firstTime = true;
    if (packet.seq !== 0) {
      // Acknowledge only what a linked neighbour sent: an unlinked sender must not think we took it.
      if (!this.pset.isLinked(sender)) {
        this.count('drop.unlinkedSender');
        return;
      }
      this.sendFrame(
        sender,
        encodePacket({
          kind: 'control',
          flags: 0,
          sender: this.address,
          seq: 0,
          options: [{ type: OptionType.ACK, seq: packet.seq }],
        }),
        false,
      );
      firstTime = this.reliable.firstTime(sender, packet.seq);
      if (!firstTime) this.count('duplicatesSuppressed');
    }
    for (const opt of packet.options) {
      switch (opt.type) {
        case OptionType.HELLO:
          this.onHello(port, from, sender, opt);
          break;
        case OptionType.ACK:
          this.reliable.acked(sender, opt.seq);
          break;
        default:
          if (!firstTime) break;
          if (!this.pset.isLinked(sender)) {
            this.count('drop.unlinkedSender');
            break;
          }
          this.onRoutedOption(opt, sender);
      }
    }
  }

  private onRoutedOption(opt: KnownOption, sender: Address): void {
    switch (opt.type) {
      case OptionType.SETUP_REQ:
        return this.handleSetupReq(opt);
      case OptionType.SETUP:
        return this.handleSetup(opt, sender);
      case OptionType.SETUP_FAIL:
        return this.handleSetupFail(opt, sender);
      case OptionType.TEARDOWN:
        return this.handleTeardown(opt, sender);
      default: {
        const ext = this.extensionByType.get(opt.type as number);
        if (ext) ext.onOption(opt, sender);
        else this.count('drop.unexpectedOption');
      }
    }
  }

  /** Sends options to a linked neighbour; acknowledged options are tracked and retransmitted. */
  private sendControl(to: Address, ...options: KnownOption[]): boolean {
    let reliable = false;
    for (const o of options) if (o.type !== OptionType.HELLO && o.type !== OptionType.ACK) reliable = true;
    const seq = reliable ? this.reliable.allocateSeq() : 0;
    const frame = encodePacket({ kind: 'control', flags: 0, sender: this.address, seq, options });
    if (!this.sendFrame(to, frame, true)) return false;
    if (reliable) this.reliable.track(to, seq, frame);
    return true;
  }

  private sendFrame(to: Address, frame: Uint8Array, control: boolean): boolean {
    const n = this.pset.get(to);
    if (!n || n.state !== 'linked' || !this.ports.has(n.port)) {
      this.count('drop.neighborNotLinked');
      return false;
    }
    this.traffic.framesOut++;
    if (control) this.traffic.controlBytesOut += frame.length;
    this.env.send(n.port, n.linkAddress, frame);
    return true;
  }

  // ---------------------------------------------------------------- path setup (protocol-notes §6.3)

  /** setup_req{src, dst, proxy, V}: forward toward the node closest to dst other than src, or answer it. */
  private handleSetupReq(opt: SetupReqOption): void {
    if (!this.active) {
      // An inactive node knows no ring: the request was sent to it as a proxy by mistake.
      this.count('drop.setupReqWhileInactive');
      return;
    }
    if (this.seenBefore(ROUTED_REQ, opt.src, opt.token)) {
      // Greedy routing over tables that are still changing can loop: the requester retries later.
      this.count('drop.setupReqLoop');
      return;
    }
    const hop = this.nextHop(opt.dst, opt.src);
    if (hop.kind === 'forward') {
      this.sendControl(hop.via, opt);
      return;
    }
    if (hop.kind === 'none' || opt.src === this.address) {
      this.count('drop.setupReqNoCandidate');
      return;
    }
    const ovset = this.vset.members();
    if (!this.vset.has(opt.src) && this.vset.shouldAdd(opt.src)) {
      this.acceptVirtualNeighbor(opt.src);
      this.learnCandidates(opt.vset, 'vset of a requester', opt.src);
      this.handleSetup(
        {
          type: OptionType.SETUP,
          pathId: this.newPathId(),
          src: this.address,
          dst: opt.src,
          proxy: opt.proxy,
          vset: ovset,
        },
        this.address,
      );
    } else {
      this.learnCandidates(opt.vset, 'vset of a requester', opt.src);
      if (opt.src !== opt.dst && this.redirectAsLookup(opt)) return;
      if (this.selfCheckConfirmed(opt)) {
        this.count('selfCheck.confirmed');
        return;
      }
      this.handleSetupFail(
        {
          type: OptionType.SETUP_FAIL,
          token: opt.token,
          src: this.address,
          dst: opt.src,
          proxy: opt.proxy,
          vset: ovset,
        },
        this.address,
      );
    }
  }

  /**
   * A request for me that I refuse: I know nodes nearer the requester than I am (my members on its side). A
   * refusal would name only those (r/2 a side), and the requester would ask them in turn: a walk along the ring
   * one refusal at a time, each a routed round trip, from wherever it first heard of me down to its real
   * neighbours (dozens of steps on a ring of a thousand nodes). Instead the request goes on as a lookup of the
   * requester's own address (dst = src, a fresh token so relays do not take it for a loop): greedy routing takes
   * it in one pass to the node closest to the requester, which accepts it or refuses with the vset that names
   * its real neighbours. False when no known node is nearer the requester than I am.
   */
  private redirectAsLookup(opt: SetupReqOption): boolean {
    const hop = this.nextHop(opt.src, opt.src);
    if (hop.kind !== 'forward') return false;
    this.count('setupReq.redirected');
    const token = this.env.rng.u32() || 1;
    this.seenBefore(ROUTED_REQ, opt.src, token);
    this.sendControl(hop.via, { ...opt, token, dst: opt.src });
    return true;
  }

  /**
   * Whether a self-check that ended here needs no answer: its sender is already my virtual neighbour, and no node
   * my refusal would name (me and my vset) would be worth asking for it. The requester learns from a refusal by
   * asking the named nodes that are nearEnough among every ring node it knows of; the vset its request carries is
   * a subset of those, and a candidate that is not near enough among a subset is not near enough among more. So
   * the answer would start nothing, and in a consistent ring that is every self-check: silence saves a routed
   * setup_fail per check (most of all setup_fail traffic while a large ring forms). Assumes the requester's r is
   * mine (a requester with a larger r may miss a hint until its vset changes and it checks again).
   */
  private selfCheckConfirmed(opt: SetupReqOption): boolean {
    if (opt.src !== opt.dst || !this.vset.has(opt.src)) return false;
    const theirs = new Set(opt.vset);
    const named = [this.address, ...this.vset.members()].filter((c) => c !== opt.src && !theirs.has(c));
    const known = [...opt.vset, ...named];
    return named.every((c) => !nearEnough(opt.src, c, known, this.config.vsetSize));
  }

  /**
   * Where a setup or setup_fail goes next: straight to dst if it is a neighbour, along a route to dst itself if
   * this node has one, else toward the proxy. (A joining node has no paths yet: only its proxy reaches it. A setup
   * around a refusal, setupAround, goes to a proxy that is not dst's neighbour but has a path to it.)
   */
  private setupNextHop(dst: Address, proxy: Address): Address | null {
    if (dst === this.address) return null;
    if (this.pset.isLinked(dst)) return dst;
    const exact = this.exactHop(dst);
    if (exact !== null) return exact;
    if (proxy === this.address) return null;
    if (this.pset.isLinked(proxy)) return proxy;
    return this.forwardVia(this.nextHop(proxy));
  }

  /** setup{src, dst, pathId, proxy, V} from sender (this node when originated here): install and pass on. */
  private handleSetup(opt: SetupOption, sender: Address): void {
    const fromMe = sender === this.address;
    // (The size test first: a key string per setup hop is not free, and the set is nearly always empty.)
    if (!fromMe && this.tornDownEarly.size > 0 && this.tornDownEarly.delete(routeKey(opt.src, opt.pathId))) {
      this.count('setup.afterItsTeardown');
      this.tearDownPath(opt.pathId, opt.src, sender);
      return;
    }
    const nh = this.setupNextHop(opt.dst, opt.proxy);
    const route: Route = { ea: opt.src, eb: opt.dst, pathId: opt.pathId, na: fromMe ? null : sender, nb: nh };
    const added = opt.src !== opt.dst && this.table.add(route);
    if (!added || (!fromMe && !this.pset.isLinked(sender))) {
      // A duplicate (ea, pathId) means a loop: both copies die (TearDownPath removes the existing one).
      this.count('setup.rejected');
      this.tearDownPath(opt.pathId, opt.src, fromMe ? null : sender);
      return;
    }
    if (nh !== null) {
      this.sendControl(nh, opt);
      return;
    }
    if (opt.dst !== this.address) {
      this.count('setup.deadEnd');
      this.tearDownPath(opt.pathId, opt.src, null);
      return;
    }
    // I am endpoint B: take src as a virtual neighbour, or refuse with my vset attached.
    const pending = this.pendingSetups.get(opt.src);
    if (this.vset.has(opt.src) || this.vset.shouldAdd(opt.src)) {
      if (!this.vset.has(opt.src)) this.acceptVirtualNeighbor(opt.src);
      this.env.emit({ type: 'path-up', ea: opt.src, eb: opt.dst, pathId: opt.pathId });
      if (pending) this.resolveSetup(opt.src);
      if (!this.active) this.becomeActive(`setup from ${formatAddress(opt.src)}`);
      this.learnCandidates(opt.vset, 'vset of a new virtual neighbour', opt.src);
      this.dropParallelPaths(opt.src);
    } else {
      this.count('setup.refusedAtDestination');
      this.tearDownPath(opt.pathId, opt.src, null);
      if (!this.active) this.becomeActive(`setup from ${formatAddress(opt.src)}`);
      this.learnCandidates(opt.vset, 'vset of a refused setup', opt.src);
    }
  }

  /** setup_fail{src, dst, proxy, V}: routed like setup; at dst, learn better candidates from V. */
  private handleSetupFail(opt: SetupFailOption, sender: Address): void {
    if (this.seenBefore(ROUTED_FAIL, opt.src, opt.token)) {
      this.count('drop.setupFailLoop');
      return;
    }
    const nh = this.setupNextHop(opt.dst, opt.proxy);
    if (nh !== null) {
      if (nh !== sender || sender === this.address) this.sendControl(nh, opt);
      return;
    }
    if (opt.dst !== this.address) {
      this.count('setupFail.deadEnd');
      return;
    }
    for (const [target, p] of this.pendingSetups) {
      if (p.token === opt.token) {
        this.resolveSetup(target);
        if (opt.src !== target && this.setupAround(target, p.informant)) continue;
        this.hold(target);
      }
    }
    this.hold(opt.src, true);
    this.learnCandidates([...opt.vset, opt.src], 'setup_fail', opt.src);
  }

  /** teardown{<pathId, ea>, V} from sender. */
  private handleTeardown(opt: TeardownOption, sender: Address): void {
    const r = this.table.get(opt.ea, opt.pathId);
    if (!r || (r.na !== sender && r.nb !== sender)) {
      this.count('teardown.unknownPath');
      if (!r) remember(this.tornDownEarly, routeKey(opt.ea, opt.pathId), TORN_DOWN_EARLY_KEPT);
      return;
    }
    this.removeRoute(r, opt.vset ? 'deliberate teardown' : 'teardown after a failure');
    const next = sender === r.na ? r.nb : r.na;
    if (next !== null) {
      if (this.pset.isLinked(next)) this.sendControl(next, opt);
      return;
    }
    // I am an endpoint. The other endpoint is the one that is not me (the pseudocode's (sender = na) ? eb : ea
    // yields me at both ends: protocol-notes §7 correction).
    const other = r.ea === this.address ? r.eb : r.ea;
    this.endpointLost(other, opt.vset);
  }

  /** The path to `other` is gone. Deliberate (V given): learn from V. Failure: ask `other` again. */
  private endpointLost(other: Address, vset: Address[] | null): void {
    if (vset) {
      this.hold(other, true);
      this.learnCandidates(vset, 'vset of a deliberate teardown', other);
    } else if (!this.vset.has(other)) {
      this.requestSetup(other, 'path torn down by a failure');
    }
  }

  /**
   * Two nodes that set up a path to each other at once end up with two: every relay then holds two entries for one
   * virtual link. The one forwarding uses, the smallest (pathId, ea), is kept; the others are torn down (without a
   * vset: nothing is refused) by the endpoint the kept one ended at, once it has arrived there complete. The other
   * endpoint cannot know whether the kept path has reached this one yet, so it leaves the pair alone.
   */
  private dropParallelPaths(other: Address): void {
    const paths = this.table.between(this.address, other);
    if (paths.length < 2) return;
    let keep = paths[0];
    for (const r of paths) if (pathPrecedes(r, keep)) keep = r;
    if (keep.eb !== this.address) return;
    for (const r of paths) {
      if (r === keep) continue;
      this.count('parallelPathsDropped');
      this.removeRoute(r, 'parallel to a path kept');
      const next = r.ea === this.address ? r.nb : r.na;
      if (next !== null && this.pset.isLinked(next)) {
        this.sendControl(next, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
      }
    }
  }

  /** TearDownPath(pathId, ea, sender): remove the entry and tell its neighbours (with my vset if I started it). */
  private tearDownPath(pathId: number, ea: Address, sender: Address | null): void {
    const r = this.table.get(ea, pathId);
    if (r) this.removeRoute(r, sender === null ? 'torn down here' : 'duplicate path id');
    const vset = sender === null ? this.vset.members() : null;
    const targets = new Set<Address>();
    for (const n of [r?.na ?? null, r?.nb ?? null, sender]) {
      if (n !== null && n !== this.address && this.pset.isLinked(n)) targets.add(n);
    }
    for (const n of targets) this.sendControl(n, { type: OptionType.TEARDOWN, pathId, ea, vset });
  }

  /** Removes a route; when it was the last path to a virtual neighbour, that neighbour leaves the vset. */
  private removeRoute(r: Route, why: string): void {
    if (!this.table.remove(r.ea, r.pathId)) return;
    this.env.emit({ type: 'path-down', ea: r.ea, eb: r.eb, pathId: r.pathId, why });
    const me = this.address;
    if (r.ea !== me && r.eb !== me) return;
    const other = r.ea === me ? r.eb : r.ea;
    if (this.vset.has(other) && this.table.between(me, other).length === 0) {
      this.vset.remove(other);
      this.env.emit({ type: 'vset-remove', member: other, why });
      this.notifyVsetChange([], [other]);
    }
  }

  /** Inserts a virtual neighbour and tears down the paths to those it pushes out (with my vset attached). */
  private acceptVirtualNeighbor(x: Address): void {
    const evicted = this.vset.add(x);
    this.env.emit({ type: 'vset-add', member: x });
    for (const e of evicted) {
      this.env.emit({ type: 'vset-remove', member: e, why: `evicted by ${formatAddress(x)}` });
      for (const r of this.table.between(this.address, e)) this.tearDownPath(r.pathId, r.ea, null);
    }
    this.notifyVsetChange([x], evicted);
  }

  /** Add(null, V): ask every address of V that belongs in my vset. */
  private learnCandidates(
    candidates: readonly Address[],
    why: string,
    informant: Address | null = null,
  ): void {
    if (!this.active) return;
    const usable = candidates.filter(
      (id) => id !== this.address && !isGroupAddress(id) && !this.holdOff.has(id) && !this.vset.has(id),
    );
    // Near enough among everything known implies near enough among the vset (ShouldAdd), which is cheap to ask.
    const fits = usable.filter((id) => this.vset.shouldAdd(id));
    if (fits.length === 0) return;
    // Ask only those that would be members if every candidate joined at once: a farther candidate of the same
    // list would be evicted by a nearer one anyway, and asking it costs a setup_req and usually a refusal.
    const known = this.knownRingNodes();
    for (const id of usable) known.add(id);
    for (const id of fits) {
      if (nearEnough(this.address, id, known, this.config.vsetSize))
        this.requestSetup(id, `learned from ${why}`, informant);
    }
  }

  /**
   * Whether target is worth asking to be a virtual neighbour: it would be among the r/2 nearest on one side of
   * me among every live ring node I know of, not merely among my current vset. While a ring grows, a vset is
   * short of members and ShouldAdd takes anyone; asking whoever comes along (a representative across the
   * network, a physical neighbour) then costs a path that a nearer node evicts moments later, and each
   * eviction is a teardown with a vset that starts more requests. Accepting stays ShouldAdd (handleSetupReq,
   * handleSetup): generous in what we accept, sparing in what we ask.
   */
  private worthAsking(target: Address): boolean {
    // The known set holds the vset, so this implies ShouldAdd, which is cheap: asked first, it spares building the
    // known set for most candidates (every linked neighbour and representative is weighed once a period).
    if (!this.vset.shouldAdd(target)) return false;
    return nearEnough(this.address, target, this.knownRingNodes(), this.config.vsetSize);
  }

  /**
   * Live ring nodes this node knows of: its vset, the targets it is asking, the endpoints of paths through it,
   * its active neighbours, usable representatives and the nodes that refused it lately. Paths are hard state,
   * torn down when they break, so each of these is a node of a ring right now. A refuser answered, so it is
   * alive, and it refused because it knows nodes nearer to us than itself: nothing beyond it can be one of our
   * nearest. (Leaving refusers out made every refusal point one node further along the ring: a walk of dozens of
   * refused requests at a 1,000-node ring.) Nodes on hold that never answered (attempts exhausted, answered by
   * another node) are left out: they may be gone, and must not stand in for a candidate that would take us.
   */
  private knownRingNodes(): Set<Address> {
    const known = new Set<Address>(this.pendingSetups.keys());
    for (const e of this.table.endpoints()) known.add(e);
    for (const n of this.pset.values()) if (n.state === 'linked' && n.active) known.add(n.address);
    for (const r of this.reps.usable(this.env.now())) known.add(r.address);
    for (const [a, h] of this.holdOff) {
      if (h.refused) known.add(a);
      else known.delete(a);
    }
    for (const m of this.vset.members()) known.add(m);
    known.delete(this.address);
    return known;
  }

  /** Starts (or continues) asking target to become a virtual neighbour, with retries and backoff. */
  private requestSetup(target: Address, why: string, informant: Address | null = null): void {
    if (this.pendingSetups.has(target)) return;
    if (target !== this.address && (this.vset.has(target) || this.holdOff.has(target))) return;
    this.pendingSetups.set(target, { attempt: 0, token: 0, timer: null, why, informant });
    this.count(`why.${why}`);
    this.attemptSetup(target);
  }

  private attemptSetup(target: Address): void {
    const p = this.pendingSetups.get(target);
    if (!p) return;
    const done = target === this.address ? this.active : this.vset.has(target) || !this.worthAsking(target);
    if (done) {
      this.resolveSetup(target);
      return;
    }
    if (p.attempt >= this.config.setupAttempts) {
      this.count('setupReq.gaveUp');
      this.resolveSetup(target);
      if (target !== this.address) this.hold(target);
      return;
    }
    if (p.attempt >= 1 && target !== this.address && this.setupAround(target, p.informant)) {
      // The request went unanswered (greedy routing lost it, or it looped): a route I or its informant hold is surer.
      this.resolveSetup(target);
      return;
    }
    p.attempt++;
    const proxies = this.pset.linkedActive();
    if (proxies.length > 0) {
      const proxy = this.env.rng.pick(proxies).address;
      p.token = this.env.rng.u32() || 1;
      this.count('setupReq.sent');
      this.env.emit({ type: 'setup-req', target, attempt: p.attempt, why: p.why });
      const opt: SetupReqOption = {
        type: OptionType.SETUP_REQ,
        token: p.token,
        src: this.address,
        dst: target,
        proxy,
        vset: this.vset.members(),
      };
      this.sendControl(proxy, opt);
    }
    const delay = this.config.setupRetryMs * 2 ** (p.attempt - 1) * (0.75 + 0.5 * this.env.rng.next());
    p.timer = this.timer(delay, () => {
      p.timer = null;
      this.attemptSetup(target);
    });
  }

  private resolveSetup(target: Address): void {
    const p = this.pendingSetups.get(target);
    if (!p) return;
    p.timer?.cancel();
    this.pendingSetups.delete(target);
  }

  /** Records a routed request; true if it was already seen here (it looped back). */
  private seenBefore(kind: number, src: Address, token: number): boolean {
    const key = (token & 0x1fffffff) * 2 + kind;
    const seen = this.recentlyRouted.get(key);
    if (seen === src) return true;
    if (seen === undefined) {
      // The oldest key gives way. A ring of keys, not the Map's own order: taking a Map's first key walks past
      // every entry deleted before it, and this runs once per routed hop.
      const ring = this.recentlyRoutedOrder;
      if (this.recentlyRoutedCount === RECENTLY_ROUTED_KEPT)
        this.recentlyRouted.delete(ring[this.recentlyRoutedNext]);
      else this.recentlyRoutedCount++;
      ring[this.recentlyRoutedNext] = key;
      this.recentlyRoutedNext = (this.recentlyRoutedNext + 1) % RECENTLY_ROUTED_KEPT;
    }
    // Another source with the same token (one chance in 2^32) takes the slot: at worst a loop goes unnoticed once.
    this.recentlyRouted.set(key, src);
    return false;
  }

  private hold(target: Address, refused = false): void {
    const until = this.env.now() + this.config.refusalHoldHellos * this.config.helloMs;
    this.holdOff.set(target, { until, refused });
  }

  private becomeActive(why: string): void {
    if (this.active) return;
    this.active = true;
    this.reps.invalidateAll(); // records learned while inactive may lead through inactive nodes: relearn them
    this.resolveSetup(this.address);
    this.env.emit({ type: 'active', why });
    this.scheduleTriggeredHello();
    this.scheduleSelfCheck();
  }

  private newPathId(): number {
    for (;;) {
      const id = this.env.rng.u32();
      if (id !== 0 && !this.table.has(this.address, id)) return id;
    }
  }

  // ---------------------------------------------------------------- data packets

  private onData(packet: DataPacket, port: PortId, from: LinkAddress): void {
    if (packet.dataFlags & DataFlag.GROUP) {
      const ext = this.extensions.find((e) => e.onGroupData);
      if (ext) ext.onGroupData!(packet, this.senderOf(port, from));
      else this.count('drop.groupDataWithoutMulticast');
      return;
    }
    if (packet.dst === this.address) {
      this.deliver(packet);
      return;
    }
    const hop = this.dataHop(packet.dst);
    if (hop.kind !== 'forward') {
      if (packet.dataFlags & DataFlag.KEY) {
        this.deliver(packet);
      } else {
        this.count('drop.noRoute');
      }
      return;
    }
    if (packet.hopLimit <= 1) {
      this.count('drop.hopLimit');
      return;
    }
    this.count('dataForwarded');
    this.sendFrame(hop.via, encodePacket({ ...packet, hopLimit: packet.hopLimit - 1 }), false);
  }

  /**
   * NextHop for a data packet or an extension's traffic (DHT, multicast): representatives are not candidates. Their
   * records are soft state with no withdrawal: one lives at every node for repValidMs after the node first heard it,
   * so when a representative stops advertising, its records die out first near it and last far away, a band of stale
   * records that moves away from it for seconds. A packet sent along such a record to a neighbour that no longer
   * holds it can come back and circle until the hop limit: on a 16x16 grid (seed 6) the paths of 717 pairs looped
   * through representative records when the ring became consistent, and ping-all lost pairs. Routes and neighbours
   * alone are loop-free once the paths are consistent, and they already reach every node of the ring, so data loses
   * nothing but a shortcut toward the one live representative. Control traffic keeps using the records: merges need
   * them (without them a 400-node merge took twice as long).
   */
  private dataHop(dst: Address, exclude: Address | null = null): NextHop {
    return nextHop(this.forwardingTables(), dst, exclude, false);
  }

  private deliver(packet: DataPacket): void {
    this.count('dataDelivered');
    this.env.deliver(packet);
  }

  // ---------------------------------------------------------------- helpers

  /** The neighbour address behind a link-layer address (data packets do not name their previous hop). */
  private senderOf(port: PortId, from: LinkAddress): Address {
    for (const n of this.pset.values()) if (n.port === port && n.linkAddress === from) return n.address;
    return -1;
  }

  private forwardVia(hop: NextHop): Address | null {
    return hop.kind === 'forward' ? hop.via : null;
  }

  /** Arms a timer that stop() cancels; the returned handle forgets itself when it fires or is cancelled. */
  private timer(ms: number, fire: () => void): TimerHandle {
    const inner = this.env.setTimer(Math.max(0, ms), () => {
      this.timers.delete(handle);
      if (this.running) fire();
    });
    const handle: TimerHandle = {
      cancel: () => {
        this.timers.delete(handle);
        inner.cancel();
      },
    };
    this.timers.add(handle);
    return handle;
  }

  private count(name: string, by = 1): void {
    this.stats[name] = (this.stats[name] ?? 0) + by;
  }
}
