// VrrNode: one VRR node as a state machine. Frames, timers and local sends go in; frames, local deliveries and
// typed events come out, all through the injected VrrEnv. This file is the driver interface and the dispatch:
// frames are decoded with the node's own codecs and handed to the module that owns the table they change
// (node-context.ts lists them: neighbours and hellos, paths, setup requests, representatives, data), hop-by-hop
// reliability is applied to control packets, and protocol extensions (DHT, multicast) attach here, bringing their
// option codecs and receiving their options.
//
// Invariants (checked by checkInvariants, test/unit/vrr/node.test.ts, and on whole networks by the ring checker):
//  - those of every table module (links.ts, paths.ts, setup.ts, self-check.ts; repair.ts and reliable.ts);
//  - an inactive node has an empty vset and relays nothing but its own join;
//  - nothing thrown escapes receive(): a frame that cannot be decoded is counted and dropped;
//  - ACKs, and packets to acknowledge, are taken only from linked neighbours; what a frame can make the node hold
//    is bounded by the caps of limits.ts (each table states its own), every eviction or refusal counted (cap.*);
//  - an option Type is dispatched to at most one extension, and the node decodes exactly the core's options and
//    those of its attached extensions (its registry is its own: nothing global is changed by attaching).

import type { Address } from './address.ts';
import { LinkAuth, sealingEnv } from './auth/link-auth.ts';
import { resolveConfig, type VrrConfig } from './config.ts';
import type { SendDataOptions } from './data-forwarding.ts';
import type { LinkAddress, PortId, VrrEnv } from './env.ts';
import type { NodeExtension, NodeServices } from './extension.ts';
import type { NextHop } from './forwarding.ts';
import type { NeighborView } from './links.ts';
import { NodeContext } from './node-context.ts';
import type { RouteView } from './paths.ts';
import { decodePacket } from './wire/packet.ts';
import { createOptionRegistry } from './wire/option-registry.ts';
import { OptionType, type ControlPacket, type KnownOption } from './wire/types.ts';

export type { NeighborView } from './links.ts';
export type { RouteView } from './paths.ts';
export type { SendDataOptions } from './data-forwarding.ts';

/** How a node protects its links: with a network key, every frame is sealed and checked (src/vrr/auth/). */
export interface NodeSecurity {
  /** The mesh's shared key (at least 16 bytes); without one, frames are neither sealed nor checked. */
  networkKey?: Uint8Array;
}

/** One VRR node. */
export class VrrNode {
  readonly address: Address;
  readonly config: Readonly<VrrConfig>;
  /** What extensions (DHT, multicast) may use of this node. */
  readonly services: NodeServices;

  private readonly ctx: NodeContext;
  private readonly extensionByType = new Map<number, NodeExtension>();

  constructor(config: Partial<VrrConfig> & { address: Address }, env: VrrEnv, security: NodeSecurity = {}) {
    this.config = resolveConfig(config);
    this.address = this.config.address;
    // The key stays out of VrrConfig, which reports print.
    const auth =
      security.networkKey === undefined
        ? null
        : new LinkAuth(security.networkKey, { address: this.address, env, count: (n) => this.ctx.count(n) });
    const linkEnv = auth === null ? env : sealingEnv(env, auth);
    this.ctx = new NodeContext(this.config, linkEnv, createOptionRegistry(), auth);
    this.services = this.makeServices();
  }

  // ---------------------------------------------------------------- extensions

  /**
   * Attaches a protocol extension: its option codecs join this node's registry (what it encodes and decodes) and
   * its option Types are dispatched to it from then on. Throws, changing nothing, when a Type is taken already.
   */
  attach<E extends NodeExtension>(extension: E): E {
    const registry = this.ctx.registry;
    for (const t of extension.optionTypes) {
      if (this.extensionByType.has(t)) throw new RangeError(`option Type ${t} already has an extension`);
    }
    for (const codec of extension.optionCodecs) {
      if (!extension.optionTypes.includes(codec.type))
        throw new RangeError(
          `codec ${codec.name}: Type ${codec.type} is not among the extension's option Types`,
        );
      const held = registry.lookup(codec.type);
      if (held !== undefined && held !== codec)
        throw new RangeError(`option Type ${codec.type} is decoded by ${held.name} already`);
    }
    for (const codec of extension.optionCodecs) registry.register(codec);
    for (const t of extension.optionTypes) this.extensionByType.set(t, extension);
    this.ctx.extensions.push(extension);
    return extension;
  }

  // Whether options an extension sends may be shed under load: only if each one's extension retries end to end.
  private sheddable(options: readonly KnownOption[]): boolean {
    return options.every((o) => this.extensionByType.get(o.type)?.retriesEndToEnd === true);
  }

  private makeServices(): NodeServices {
    const ctx = this.ctx;
    return {
      address: this.address,
      config: this.config,
      rng: ctx.env.rng,
      now: () => ctx.env.now(),
      setTimer: (ms, fire) => ctx.timer(ms, fire),
      emit: (event) => ctx.env.emit(event),
      count: (name, by) => ctx.count(name, by),
      isActive: () => ctx.active,
      vsetMembers: () => ctx.paths.vset.members(),
      linkedNeighbors: () =>
        ctx.links.pset
          .all()
          .filter((n) => n.state === 'linked')
          .map((n) => n.address),
      // Extensions carry application traffic (DHT operations, multicast trees): routed like data, not along
      // representative records (see DataForwarding.hop).
      nextHop: (dst, exclude = null) => ctx.data.hop(dst, exclude),
      sendToNeighbor: (neighbor, ...options) =>
        ctx.sendExtension(neighbor, this.sheddable(options), ...options),
      routeToward: (dst, option, exclude = null) => {
        const hop = ctx.data.hop(dst, exclude);
        if (hop.kind !== 'forward') return hop.kind;
        return ctx.sendExtension(hop.via, this.sheddable([option]), option) ? 'forwarded' : 'none';
      },
      sendDataVia: (neighbor, packet) => ctx.links.sendFrame(neighbor, ctx.encode(packet), false),
      deliverLocally: (packet) => ctx.data.deliver(packet),
    };
  }

  // ---------------------------------------------------------------- driver interface

  /** Adds an interface; hellos are broadcast on every port. */
  addPort(port: PortId, opts: { mtu?: number } = {}): void {
    this.ctx.links.addPort(port, opts.mtu);
  }

  /** Removes an interface (it went down): neighbours last heard on it fail at once. */
  removePort(port: PortId): void {
    this.ctx.links.removePort(port);
  }

  /** Starts the node: the first hello goes out after a random fraction of a period. */
  start(): void {
    if (this.ctx.running) return;
    this.ctx.start();
    this.ctx.links.start();
  }

  /** Stops every timer; the node then ignores input. A crash is stop() and dropping the object. */
  stop(): void {
    const ctx = this.ctx;
    ctx.running = false;
    ctx.reliable.stop();
    ctx.stopTimers();
    ctx.links.stop();
    ctx.selfCheck.stop();
    ctx.pathCheck.stop();
    for (const e of ctx.extensions) e.onStop?.();
  }

  /** A frame arrived on a port from the given link-layer address. Never throws. */
  receive(port: PortId, from: LinkAddress, frame: Uint8Array): void {
    const ctx = this.ctx;
    if (!ctx.running) return;
    try {
      ctx.traffic.framesIn++;
      const result = decodePacket(frame, ctx.registry);
      if (!result.ok) {
        ctx.count(`malformed.${result.reason}`);
        return;
      }
      if (result.unknownOptions.length > 0) ctx.count('unknownOptions', result.unknownOptions.length);
      if (result.truncated) ctx.count(`malformed.${result.truncated}`);
      const packet = result.packet;
      if (ctx.auth !== null && !ctx.auth.admit(port, from, frame, packet)) return;
      if (packet.kind === 'data') ctx.data.receive(packet, port, from);
      else this.onControl(port, from, packet);
    } catch (err) {
      // A bug must not take the daemon down: count it and name it in the event stream.
      ctx.count('internalErrors');
      ctx.env.emit({ type: 'drop', reason: 'internal-error', detail: String((err as Error)?.stack ?? err) });
    }
  }

  /** Originates a data packet. Returns false when there is no route (the packet would stay here). */
  sendData(dst: Address, payload: Uint8Array, opts: SendDataOptions = {}): boolean {
    return this.ctx.data.send(dst, payload, opts);
  }

  // ---------------------------------------------------------------- read-only views

  /** Whether the node has joined a ring. */
  isActive(): boolean {
    return this.ctx.active;
  }

  /** Current virtual neighbours. */
  vsetMembers(): Address[] {
    return this.ctx.paths.vset.members();
  }

  /** Current physical neighbours. */
  neighbors(): NeighborView[] {
    return this.ctx.links.views();
  }

  /** Current route entries. */
  routes(): RouteView[] {
    return this.ctx.paths.views();
  }

  /** Counters: frames, bytes, drops by reason, retransmissions, ... */
  counters(): Readonly<Record<string, number>> {
    const ctx = this.ctx;
    const traffic: Record<string, number> = {};
    for (const [k, v] of Object.entries(ctx.traffic)) if (v > 0) traffic[k] = v;
    return {
      ...traffic,
      ...ctx.stats,
      routes: ctx.paths.routes.size,
      vset: ctx.paths.vset.size,
      inFlight: ctx.reliable.inFlight,
    };
  }

  /**
   * Entries of every bounded table now (limits.ts has the caps): neighbours (and the most on one port), routes,
   * representatives, setup requests and holds, and those of attached extensions. For tests, the fuzz and reports.
   */
  tableSizes(): Record<string, number> {
    const ctx = this.ctx;
    const perPort = new Map<PortId, number>();
    for (const n of ctx.links.pset.values()) perPort.set(n.port, (perPort.get(n.port) ?? 0) + 1);
    const sizes: Record<string, number> = {
      neighbors: ctx.links.pset.all().length,
      neighborsOnOnePort: Math.max(0, ...perPort.values()),
      routes: ctx.paths.routes.size,
      pathChecks: ctx.pathCheck.scheduled(),
      representatives: ctx.repair.table.size,
      ...ctx.setups.sizes(),
    };
    for (const e of ctx.extensions) Object.assign(sizes, e.tableSizes?.());
    return sizes;
  }

  /** Representatives currently known (address, and the neighbour toward it). */
  representatives(): { address: Address; via: Address; seq: number }[] {
    return this.ctx.repair.table
      .usable(this.ctx.env.now())
      .map((r) => ({ address: r.address, via: r.heardFrom, seq: r.seq }));
  }

  /** Where a VRR control message for dst would go from here (data packets leave representatives out). */
  nextHop(dst: Address, exclude: Address | null = null): NextHop {
    return this.ctx.nextHop(dst, exclude);
  }

  /** Every broken invariant of the node's tables, as messages (empty when all hold): for tests and checks. */
  checkInvariants(): string[] {
    const ctx = this.ctx;
    return [
      ...ctx.links.checkInvariants(),
      ...ctx.paths.checkInvariants(),
      ...ctx.setups.checkInvariants(),
      ...ctx.selfCheck.checkInvariants(),
      ...ctx.pathCheck.checkInvariants(),
    ];
  }

  // ---------------------------------------------------------------- control packets

  private onControl(port: PortId, from: LinkAddress, packet: ControlPacket): void {
    const ctx = this.ctx;
    const sender = packet.sender;
    let firstTime = true;
    if (packet.seq !== 0) {
      // Acknowledge only what a linked neighbour sent: an unlinked sender must not think we took it.
      if (!ctx.links.pset.isLinked(sender)) {
        ctx.count('drop.unlinkedSender');
        return;
      }
      const ack = ctx.encode({
        kind: 'control',
        flags: 0,
        sender: this.address,
        seq: 0,
        options: [{ type: OptionType.ACK, seq: packet.seq }],
      });
      ctx.links.sendFrame(sender, ack, false);
      firstTime = ctx.reliable.firstTime(sender, packet.seq);
      if (!firstTime) ctx.count('duplicatesSuppressed');
    }
    for (const opt of packet.options) {
      switch (opt.type) {
        case OptionType.HELLO:
          ctx.links.onHello(port, from, sender, opt);
          break;
        case OptionType.ACK:
          // Only a linked neighbour has packets of ours to acknowledge (a forged ACK must not stop a retransmission).
          if (ctx.links.pset.isLinked(sender)) ctx.reliable.acked(sender, opt.seq);
          else ctx.count('drop.ackFromUnlinked');
          break;
        default:
          if (!firstTime) break;
          if (!ctx.links.pset.isLinked(sender)) {
            ctx.count('drop.unlinkedSender');
            break;
          }
          this.onRoutedOption(opt, sender);
      }
    }
  }

  /** A hop-by-hop option from a linked neighbour, to the module that handles it. */
  private onRoutedOption(opt: KnownOption, sender: Address): void {
    const ctx = this.ctx;
    switch (opt.type) {
      case OptionType.SETUP_REQ:
        return ctx.setups.handleSetupReq(opt);
      case OptionType.SETUP:
        return ctx.paths.handleSetup(opt, sender);
      case OptionType.SETUP_FAIL:
        return ctx.setups.handleSetupFail(opt, sender);
      case OptionType.TEARDOWN:
        return ctx.paths.handleTeardown(opt, sender);
      case OptionType.PATH_PROBE:
        return ctx.pathCheck.handleProbe(opt, sender);
      default: {
        const ext = this.extensionByType.get(opt.type as number);
        if (ext) ext.onOption(opt, sender);
        else ctx.count('drop.unexpectedOption');
      }
    }
  }
}
