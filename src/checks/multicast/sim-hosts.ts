// The hosts' side of multicast in the simulator: what vrrd and the kernel do around the multicast extension on a
// real lab, so a simulated stream meets the ring as a real one does. A source is registered by its first
// datagram and holds its first packets back while the tree forms, and is withdrawn after a quiet period (as
// src/daemon/multicast-groups.ts does); a member stays joined while any receiver on the node wants the group (as
// the kernel's membership count does). Both belong to one node incarnation: a restarted node starts afresh.

import type { Address } from '../../vrr/address.ts';
import type { SimMulticast, SimProbe } from '../sim-probe.ts';

/** What the hosts need from a network (SimNetwork provides it). */
export interface HostNetwork extends Pick<SimProbe, 'now'> {
  node(name: string): { readonly multicast?: SimMulticast } | null;
  readonly clock: Pick<SimProbe['clock'], 'schedule'>;
}

/** vrrd's quiet period after which a source is withdrawn (SOURCE_IDLE_MS). */
export const SOURCE_IDLE_MS = 30_000;
/** vrrd's bound on packets held back per settling group (MAX_HELD). */
const MAX_HELD = 256;

/** A source node's host side for one group: register on first send, hold while settling, withdraw when quiet. */
export class StreamSource {
  /** The node incarnation this source registered on (null: not registered). */
  private registeredOn: object | null = null;
  private held: Uint8Array[] | null = null;
  private lastSentAt = 0;
  private idleTimer: { cancel(): void } | null = null;

  constructor(
    private readonly network: HostNetwork,
    private readonly name: string,
    private readonly group: Address,
    /** How long a fresh source holds its packets (vrrd: max(500 ms, 3 hello periods)). */
    private readonly settleMs: number,
  ) {}

  /** One datagram from the host; false when it could not leave the node (node down, hold full, no tree). */
  send(payload: Uint8Array): boolean {
    const node = this.network.node(this.name);
    const mc = node?.multicast;
    if (!node || !mc) return false;
    if (node !== this.registeredOn) this.register(node, mc);
    this.lastSentAt = this.network.now();
    if (this.held) {
      if (this.held.length >= MAX_HELD) return false;
      this.held.push(payload);
      return true;
    }
    return mc.send(this.group, payload);
  }

  // A fresh source: register at the RVP, and hold packets until the tree has had time to reach the members.
  private register(node: object, mc: SimMulticast): void {
    this.registeredOn = node;
    mc.register(this.group);
    const held: Uint8Array[] = [];
    this.held = held;
    this.network.clock.schedule(this.settleMs, () => {
      if (this.held !== held) return;
      this.held = null;
      if (this.network.node(this.name) !== node) return; // the node restarted: its packets went with it
      for (const p of held) mc.send(this.group, p);
    });
    this.idleTimer?.cancel();
    this.armIdle(SOURCE_IDLE_MS);
  }

  // Withdraws the source once it has sent nothing for SOURCE_IDLE_MS; the next datagram registers it again.
  private armIdle(delayMs: number): void {
    this.idleTimer = this.network.clock.schedule(delayMs, () => {
      const quiet = this.network.now() - this.lastSentAt;
      if (quiet < SOURCE_IDLE_MS) return this.armIdle(SOURCE_IDLE_MS - quiet);
      this.idleTimer = null;
      const node = this.network.node(this.name);
      if (node === this.registeredOn) node?.multicast?.withdraw(this.group);
      this.registeredOn = null;
      this.held = null;
    });
  }
}

/** Group memberships of receiver programs: the node is joined while at least one receiver wants the group. */
export class Memberships {
  private readonly joined = new Map<string, { node: object; receivers: number }>();

  constructor(private readonly network: HostNetwork) {}

  /** A receiver on node `name` joins `group`; false when the node is down or has no multicast. */
  join(name: string, group: Address): boolean {
    const node = this.network.node(name);
    const mc = node?.multicast;
    if (!node || !mc) return false;
    const key = `${name}/${group}`;
    const entry = this.joined.get(key);
    if (entry && entry.node === node) {
      entry.receivers++;
      return true;
    }
    this.joined.set(key, { node, receivers: 1 });
    return mc.join(group);
  }

  /** A receiver on node `name` leaves `group`; the node leaves when it was the last one. */
  leave(name: string, group: Address): void {
    const key = `${name}/${group}`;
    const entry = this.joined.get(key);
    if (!entry || --entry.receivers > 0) return;
    this.joined.delete(key);
    const node = this.network.node(name);
    if (node === entry.node) node?.multicast?.leave(group);
  }
}

const sources = new WeakMap<object, Map<string, StreamSource>>();
const memberships = new WeakMap<object, Memberships>();

/** The network's source for (node, group), created on first use; it outlives one stream, as vrrd's does. */
export function streamSource(
  network: HostNetwork,
  name: string,
  group: Address,
  settleMs: number,
): StreamSource {
  let byKey = sources.get(network);
  if (!byKey) sources.set(network, (byKey = new Map()));
  const key = `${name}/${group}`;
  let source = byKey.get(key);
  if (!source) byKey.set(key, (source = new StreamSource(network, name, group, settleMs)));
  return source;
}

/** The network's receiver memberships. */
export function receiverMemberships(network: HostNetwork): Memberships {
  let m = memberships.get(network);
  if (!m) memberships.set(network, (m = new Memberships(network)));
  return m;
}
