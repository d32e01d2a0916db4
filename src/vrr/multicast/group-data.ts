// Group data on the multicast trees. A packet of a per-source tree comes down from the upstream and is copied to
// every downstream (and delivered here if this node is a member); a packet from anyone else is dropped.
//
// Broadcast (group ff:ff:ff:ff:ff:ff). Every node belongs to it implicitly. One shared tree for all sources,
// rooted at the node closest to groupKey(broadcast) and built from every node's BRANCH, used bidirectionally: a
// node copies a broadcast packet to every tree neighbour (upstream and downstreams) except the one it came from.
// On a tree that reaches every node exactly once. Per-source trees would cost every node state per source (N^2
// in all) and a tree build per new source; the shared tree costs each node its tree degree, once, and any node
// can broadcast at once. Its price is a longer path than a per-source shortest-path tree.
//
// Invariants (test/unit/vrr/multicast/sim.test.ts: every packet exactly once):
//  - a copy goes only to tree neighbours, never back to the one it came from, with the hop limit decreased;
//  - data from the upstream of a per-source tree confirms the branch (it reaches the root) and ends the refusal
//    backoff; broadcast data confirms nothing (it may have started below a pending branch);
//  - holds no table of its own; owned by multicast.ts alone.

import { BROADCAST, type Address } from '../address.ts';
import type { NodeServices } from '../extension.ts';
import type { DataPacket } from '../wire/types.ts';
import type { McastState, ResolvedMulticastOptions } from './state.ts';
import { treeKey } from './tree-table.ts';
import type { Trees } from './trees.ts';

/** Forwards group packets along this node's trees. */
export class GroupData {
  private readonly s: NodeServices;
  private readonly me: Address;
  private readonly opts: ResolvedMulticastOptions;
  private readonly joined: Set<Address>;

  constructor(private readonly st: McastState) {
    this.s = st.s;
    this.me = st.me;
    this.opts = st.opts;
    this.joined = st.joined;
  }

  /** A group packet from `sender` (this node when originated here). */
  onGroupData(packet: DataPacket, sender: Address): void {
    const trees: Trees = this.st.trees;
    const local = sender === this.me;
    if (packet.dst === BROADCAST) {
      const e = trees.tree.get(trees.bcastRoot, BROADCAST);
      if (!e || (!local && e.upstream !== sender && !e.downstream.has(sender))) {
        this.s.count('mcast.drop.offTree');
        return;
      }
      if (!local) this.deliver(packet);
      // No confirmation by data here (per-source trees below have it): a broadcast can start at any node, also
      // inside a cycle of pending branches (trees.ts), where it would confirm every branch of the cycle for good.
      const out = [...e.downstream];
      if (e.upstream !== null) out.push(e.upstream);
      this.copyTo(packet, out, sender);
      return;
    }
    const e = trees.tree.get(packet.src, packet.dst);
    if (!e || (local ? packet.src !== this.me : e.upstream !== sender)) {
      this.s.count('mcast.drop.notUpstream');
      return;
    }
    if (trees.refusals.size > 0) trees.refusals.delete(treeKey(e.root, e.group)); // the tree works again
    if (!local && !e.attached) trees.attach(e, 'data'); // data came down the chain: it reaches the root
    if (!local && this.joined.has(packet.dst)) this.deliver(packet);
    this.copyTo(packet, [...e.downstream], sender);
  }

  private copyTo(packet: DataPacket, neighbors: Address[], except: Address): void {
    if (packet.hopLimit <= 1) {
      if (neighbors.some((n) => n !== except)) this.s.count('mcast.drop.hopLimit');
      return;
    }
    const copy: DataPacket = { ...packet, hopLimit: packet.hopLimit - 1 };
    for (const n of neighbors) {
      if (n === except) continue;
      this.s.sendDataVia(n, copy);
      this.s.count('mcast.forward');
    }
  }

  private deliver(packet: DataPacket): void {
    this.s.count('mcast.deliver');
    if (this.opts.onDeliver) this.opts.onDeliver(packet);
    else this.s.deliverLocally(packet);
  }
}
