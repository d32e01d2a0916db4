// A hand-driven network of Multicast extensions on fake NodeServices: static routes, and every one-hop message
// held in a queue until the test delivers it, in any order it likes (to construct races exactly).

import type { Address } from '../../../../src/vrr/address.ts';
import { DEFAULT_CONFIG, type VrrConfig } from '../../../../src/vrr/config.ts';
import type { NodeServices } from '../../../../src/vrr/extension.ts';
import { Multicast, type MulticastOptions } from '../../../../src/vrr/multicast/index.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import type { DataPacket, KnownOption } from '../../../../src/vrr/wire/types.ts';

/** A message in flight on one link. */
export interface InFlight {
  from: Address;
  to: Address;
  option?: KnownOption;
  packet?: DataPacket;
}

/** Multicast nodes with static next hops; messages wait in `queue` until delivered. */
export class FakeNet {
  readonly mc = new Map<Address, Multicast>();
  readonly queue: InFlight[] = [];
  readonly delivered: { node: Address; packet: DataPacket }[] = [];
  /** routes.get(node).get(dst) = the neighbour toward dst; absent = this node is the closest. */
  readonly routes = new Map<Address, Map<Address, Address>>();
  /** Per node, its virtual neighbours (NodeServices.vsetMembers; none unless set). */
  readonly vsets = new Map<Address, Address[]>();
  /** Per node, its counters (NodeServices.count). */
  readonly counts = new Map<Address, Map<string, number>>();
  private readonly links = new Set<string>();
  private now = 0;
  private timers: { at: number; fire: () => void; dead: boolean }[] = [];

  constructor(addresses: Address[], options: MulticastOptions = {}) {
    for (const a of addresses) {
      this.routes.set(a, new Map());
      this.counts.set(a, new Map());
      this.mc.set(a, new Multicast(this.services(a), { broadcast: false, checkMs: 1e9, ...options }));
    }
  }

  /** Crashes a node and starts it again with a fresh Multicast (its records, tables and timers are gone). */
  restart(node: Address, options: MulticastOptions = {}): Multicast {
    this.mc.get(node)!.onStop();
    this.lose((m) => m.to === node || m.from === node);
    const fresh = new Multicast(this.services(node), { broadcast: false, checkMs: 1e9, ...options });
    this.mc.set(node, fresh);
    return fresh;
  }

  /** Node's counter `name` (0 when never counted). */
  count(node: Address, name: string): number {
    return this.counts.get(node)!.get(name) ?? 0;
  }

  /** The current fake time (ms). */
  time(): number {
    return this.now;
  }

  /** Delivers queued messages and fires every timer due within the next `ms` (time moves on by ms). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      if (this.queue.length > 0) {
        this.deliver(0);
        continue;
      }
      this.timers = this.timers.filter((t) => !t.dead).sort((x, y) => x.at - y.at);
      if (this.timers.length === 0 || this.timers[0].at > end) break;
      const t = this.timers.shift()!;
      this.now = Math.max(this.now, t.at);
      t.fire();
    }
    this.now = end;
  }

  /** Removes (loses) the queued messages matching `lost`; returns how many. */
  lose(lost: (m: InFlight) => boolean): number {
    let n = 0;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (lost(this.queue[i])) {
        this.queue.splice(i, 1);
        n++;
      }
    }
    return n;
  }

  link(a: Address, b: Address): this {
    this.links.add(`${a}-${b}`).add(`${b}-${a}`);
    return this;
  }

  /** Cuts a link: both ends are told at once; messages on it are lost. */
  cut(a: Address, b: Address): void {
    this.links.delete(`${a}-${b}`);
    this.links.delete(`${b}-${a}`);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const m = this.queue[i];
      if ((m.from === a && m.to === b) || (m.from === b && m.to === a)) this.queue.splice(i, 1);
    }
    this.mc.get(a)!.onNeighborLost(b);
    this.mc.get(b)!.onNeighborLost(a);
  }

  /** Sets node's next hop toward dst. */
  route(node: Address, dst: Address, via: Address): this {
    this.routes.get(node)!.set(dst, via);
    return this;
  }

  /** While set, messages it matches are lost when their turn comes instead of delivered. */
  blackhole: ((m: InFlight) => boolean) | null = null;

  /** Delivers the queued message at index i. */
  deliver(i = 0): void {
    const [m] = this.queue.splice(i, 1);
    if (this.blackhole?.(m)) return;
    const ext = this.mc.get(m.to)!;
    if (m.option) ext.onOption(m.option, m.from);
    else ext.onGroupData(m.packet!, m.from);
  }

  /** Delivers queued messages (FIFO) and fires timers until nothing is left. */
  flush(limit = 10_000): void {
    for (let n = 0; n < limit; n++) {
      if (this.queue.length > 0) this.deliver(0);
      else if (!this.fireNextTimer()) return;
    }
    throw new Error('flush: the network did not settle');
  }

  private fireNextTimer(): boolean {
    this.timers = this.timers.filter((t) => !t.dead).sort((x, y) => x.at - y.at);
    const t = this.timers[0];
    if (!t || t.at > this.now + 1000) return false; // periodic checks are far away: stop there (keep them)
    this.timers.shift();
    this.now = Math.max(this.now, t.at);
    t.fire();
    return true;
  }

  private services(me: Address): NodeServices {
    const config: VrrConfig = { ...DEFAULT_CONFIG, address: me, helloMs: 1000 } as VrrConfig;
    return {
      address: me,
      config,
      rng: createRng(me % 1000),
      now: () => this.now,
      setTimer: (ms, fire) => {
        const t = { at: this.now + ms, fire, dead: false };
        this.timers.push(t);
        return { cancel: () => (t.dead = true) };
      },
      emit: () => {},
      count: (name, by = 1) => {
        const c = this.counts.get(me)!;
        c.set(name, (c.get(name) ?? 0) + by);
      },
      isActive: () => true,
      vsetMembers: () => this.vsets.get(me) ?? [],
      linkedNeighbors: () => [...this.mc.keys()].filter((n) => this.links.has(`${me}-${n}`)),
      nextHop: (dst) => {
        if (dst === me) return { kind: 'local' };
        const via = this.routes.get(me)!.get(dst);
        return via === undefined ? { kind: 'local' } : { kind: 'forward', via, endpoint: dst };
      },
      sendToNeighbor: (to, ...options) => {
        if (!this.links.has(`${me}-${to}`)) return false;
        for (const option of options) this.queue.push({ from: me, to, option });
        return true;
      },
      routeToward: (dst, option) => {
        const via = this.routes.get(me)!.get(dst);
        if (via === undefined) return 'local';
        this.queue.push({ from: me, to: via, option });
        return 'forwarded';
      },
      sendDataVia: (to, packet) => {
        if (!this.links.has(`${me}-${to}`)) return false;
        this.queue.push({ from: me, to, packet });
        return true;
      },
      deliverLocally: (packet) => this.delivered.push({ node: me, packet }),
    };
  }
}
