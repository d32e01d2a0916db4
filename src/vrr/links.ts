// Neighbours and hellos: the pset and the ports, and their reactions. Hellos go out on every port when the pacer
// (hello-pacer.ts) says: every period, faster while the neighbour set changes, soon after a change a neighbour
// must hear of, never two within the gap; a hello heard updates the link state machine (pset.ts), the
// representatives it carries (repair.ts) and may start this node's join; a link change is reported and handed to
// whatever depended on the link; frames to a neighbour go out on the port it was last heard on.
//
// Invariants (checked by test/unit/vrr/links.test.ts, and those of pset.ts):
//  - a frame goes out only to a linked neighbour whose port exists (else it is counted as drop.neighborNotLinked);
//  - those of the hello pacer (hello-pacer.ts);
//  - a neighbour is first heard only when its port has room (pset.ts, MAX_NEIGHBORS_PER_PORT);
//  - every link change is emitted once as a 'link' event; when a linked neighbour is lost, whatever went through
//    it (in-flight packets, representative records, paths) is dropped before extensions hear of it;
//  - owned by node-context.ts alone.

import type { Address } from './address.ts';
import type { LinkAddress, PortId } from './env.ts';
import type { LinkState } from './events.ts';
import { HelloPacer } from './hello-pacer.ts';
import type { NodeContext } from './node-context.ts';
import { MAX_NEIGHBORS_PER_PORT } from './limits.ts';
import { Pset, type LinkChange } from './pset.ts';
import { helloNeighborCapacity } from './wire/hello-parts.ts';
import { MAX_HELLO_PARTS } from './wire/options/hello.ts';
import { OptionType, type HelloOption } from './wire/types.ts';

/** A read-only view of a physical neighbour. */
export interface NeighborView {
  address: Address;
  port: PortId;
  linkAddress: LinkAddress;
  state: LinkState;
  active: boolean;
  quality: number;
}

interface PortInfo {
  mtu: number;
}

const DEFAULT_MTU = 1500;

/** The physical side of a node: its ports, its neighbours and the hellos between them. */
export class Links {
  readonly pset: Pset;
  private readonly ports = new Map<PortId, PortInfo>();
  private helloSeq: number;
  private readonly pacer: HelloPacer;

  constructor(private readonly ctx: NodeContext) {
    const c = ctx.config;
    this.pset = new Pset({
      me: ctx.address,
      qualityWindow: c.qualityWindow,
      qualityUp: c.qualityUp,
      qualityDown: c.qualityDown,
    });
    this.helloSeq = ctx.env.rng.int(0x10000);
    this.pacer = new HelloPacer(ctx, () => this.sendHello());
  }

  /** Adds an interface; hellos are broadcast on every port. */
  addPort(port: PortId, mtu = DEFAULT_MTU): void {
    this.ports.set(port, { mtu });
    if (this.ctx.running) this.scheduleTriggeredHello();
  }

  /** Removes an interface (it went down): neighbours last heard on it fail at once. */
  removePort(port: PortId): void {
    this.ports.delete(port);
    this.ctx.auth?.forgetPort(port);
    for (const n of this.pset.all()) {
      if (n.port === port) {
        this.applyLinkChange(this.pset.fail(n.address, `port ${port} down`));
        this.applyLinkChange(this.pset.forget(n.address, `port ${port} down`));
      }
    }
  }

  /** The first hello goes out after a random fraction of a fast period (HelloPacer.start). */
  start(): void {
    this.pacer.start();
  }

  /** Forgets the hello timers (the node cancelled every timer). */
  stop(): void {
    this.pacer.stop();
  }

  /** Fails a neighbour for a reason outside hellos (unacknowledged packets). */
  fail(neighbor: Address, why: string): void {
    this.applyLinkChange(this.pset.fail(neighbor, why));
  }

  /** Views of the neighbours, in the order first heard. */
  views(): NeighborView[] {
    return this.pset.all().map((n) => ({
      address: n.address,
      port: n.port,
      linkAddress: n.linkAddress,
      state: n.state,
      active: n.active,
      quality: this.pset.quality(n),
    }));
  }

  /**
   * Hello-period housekeeping: a linked neighbour silent for the hold time fails, another is forgotten. `sleptMs`
   * is how long this node itself did not run (its period's timer fired that late): that time is not counted as
   * anybody's silence, since what neighbours sent meanwhile may still wait unread (a daemon's loop runs due timers
   * before it polls its sockets) and a neighbour on the same starved host sent nothing. Silence is thus counted in
   * this node's own running time: a neighbour that really went silent still fails after the hold time of it.
   */
  checkSilence(now: number, sleptMs: number): void {
    const c = this.ctx.config;
    for (const n of this.pset.all()) {
      if (sleptMs > 0) n.lastHeard = Math.min(now, n.lastHeard + sleptMs);
      const silent = now - n.lastHeard;
      if (n.state === 'linked' && silent > c.failAfterHellos * c.helloMs) {
        this.applyLinkChange(this.pset.fail(n.address, `unheard for ${Math.round(silent)} ms`));
      } else if (n.state !== 'linked' && silent > c.forgetAfterHellos * c.helloMs) {
        this.applyLinkChange(this.pset.forget(n.address, `unheard for ${Math.round(silent)} ms`));
      }
    }
  }

  /** Whether a neighbour's hello is overdue (unheard for over 1.5 periods: its longest period, and some). */
  overdue(neighbor: Address): boolean {
    const n = this.pset.get(neighbor);
    return n !== undefined && this.ctx.env.now() - n.lastHeard > 1.5 * this.ctx.config.helloMs;
  }

  /** A hello soon (not at once: several changes in one instant share it). */
  scheduleTriggeredHello(): void {
    this.pacer.trigger();
  }

  private sendHello(): void {
    const ctx = this.ctx;
    this.helloSeq = (this.helloSeq + 1) & 0xffff;
    const reps = ctx.repair.advertise(ctx.env.now());
    const slots = this.pset.helloSlots();
    for (const [port, info] of this.ports) {
      const capacity = Math.max(1, helloNeighborCapacity(info.mtu, reps.length, { auth: ctx.auth !== null }));
      const parts = Math.max(1, Math.ceil(slots.length / capacity));
      if (parts > MAX_HELLO_PARTS) ctx.count('helloTruncated');
      const partCount = Math.min(parts, MAX_HELLO_PARTS);
      for (let part = 0; part < partCount; part++) {
        const hello: HelloOption = {
          type: OptionType.HELLO,
          active: ctx.active,
          helloSeq: this.helloSeq,
          part,
          parts: partCount,
          reps,
          neighbors: slots.slice(part * capacity, (part + 1) * capacity),
        };
        const frame = ctx.encode({
          kind: 'control',
          flags: 0,
          sender: ctx.address,
          seq: 0,
          options: [hello],
        });
        ctx.traffic.helloOut++;
        ctx.traffic.controlBytesOut += frame.length;
        ctx.traffic.framesOut++;
        ctx.env.send(port, null, frame);
      }
    }
  }

  /** A hello (part) from `sender`, heard on `port` from link address `from`. */
  onHello(port: PortId, from: LinkAddress, sender: Address, hello: HelloOption): void {
    const ctx = this.ctx;
    if (sender === ctx.address) return; // our own broadcast looped back
    if (this.pset.get(sender)?.port !== port && !this.makeRoom(port)) return;
    const change = this.pset.onHello(port, from, sender, hello, ctx.env.now());
    this.applyLinkChange(change);
    const n = this.pset.get(sender);
    if (n?.state === 'linked' && hello.reps.length > 0) ctx.repair.onHelloReps(sender, hello);
    // Join as soon as a linked neighbour is active: the first usable link is enough (issue 19, fast bootstrap).
    if (n?.state === 'linked' && n.active && !ctx.active) ctx.setups.requestSetup(ctx.address, 'join');
  }

  /** Room on a port for a neighbour heard for the first time (pset.roomOnPort); false when it is ignored. */
  private makeRoom(port: PortId): boolean {
    const room = this.pset.roomOnPort(port);
    if (room === 'room') return true;
    if (room === 'full') {
      this.ctx.count('cap.pset.refused');
      return false;
    }
    this.ctx.count('cap.pset.evicted');
    this.applyLinkChange(this.pset.forget(room.address, `port ${port} full`));
    return true;
  }

  private applyLinkChange(change: LinkChange | null): void {
    if (!change) return;
    const ctx = this.ctx;
    const n = change.neighbor;
    ctx.env.emit({
      type: 'link',
      neighbor: n.address,
      port: n.port,
      from: change.from,
      to: change.to,
      why: change.why,
    });
    if (change.from === 'linked') {
      ctx.neighborLost(n.address);
      for (const e of ctx.extensions) e.onNeighborLost?.(n.address);
    }
    if (change.to === 'linked') for (const e of ctx.extensions) e.onNeighborLinked?.(n.address);
    this.pacer.changed();
    if (change.to === 'linked' || change.from === 'unknown' || change.to === 'failed') {
      this.scheduleTriggeredHello();
    }
  }

  /** Sends a frame to a linked neighbour on its port; false (and counted) when it is not linked. */
  sendFrame(to: Address, frame: Uint8Array, control: boolean): boolean {
    const n = this.pset.get(to);
    if (!n || n.state !== 'linked' || !this.ports.has(n.port)) {
      this.ctx.count('drop.neighborNotLinked');
      return false;
    }
    const traffic = this.ctx.traffic;
    traffic.framesOut++;
    if (control) traffic.controlBytesOut += frame.length;
    this.ctx.env.send(n.port, n.linkAddress, frame);
    return true;
  }

  /** The neighbour behind a link-layer address (data packets do not name their previous hop), or -1. */
  senderOf(port: PortId, from: LinkAddress): Address {
    for (const n of this.pset.values()) if (n.port === port && n.linkAddress === from) return n.address;
    return -1;
  }

  /** Every invariant violation of this module's state (empty when all hold). */
  checkInvariants(): string[] {
    const out: string[] = this.pacer.checkInvariants();
    const seen = new Set<Address>();
    const perPort = new Map<PortId, number>();
    for (const n of this.pset.all()) {
      perPort.set(n.port, (perPort.get(n.port) ?? 0) + 1);
      if (seen.has(n.address)) out.push(`neighbour ${n.address} listed twice`);
      seen.add(n.address);
      if (n.address === this.ctx.address) out.push('this node is its own neighbour');
    }
    for (const [port, count] of perPort)
      if (count > MAX_NEIGHBORS_PER_PORT)
        out.push(`${count} neighbours on port ${port}, cap ${MAX_NEIGHBORS_PER_PORT}`);
    return out;
  }
}
