// HostileNode: a simulated node that misbehaves. It wraps a real node (which links, joins and answers as any node
// does, or, in a keyed mesh it holds no key for, never gets past its neighbours' trailer check) and, once told to
// attack, sends a stream of forged frames (FrameForge) on top:
//
//   spoof-hellos  hellos claiming other nodes' addresses (learned from what it hears) and invented ones, half of
//                 them listing every neighbour it heard (a node listed so links the claimed sender at once)
//   setup-flood   SETUPs for invented paths (invented endpoint A) from itself through invented proxies, to every
//                 linked neighbour, which install them and pass them on (copies coming back it acknowledges and
//                 swallows, so the paths stay installed); a tenth from invented senders
//   dht-flood     DHT PUTs of fresh keys at any version (huge ones too), as itself or invented origins, and
//                 REPLICATEs of fresh keys straight to each neighbour
//
// What the neighbours keep of it is bounded by the caps of src/vrr/limits.ts: the scenario step `hostile` (and
// test/sim/hostile.test.ts) shows which caps a flood reaches, and that a keyed mesh does not notice it at all.
// Its own draws come from an rng of its own: the node it wraps draws exactly as it would unwrapped.

import type { HostileAttackName } from '../../topology/types.ts';
import type { Address } from '../../vrr/address.ts';
import type { LinkAddress, PortId, VrrEnv } from '../../vrr/env.ts';
import type { Rng } from '../../vrr/rng.ts';
import { decodePacket } from '../../vrr/wire/index.ts';
import { OptionType } from '../../vrr/wire/types.ts';
import type { NeighborView, SimNode } from '../sim-node.ts';
import type { RouteView } from '../../checks/node-snapshot.ts';
import { FrameForge } from './forge.ts';

/** The attacks a hostile node knows (as a topology's `hostile` step names them). */
export type HostileAttack = HostileAttackName;

/** How one attack runs. */
export interface AttackOptions {
  attack: HostileAttack;
  /** Forged frames per second, in bursts every 50 ms (default 1000). */
  ratePerSec?: number;
  /** How long it lasts (ms); absent: until the run ends. */
  durationMs?: number;
}

/** Path ids of forged setups remembered (their copies coming back are swallowed). */
const FORGED_PATHS_KEPT = 65_536;
const BURST_MS = 50;

/** A node that runs a real node and forges frames on top of it. */
export class HostileNode implements SimNode {
  readonly address: Address;
  /** Forged frames sent so far. */
  forged = 0;
  private readonly forge: FrameForge;
  private readonly ports = new Set<PortId>();
  /** Senders of hellos heard, with where (the nodes it lists as neighbours, and floods when none is linked). */
  private readonly heard = new Map<Address, { port: PortId; linkAddress: LinkAddress }>();
  private readonly forgedPaths = new Set<number>();
  private attacking: { options: AttackOptions; until: number } | null = null;

  constructor(
    private readonly inner: SimNode,
    private readonly env: VrrEnv,
    private readonly rng: Rng,
  ) {
    this.address = inner.address;
    this.forge = new FrameForge(rng);
  }

  get dht(): SimNode['dht'] {
    return this.inner.dht;
  }

  get multicast(): SimNode['multicast'] {
    return this.inner.multicast;
  }

  /** Starts (or replaces) an attack. */
  attack(options: AttackOptions): void {
    const first = this.attacking === null;
    this.attacking = { options, until: this.env.now() + (options.durationMs ?? Infinity) };
    if (first) this.env.setTimer(0, () => this.burst());
  }

  addPort(port: PortId, opts?: { mtu?: number }): void {
    this.ports.add(port);
    this.inner.addPort(port, opts);
  }

  removePort(port: PortId): void {
    this.ports.delete(port);
    this.inner.removePort(port);
  }

  start(): void {
    this.inner.start();
  }

  stop(): void {
    this.attacking = null;
    this.inner.stop();
  }

  receive(port: PortId, from: LinkAddress, frame: Uint8Array): void {
    const decoded = decodePacket(frame, this.forge.registry);
    if (decoded.ok && decoded.packet.kind === 'control') {
      const packet = decoded.packet;
      for (const o of packet.options) {
        if (o.type === OptionType.HELLO) {
          if (this.heard.size < 4096) this.heard.set(packet.sender, { port, linkAddress: from });
          this.forge.learn(packet.sender);
          for (const n of o.neighbors) this.forge.learn(n.address);
        }
      }
      const mine = packet.options.some((o) => o.type === OptionType.SETUP && this.forgedPaths.has(o.pathId));
      if (mine && packet.seq !== 0) {
        // A forged path's setup came back: acknowledge it (the sender keeps the path) and drop it.
        const ack = this.forge.control(this.address, 0, { type: OptionType.ACK, seq: packet.seq });
        this.env.send(port, from, ack);
        return;
      }
    }
    this.inner.receive(port, from, frame);
  }

  sendData(dst: Address, payload: Uint8Array, opts?: { nextHeader?: number; key?: boolean }): boolean {
    return this.inner.sendData(dst, payload, opts);
  }

  isActive(): boolean {
    return this.inner.isActive();
  }

  vsetMembers(): Address[] {
    return this.inner.vsetMembers();
  }

  neighbors(): NeighborView[] {
    return this.inner.neighbors();
  }

  routes(): RouteView[] {
    return this.inner.routes();
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.inner.counters(), 'hostile.forged': this.forged };
  }

  // One burst of the attack, then the next one BURST_MS later while it lasts.
  private burst(): void {
    const a = this.attacking;
    if (a === null || this.env.now() >= a.until) {
      this.attacking = null;
      return;
    }
    const n = Math.max(1, Math.round(((a.options.ratePerSec ?? 1000) * BURST_MS) / 1000));
    for (let i = 0; i < n; i++) this.forgeOne(a.options.attack);
    this.env.setTimer(BURST_MS, () => this.burst());
  }

  private forgeOne(attack: HostileAttack): void {
    const ports = [...this.ports];
    if (ports.length === 0) return;
    const forge = this.forge;
    if (attack === 'spoof-hellos') {
      const claimed =
        this.rng.next() < 0.5 && forge.known.length > 0 ? this.rng.pick(forge.known) : forge.invented();
      if (claimed === this.address) return;
      const listed = this.rng.next() < 0.5 ? [...this.heard.keys()] : [];
      this.send(this.rng.pick(ports), null, forge.hello(claimed, listed, this.rng.int(0x10000)));
      return;
    }
    // The floods go to linked neighbours, as reliable control packets (each one acknowledged by its receiver);
    // with none (a keyed mesh it lacks the key of), to whoever it hears.
    const linked = this.inner
      .neighbors()
      .filter((n) => n.state === 'linked')
      .map((n) => ({ address: n.address, port: n.port, linkAddress: n.linkAddress }));
    const targets =
      linked.length > 0 ? linked : [...this.heard].map(([address, where]) => ({ address, ...where }));
    if (targets.length === 0) return;
    const to = this.rng.pick(targets);
    const seq = 1 + this.rng.int(0xffff);
    if (attack === 'setup-flood') {
      const sender = this.rng.next() < 0.9 ? this.address : forge.invented();
      // Routed through an invented proxy: one through the attacker itself would come straight back to it, and a
      // node turns back a setup that would leave the way it came (setup.bounced) without keeping anything.
      const option = forge.setupOption(forge.invented());
      this.forgedPaths.add(option.pathId);
      if (this.forgedPaths.size > FORGED_PATHS_KEPT)
        this.forgedPaths.delete(this.forgedPaths.values().next().value!);
      this.send(to.port, to.linkAddress, forge.control(sender, seq, option));
      return;
    }
    const r = this.rng.next();
    const frame =
      r < 1 / 3
        ? forge.dhtPut(this.address, seq, this.address)
        : r < 2 / 3
          ? forge.dhtPut(this.address, seq, forge.invented())
          : forge.dhtReplicate(this.address, seq, to.address);
    this.send(to.port, to.linkAddress, frame);
  }

  private send(port: PortId, to: LinkAddress | null, frame: Uint8Array): void {
    this.forged++;
    this.env.send(port, to, frame);
  }
}
