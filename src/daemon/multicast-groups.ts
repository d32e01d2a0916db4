// The one place vrrd meets the multicast extension (src/vrr/multicast): attaching it to the node (next to the
// DHT), joining and leaving for the host, and being a source. The ring wants a source registered at the group's
// RVP before it sends; the host never says when it starts or stops sending, so the first frame to a group
// registers this node and a group quiet for `sourceIdleMs` (default 30 s) is withdrawn again, which fells its
// tree so no state is left for a sender that went away. The tree only reaches the members a few round trips
// after the registration (RVP answer, seeds, branches), so a new source holds its first packets back for
// `settleMs` and sends them then: a stream's first datagrams arrive late instead of not at all.

import { BROADCAST, formatAddress, type Address } from '../vrr/address.ts';
import { Multicast } from '../vrr/multicast/index.ts';
import type { VrrNode } from '../vrr/node.ts';
import type { DataPacket } from '../vrr/wire/types.ts';

/** Default quiet period after which this node stops being a source of a group. */
export const SOURCE_IDLE_MS = 30_000;

/** Options of the daemon's multicast. */
export interface MulticastGroupsOptions {
  /** A group packet delivered here (this node is a member, or it is a broadcast). */
  onDeliver: (packet: DataPacket) => void;
  sourceIdleMs?: number;
  /** How long a new source holds its packets back while its tree forms (default max(500 ms, 3 hellos)). */
  settleMs?: number;
  count: (name: string, by?: number) => void;
}

/** At most this many packets are held back per settling group; more are dropped and counted. */
const MAX_HELD = 256;

/** A row of `mcast.groups`. */
export interface GroupsView {
  member: string[];
  source: string[];
  delivered: Record<string, number>;
  sent: Record<string, number>;
  trees: { root: string; group: string; upstream: string | null; downstream: string[] }[];
}

/** The node's multicast as the daemon uses it: membership for the host, sources that come and go. */
export class MulticastGroups {
  readonly #mc: Multicast;
  readonly #idleMs: number;
  readonly #count: (name: string, by?: number) => void;
  /** Groups this node sources, with when it last sent to each. */
  readonly #lastSent = new Map<Address, number>();
  readonly #delivered = new Map<Address, number>();
  readonly #sent = new Map<Address, number>();
  /** Packets of groups whose tree is still forming, sent when it has had time to. */
  readonly #held = new Map<Address, { payload: Uint8Array; nextHeader: number }[]>();
  readonly #settleMs: number;
  readonly #settleTimers = new Set<NodeJS.Timeout>();
  #sweep: NodeJS.Timeout | null = null;

  /** Attaches a Multicast to the node; deliveries go to onDeliver. */
  constructor(node: VrrNode, opts: MulticastGroupsOptions) {
    this.#idleMs = opts.sourceIdleMs ?? SOURCE_IDLE_MS;
    this.#count = opts.count;
    this.#settleMs = opts.settleMs ?? Math.max(500, 3 * node.config.helloMs);
    this.#mc = node.attach(
      new Multicast(node.services, {
        onDeliver: (packet) => {
          this.#delivered.set(packet.dst, (this.#delivered.get(packet.dst) ?? 0) + 1);
          opts.onDeliver(packet);
        },
      }),
    );
  }

  /** Joins a group for the host (idempotent). */
  join(group: Address): boolean {
    return this.#mc.join(group);
  }

  /** Leaves a group; false when this node was not a member. */
  leave(group: Address): boolean {
    return this.#mc.leave(group);
  }

  /** Sends to a group, registering as its source first when needed; true when the packet left this node. */
  send(group: Address, payload: Uint8Array, nextHeader: number): boolean {
    this.ensureSource(group);
    const held = this.#held.get(group);
    if (held) {
      if (held.length >= MAX_HELD) {
        this.#count('mcast.heldDropped');
        return false;
      }
      // The payload is a view into the caller's frame, which may not outlive this call: keep a copy.
      held.push({ payload: Uint8Array.from(payload), nextHeader });
      this.#count('mcast.held');
      return true;
    }
    return this.#sendNow(group, payload, nextHeader);
  }

  /** Sends on the tree at once, counting what left. */
  #sendNow(group: Address, payload: Uint8Array, nextHeader: number): boolean {
    const ok = this.#mc.send(group, payload, nextHeader);
    if (ok) this.#sent.set(group, (this.#sent.get(group) ?? 0) + 1);
    return ok;
  }

  /** Registers this node as a source of group unless it is one (the quiet period restarts); true when new. */
  ensureSource(group: Address): boolean {
    if (group === BROADCAST) return false;
    const fresh = !this.#lastSent.has(group);
    if (fresh) {
      this.#mc.register(group);
      this.#count('mcast.sourceRegistered');
      this.#startSweep();
      this.#held.set(group, []);
      const timer = setTimeout(() => {
        this.#settleTimers.delete(timer);
        const packets = this.#held.get(group) ?? [];
        this.#held.delete(group);
        for (const p of packets) this.#sendNow(group, p.payload, p.nextHeader);
      }, this.#settleMs);
      this.#settleTimers.add(timer);
    }
    this.#lastSent.set(group, Date.now());
    return fresh;
  }

  /** Memberships, sources, per-group packet counts and the forwarding table, addresses as text. */
  view(): GroupsView {
    const g = this.#mc.groups();
    const text = (m: Map<Address, number>): Record<string, number> =>
      Object.fromEntries([...m].map(([k, v]) => [formatAddress(k), v]));
    return {
      member: g.member.map(formatAddress),
      source: g.source.map(formatAddress),
      delivered: text(this.#delivered),
      sent: text(this.#sent),
      trees: this.#mc.table().map((t) => ({
        root: formatAddress(t.root),
        group: formatAddress(t.group),
        upstream: t.upstream === null ? null : formatAddress(t.upstream),
        downstream: t.downstream.map(formatAddress),
      })),
    };
  }

  /** Stops the quiet-source sweep (the node's stop stops the extension itself). */
  stop(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    for (const t of this.#settleTimers) clearTimeout(t);
    this.#settleTimers.clear();
    this.#held.clear();
  }

  #startSweep(): void {
    if (this.#sweep) return;
    // A coarse sweep is enough: a withdrawal a few seconds late costs nothing.
    this.#sweep = setInterval(() => this.#withdrawQuiet(), Math.max(100, Math.min(5000, this.#idleMs / 4)));
    this.#sweep.unref();
  }

  #withdrawQuiet(): void {
    const now = Date.now();
    for (const [group, at] of this.#lastSent) {
      if (now - at < this.#idleMs) continue;
      this.#lastSent.delete(group);
      this.#mc.withdraw(group);
      this.#count('mcast.sourceWithdrawn');
    }
    if (this.#lastSent.size === 0 && this.#sweep) {
      clearInterval(this.#sweep);
      this.#sweep = null;
    }
  }
}
