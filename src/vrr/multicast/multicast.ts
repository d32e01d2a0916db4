// Multicast: VRR multicast and broadcast (protocol-notes §10, seed study §I.2) as a node extension.
//
// Membership. Each group G has a rendezvous point (RVP): the node closest to groupKey(G) (the DHT's hash), which
// holds the group's sources and members and copies them (MCAST_REPLICATE) to its virtual neighbours, so that
// the next-closest node (one of them) holds them when the RVP fails. REGISTER/WITHDRAW (source) and JOIN/LEAVE
// (member) are routed hop by hop toward groupKey(G); the RVP answers a REGISTER with MEMBERS and a JOIN with
// SOURCES, and tells the existing parties about the newcomer (MEMBERS to every source, SOURCES to every member).
//
// Trees. One tree per (source, group), rooted at the source. Either side starts it: a member that learns a
// source BRANCHes toward it; a source that learns a member SEEDs toward it, and the member branches when the
// seed reaches it. BRANCH travels hop by hop along the VRR route toward the root (nextHop), each hop recording
// its sender as a downstream next hop and the hop it sends to as its upstream, and stops at the first node
// already on the tree. PRUNE (upward) removes a downstream; a node left without members or downstreams prunes
// itself. FELL (downward) detaches the subtree below a node: receivers drop their upstream and, if they still
// need the tree (members), branch again; FELL with FINAL (the source withdrew) makes them forget the tree.
//
// Hard state, loop-free repair. Nothing is refreshed. When a link fails, the upstream drops the next hop; the
// downstream first detaches its own subtree (FELL), then branches again along current routes if it is a member.
// Detaching first is what keeps the repaired tree loop-free: the new route toward the root may well run through
// the node's former subtree, and a BRANCH stopping at a node whose upstream chain leads back to the brancher
// would close a cycle. After a FELL every node of the subtree is off the tree, so a BRANCH stops only at nodes
// still connected to the root. Relays without members never branch again: the members' branches rebuild them.
//
// Races. Every tree message carries a sequence number per (root, group) per neighbour, applied in order: a
// message not newer than the last one applied from that neighbour for that tree is ignored. The control layer
// acknowledges and retransmits each packet hop by hop, so nothing is lost, only possibly reordered by a
// retransmission; the sequence numbers undo the reordering (a stale PRUNE cannot remove a later BRANCH). A BRANCH
// crossing a PRUNE on one link cannot orphan a branch: each message only changes the receiver's view of the
// sender (downstream set for BRANCH/PRUNE, upstream for FELL), so after both are applied the two views agree.
//
// Broadcast (group ff:ff:ff:ff:ff:ff). Every node belongs to it implicitly. One shared tree for all sources,
// rooted at the node closest to groupKey(broadcast) and built from every node's BRANCH, used bidirectionally: a
// node copies a broadcast packet to every tree neighbour (upstream and downstreams) except the one it came from.
// On a tree that reaches every node exactly once. Per-source trees would cost every node state per source (N^2
// in all) and a tree build per new source; the shared tree costs each node its tree degree, once, and any node
// can broadcast at once. Its price is a longer path than a per-source shortest-path tree.

import { BROADCAST, isGroupAddress, type Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import type { NodeExtension, NodeServices } from '../extension.ts';
import { defaultOptionRegistry } from '../wire/option-registry.ts';
import { registerMcastCodecs } from '../wire/options/mcast-codecs.ts';
import { MCAST_MAX_LISTED } from '../wire/options/mcast-membership.ts';
import {
  DataFlag,
  MCAST_FLAG_FINAL,
  McastOptionType,
  type DataPacket,
  type KnownOption,
  type McastMembershipOption,
  type McastTreeOption,
} from '../wire/types.ts';
import { groupKey, MembershipStore } from './membership.ts';
import { TreeTable, treeKey, type TreeEntry } from './tree-table.ts';

// Every node that loads multicast speaks its options.
registerMcastCodecs(defaultOptionRegistry);

/** Tunables of a Multicast extension (durations in ms). */
export interface MulticastOptions {
  /** Called for each group packet delivered here (default: services.deliverLocally). */
  onDeliver?: (packet: DataPacket) => void;
  /** Join the broadcast tree (default true). */
  broadcast?: boolean;
  /** Period of the safety-net check: detached members branch, RVP roles re-checked (default 5 hellos). */
  checkMs?: number;
  /** Delay between a change and the check it triggers, so one change is handled once (default 50). */
  settleMs?: number;
}

/** A read-only row of the multicast forwarding table. */
export interface TreeView {
  root: Address;
  group: Address;
  upstream: Address | null;
  downstream: Address[];
}

const MCAST_TYPES: readonly number[] = Object.values(McastOptionType);
const MEMBERSHIP_TYPES: readonly number[] = [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26];

/** Multicast and broadcast over VRR routes: membership at an RVP, per-source trees, a shared broadcast tree. */
export class Multicast implements NodeExtension {
  readonly optionTypes: readonly number[] = MCAST_TYPES;
  private readonly s: NodeServices;
  private readonly me: Address;
  private readonly opts: Required<Omit<MulticastOptions, 'onDeliver'>> & Pick<MulticastOptions, 'onDeliver'>;
  private readonly tree = new TreeTable();
  private readonly rvp = new MembershipStore();
  private readonly joined = new Set<Address>();
  private readonly sourcing = new Set<Address>();
  /** Member side: the sources of each joined group, as the RVP and seeds told. */
  private readonly sourcesOf = new Map<Address, Set<Address>>();
  /** The broadcast tree's root key. */
  private readonly bcastRoot = groupKey(BROADCAST);
  /** Consecutive non-final FELLs per tree: the re-branch delay doubles with each (reset by a data packet). */
  private readonly refusals = new Map<string, number>();
  private checkTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(services: NodeServices, options: MulticastOptions = {}) {
    this.s = services;
    this.me = services.address;
    const hello = services.config.helloMs;
    this.opts = {
      broadcast: options.broadcast ?? true,
      checkMs: options.checkMs ?? 5 * hello,
      settleMs: options.settleMs ?? 50,
      onDeliver: options.onDeliver,
    };
    this.schedulePeriodic(this.opts.checkMs * (0.5 + 0.5 * services.rng.next()));
  }

  // ---------------------------------------------------------------- API

  /** Joins a group as a member (broadcast: always a member already). */
  join(group: Address): boolean {
    if (!isGroupAddress(group)) return false;
    if (group === BROADCAST || this.joined.has(group)) return true;
    this.joined.add(group);
    this.toRvp(McastOptionType.JOIN, group);
    return true;
  }

  /** Leaves a group: tells the RVP, prunes every tree of the group this node no longer relays. */
  leave(group: Address): boolean {
    if (!this.joined.delete(group)) return false;
    this.sourcesOf.delete(group);
    this.toRvp(McastOptionType.LEAVE, group);
    for (const e of [...this.tree.values()]) if (e.group === group) this.pruneIfUnneeded(e, 'leave');
    return true;
  }

  /** Becomes a source of a group: registers at the RVP, which answers with the members to seed. */
  register(group: Address): boolean {
    if (!isGroupAddress(group)) return false;
    if (group === BROADCAST || this.sourcing.has(group)) return true;
    this.sourcing.add(group);
    this.tree.ensure(this.me, group);
    this.toRvp(McastOptionType.REGISTER, group);
    return true;
  }

  /** Stops being a source: tells the RVP and fells the tree (FINAL). */
  withdraw(group: Address): boolean {
    if (!this.sourcing.delete(group)) return false;
    this.toRvp(McastOptionType.WITHDRAW, group);
    const e = this.tree.get(this.me, group);
    if (e) this.fellBelow(e, MCAST_FLAG_FINAL, 'withdraw');
    this.tree.delete(this.me, group);
    return true;
  }

  /** Sends a payload to a group (a registered group, or broadcast); false when this node cannot. */
  send(group: Address, payload: Uint8Array, nextHeader = 0): boolean {
    if (this.stopped || !isGroupAddress(group)) return false;
    if (group !== BROADCAST && !this.sourcing.has(group)) return false;
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: this.s.config.hopLimit,
      dataFlags: DataFlag.GROUP,
      nextHeader,
      src: this.me,
      dst: group,
      payload,
    };
    this.onGroupData(packet, this.me);
    return true;
  }

  /** Groups this node is a member of (broadcast excluded) and sources. */
  groups(): { member: Address[]; source: Address[] } {
    return { member: [...this.joined], source: [...this.sourcing] };
  }

  /** The multicast forwarding table (copies). */
  table(): TreeView[] {
    return [...this.tree.values()].map((e) => ({
      root: e.root,
      group: e.group,
      upstream: e.upstream,
      downstream: [...e.downstream],
    }));
  }

  /** Membership held here as RVP ('owner') or replica (copies). */
  rvpRecords(): { group: Address; role: 'owner' | 'replica'; sources: Address[]; members: Address[] }[] {
    return [...this.rvp.values()].map((r) => ({
      group: r.group,
      role: r.role,
      sources: [...r.sources],
      members: [...r.members],
    }));
  }

  /** Throws when the forwarding table breaks an invariant (tests). */
  checkInvariants(): void {
    this.tree.checkInvariants(this.me);
  }

  // ---------------------------------------------------------------- NodeExtension hooks

  onOption(option: KnownOption, sender: Address): void {
    if (this.stopped || !MCAST_TYPES.includes(option.type as number)) return;
    if (MEMBERSHIP_TYPES.includes(option.type as number))
      this.routeMembership(option as McastMembershipOption);
    else this.onTree(option as McastTreeOption, sender);
  }

  onGroupData(packet: DataPacket, sender: Address): void {
    if (this.stopped) return;
    const local = sender === this.me;
    if (packet.dst === BROADCAST) {
      const e = this.tree.get(this.bcastRoot, BROADCAST);
      if (!e || (!local && e.upstream !== sender && !e.downstream.has(sender))) {
        this.s.count('mcast.drop.offTree');
        return;
      }
      if (!local) this.deliver(packet);
      const out = [...e.downstream];
      if (e.upstream !== null) out.push(e.upstream);
      this.copyTo(packet, out, sender);
      return;
    }
    const e = this.tree.get(packet.src, packet.dst);
    if (!e || (local ? packet.src !== this.me : e.upstream !== sender)) {
      this.s.count('mcast.drop.notUpstream');
      return;
    }
    if (this.refusals.size > 0) this.refusals.delete(treeKey(e.root, e.group)); // the tree works again
    if (!local && this.joined.has(packet.dst)) this.deliver(packet);
    this.copyTo(packet, [...e.downstream], sender);
  }

  onNeighborLost(neighbor: Address): void {
    if (this.stopped) return;
    this.tree.forgetNeighbor(neighbor);
    for (const e of [...this.tree.values()]) {
      const hadDown = e.downstream.delete(neighbor);
      if (e.upstream === neighbor) {
        e.upstream = null;
        this.fellBelow(e, 0, 'upstream lost');
        if (this.needsTree(e)) this.branchUp(e, 'upstream lost');
        else this.tree.delete(e.root, e.group);
      } else if (hadDown) {
        this.pruneIfUnneeded(e, 'downstream lost');
      }
    }
    this.scheduleCheck();
  }

  onVsetChange(added: Address[] = []): void {
    if (this.stopped) return;
    for (const rec of this.rvp.values())
      if (rec.role === 'owner' && added.length > 0) this.replicate(rec.group, added);
    this.scheduleCheck();
  }

  onNeighborLinked(): void {
    this.scheduleCheck();
  }

  onStop(): void {
    this.stopped = true;
    this.checkTimer?.cancel();
  }

  // ---------------------------------------------------------------- membership

  private toRvp(type: McastMembershipOption['type'], group: Address): void {
    this.routeMembership({
      type,
      hopCount: 0,
      hopLimit: this.s.config.hopLimit,
      target: groupKey(group),
      group,
      origin: this.me,
      sources: [],
      members: [],
    });
  }

  /** Sends a membership option toward a node (answers, notices, replicas). */
  private toNode(
    type: McastMembershipOption['type'],
    target: Address,
    group: Address,
    sources: Address[],
    members: Address[],
  ): void {
    const opt: McastMembershipOption = {
      type,
      hopCount: 0,
      hopLimit: this.s.config.hopLimit,
      target,
      group,
      origin: this.me,
      sources: sources.slice(0, MCAST_MAX_LISTED),
      members: members.slice(0, MCAST_MAX_LISTED - Math.min(MCAST_MAX_LISTED, sources.length)),
    };
    if (target === this.me) this.onMembershipHere(opt);
    else this.routeMembership(opt);
  }

  /** One hop of a membership option: pass it on toward its target, or handle it here (the closest node). */
  private routeMembership(opt: McastMembershipOption): void {
    if (opt.hopCount < opt.hopLimit) {
      const r = this.s.routeToward(opt.target, { ...opt, hopCount: opt.hopCount + 1 });
      if (r === 'forwarded') return;
      if (r === 'none') {
        this.s.count('mcast.drop.noRoute');
        return;
      }
    } else if (this.s.nextHop(opt.target).kind !== 'local') {
      this.s.count('mcast.drop.hopLimit');
      return;
    }
    this.onMembershipHere(opt);
  }

  private onMembershipHere(opt: McastMembershipOption): void {
    const g = opt.group;
    switch (opt.type) {
      case McastOptionType.REGISTER:
      case McastOptionType.WITHDRAW:
      case McastOptionType.JOIN:
      case McastOptionType.LEAVE:
        return this.atRvp(opt);
      case McastOptionType.MEMBERS:
        if (opt.target !== this.me || !this.sourcing.has(g)) return;
        for (const m of opt.members) if (m !== this.me) this.seed(g, m);
        if (opt.members.includes(this.me)) this.learnSource(g, this.me);
        return;
      case McastOptionType.SOURCES:
        if (opt.target !== this.me || !this.joined.has(g)) return;
        for (const src of opt.sources) this.learnSource(g, src);
        return;
      case McastOptionType.REPLICATE: {
        const owner = this.s.nextHop(groupKey(g)).kind === 'local';
        const before = this.rvp.get(g);
        const changed =
          !before ||
          !sameMembers(before.sources, opt.sources) ||
          !sameMembers(before.members, opt.members) ||
          before.role !== (owner ? 'owner' : 'replica');
        this.rvp.replace(g, opt.sources, opt.members, owner ? 'owner' : 'replica');
        this.s.emit({ type: 'mcast-rvp', group: g, role: owner ? 'owner' : 'replica', why: 'replicate' });
        // Re-replicate only what is new here: while the ring settles two nodes may both believe they own the
        // group, and unconditional re-replication would bounce the record between them forever.
        if (owner && changed) this.replicate(g);
        return;
      }
    }
  }

  /** The RVP handles a membership request: update the record, answer, tell the others, replicate. */
  private atRvp(opt: McastMembershipOption): void {
    const g = opt.group;
    const rec = this.rvp.ensure(g, 'owner');
    if (rec.role !== 'owner') {
      rec.role = 'owner';
      this.s.emit({ type: 'mcast-rvp', group: g, role: 'owner', why: 'request reached me' });
    }
    const who = opt.origin;
    switch (opt.type) {
      case McastOptionType.REGISTER:
        rec.sources.add(who);
        this.toNode(McastOptionType.MEMBERS, who, g, [], [...rec.members]);
        for (const m of rec.members) if (m !== who) this.toNode(McastOptionType.SOURCES, m, g, [who], []);
        break;
      case McastOptionType.WITHDRAW:
        rec.sources.delete(who);
        break;
      case McastOptionType.JOIN:
        rec.members.add(who);
        this.toNode(McastOptionType.SOURCES, who, g, [...rec.sources], []);
        for (const src of rec.sources)
          if (src !== who) this.toNode(McastOptionType.MEMBERS, src, g, [], [who]);
        break;
      case McastOptionType.LEAVE:
        rec.members.delete(who);
        break;
    }
    this.replicate(g);
  }

  /** The owner copies a group's record to each of its virtual neighbours (or to `to` only). */
  private replicate(group: Address, to: Address[] = this.s.vsetMembers()): void {
    const rec = this.rvp.get(group);
    if (!rec || rec.role !== 'owner') return;
    for (const v of to) {
      this.routeMembership({
        type: McastOptionType.REPLICATE,
        hopCount: 0,
        hopLimit: this.s.config.hopLimit,
        target: v,
        group,
        origin: this.me,
        sources: [...rec.sources].slice(0, MCAST_MAX_LISTED >> 1),
        members: [...rec.members].slice(0, MCAST_MAX_LISTED >> 1),
      });
    }
  }

  /** Re-checks RVP roles: a replica that became closest takes over; an owner that is not hands its copy on. */
  private reconcileRvp(): void {
    for (const rec of this.rvp.values()) {
      const local = this.s.nextHop(groupKey(rec.group)).kind === 'local';
      if (local && rec.role === 'replica') {
        rec.role = 'owner';
        this.s.emit({ type: 'mcast-rvp', group: rec.group, role: 'owner', why: 'took over' });
        this.replicate(rec.group);
      } else if (!local && rec.role === 'owner') {
        rec.role = 'replica';
        this.s.emit({ type: 'mcast-rvp', group: rec.group, role: 'replica', why: 'handed off' });
        this.routeMembership({
          type: McastOptionType.REPLICATE,
          hopCount: 0,
          hopLimit: this.s.config.hopLimit,
          target: groupKey(rec.group),
          group: rec.group,
          origin: this.me,
          sources: [...rec.sources].slice(0, MCAST_MAX_LISTED >> 1),
          members: [...rec.members].slice(0, MCAST_MAX_LISTED >> 1),
        });
      }
    }
  }

  /** A member learned a source: remember it and get on its tree. */
  private learnSource(group: Address, source: Address): void {
    if (!this.joined.has(group)) return;
    let set = this.sourcesOf.get(group);
    if (!set) this.sourcesOf.set(group, (set = new Set()));
    set.add(source);
    if (source === this.me) return; // the source's own copies are not delivered back to it
    const e = this.tree.ensure(source, group);
    if (e.upstream === null) this.branchUp(e, 'learned source');
  }

  // ---------------------------------------------------------------- trees

  private sendTree(
    neighbor: Address,
    type: McastTreeOption['type'],
    e: { root: Address; group: Address },
    flags = 0,
    target = 0,
    hopCount = 0,
  ): void {
    const seq = this.tree.nextSeq(e.root, e.group, neighbor);
    this.s.sendToNeighbor(neighbor, { type, flags, hopCount, seq, root: e.root, group: e.group, target });
  }

  /** Whether this node is the root of the tree. */
  private isRoot(e: TreeEntry): boolean {
    return e.group === BROADCAST ? this.s.nextHop(e.root).kind === 'local' : e.root === this.me;
  }

  /** Whether this node must stay on the tree even without downstreams. */
  private needsTree(e: TreeEntry): boolean {
    if (e.group === BROADCAST) return this.opts.broadcast;
    if (e.root === this.me) return this.sourcing.has(e.group);
    return this.joined.has(e.group) && (this.sourcesOf.get(e.group)?.has(e.root) ?? false);
  }

  /** Sends FELL to every downstream and forgets them. */
  private fellBelow(e: TreeEntry, flags: number, why: string): void {
    for (const d of e.downstream) this.sendTree(d, McastOptionType.FELL, e, flags);
    e.downstream.clear();
    this.s.count('mcast.fell');
    this.emitTree(e, why);
  }

  /** A detached node gets on the tree: BRANCH toward the root along the current route. */
  private branchUp(e: TreeEntry, why: string): void {
    if (e.upstream !== null || this.isRoot(e)) return;
    const hop = this.s.nextHop(e.root);
    if (hop.kind !== 'forward') {
      // Multicast: the source is unreachable (gone); broadcast: handled by isRoot.
      this.s.count('mcast.branch.noRoute');
      return;
    }
    if (e.downstream.has(hop.via)) {
      // The route runs back through a downstream (routes still settling): detach it, it branches on its own.
      e.downstream.delete(hop.via);
      this.sendTree(hop.via, McastOptionType.FELL, e);
    }
    e.upstream = hop.via;
    this.sendTree(hop.via, McastOptionType.BRANCH, e, 0, this.me);
    this.s.count('mcast.branch');
    this.emitTree(e, why);
  }

  /** Leaves the tree (PRUNE upstream, drop the entry) when nothing here needs it any more. */
  private pruneIfUnneeded(e: TreeEntry, why: string): void {
    if (e.downstream.size > 0 || this.needsTree(e)) return;
    if (e.group === BROADCAST) return;
    if (e.upstream !== null) this.sendTree(e.upstream, McastOptionType.PRUNE, e);
    this.tree.delete(e.root, e.group);
    this.s.count('mcast.prune');
    this.emitTree({ ...e, upstream: null }, why);
  }

  private seed(group: Address, member: Address, opt?: McastTreeOption): void {
    const hopCount = opt ? opt.hopCount + 1 : 0;
    const hop = this.s.nextHop(member);
    if (hop.kind !== 'forward' || hopCount > this.s.config.hopLimit) {
      this.s.count('mcast.drop.seed');
      return;
    }
    this.sendTree(hop.via, McastOptionType.SEED, { root: opt?.root ?? this.me, group }, 0, member, hopCount);
  }

  private onTree(opt: McastTreeOption, sender: Address): void {
    if (!this.tree.accept(opt.root, opt.group, sender, opt.seq)) {
      this.s.count('mcast.stale');
      return;
    }
    switch (opt.type) {
      case McastOptionType.SEED:
        if (opt.target !== this.me) return this.seed(opt.group, opt.target, opt);
        if (this.joined.has(opt.group)) this.learnSource(opt.group, opt.root);
        return;
      case McastOptionType.BRANCH:
        return this.onBranch(opt, sender);
      case McastOptionType.PRUNE: {
        const e = this.tree.get(opt.root, opt.group);
        if (e && e.downstream.delete(sender)) this.pruneIfUnneeded(e, 'prune');
        return;
      }
      case McastOptionType.FELL: {
        const e = this.tree.get(opt.root, opt.group);
        if (!e || e.upstream !== sender) return; // only the upstream may fell
        e.upstream = null;
        this.fellBelow(e, opt.flags, 'fell');
        if (opt.flags & MCAST_FLAG_FINAL) {
          this.sourcesOf.get(opt.group)?.delete(opt.root);
          this.tree.delete(opt.root, opt.group);
        } else if (this.needsTree(e)) {
          // Let the fell sweep the old subtree before branching through it again; back off while refused.
          const k = treeKey(opt.root, opt.group);
          const tries = (this.refusals.get(k) ?? 0) + 1;
          this.refusals.set(k, tries);
          const delay = Math.min(this.s.config.helloMs, this.opts.settleMs * 2 ** (tries - 1));
          this.s.setTimer(delay, () => {
            const cur = this.tree.get(opt.root, opt.group);
            if (cur && this.needsTree(cur)) this.branchUp(cur, 'fell');
          });
        } else {
          this.tree.delete(opt.root, opt.group);
        }
        return;
      }
    }
  }

  private onBranch(opt: McastTreeOption, sender: Address): void {
    const bcast = opt.group === BROADCAST;
    if (bcast ? !this.opts.broadcast : opt.root === this.me && !this.sourcing.has(opt.group)) {
      this.sendTree(sender, McastOptionType.FELL, opt, MCAST_FLAG_FINAL); // no such tree here
      return;
    }
    if (!bcast && opt.root !== this.me && this.s.nextHop(opt.root).kind !== 'forward') {
      // No route to the source from here (routes still repairing, or it is gone): refuse without FINAL, the
      // member tries again later (backoff, then the periodic check) and forgets nothing.
      this.sendTree(sender, McastOptionType.FELL, opt);
      return;
    }
    const e = this.tree.ensure(opt.root, opt.group);
    if (e.upstream === sender) e.upstream = null; // the route turned around: sender is downstream now
    e.downstream.add(sender);
    if (e.upstream === null && !this.isRoot(e)) {
      const hop = this.s.nextHop(e.root);
      if (hop.kind === 'forward' && hop.via === sender) {
        // Routes disagree for now: refuse; the sender branches again after its fell handling.
        e.downstream.delete(sender);
        this.sendTree(sender, McastOptionType.FELL, e);
        if (!this.needsTree(e) && e.downstream.size === 0) this.tree.delete(e.root, e.group);
        return;
      }
      this.branchUp(e, 'relay');
    } else {
      this.emitTree(e, 'branch');
    }
  }

  // ---------------------------------------------------------------- data

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

  // ---------------------------------------------------------------- checks

  private scheduleCheck(): void {
    if (this.stopped) return;
    this.s.setTimer(this.opts.settleMs, () => this.check());
  }

  private schedulePeriodic(ms: number): void {
    this.checkTimer = this.s.setTimer(ms, () => {
      this.check();
      this.schedulePeriodic(this.opts.checkMs);
    });
  }

  /** Safety net and triggered re-check: broadcast tree, detached members, RVP roles. */
  private check(): void {
    if (this.stopped || !this.s.isActive()) return;
    if (this.opts.broadcast) {
      const e = this.tree.ensure(this.bcastRoot, BROADCAST);
      if (this.isRoot(e) && e.upstream !== null) {
        // A node closer to the key appeared and I am it: leave my former upstream, I am the root now.
        this.sendTree(e.upstream, McastOptionType.PRUNE, e);
        e.upstream = null;
        this.emitTree(e, 'became root');
      } else if (!this.isRoot(e) && e.upstream === null) {
        // I was the root and no longer am (or I am new): a root's subtree is everything, detach it first.
        if (e.downstream.size > 0) this.fellBelow(e, 0, 'root moved');
        this.branchUp(e, 'broadcast');
      }
    }
    for (const [group, sources] of this.sourcesOf) {
      for (const src of sources) {
        if (src === this.me) continue;
        const e = this.tree.ensure(src, group);
        if (e.upstream === null) this.branchUp(e, 'check');
      }
    }
    // A relay whose branch found no way to the root keeps its downstream and tries again whenever the ring
    // changes. That happens in a partition: the branch stops at the node of this side closest to the root's
    // address, and without this the members below it stay cut off after the partition heals (their own
    // upstream is set, so they never branch again).
    for (const e of [...this.tree.values()]) {
      if (e.group !== BROADCAST && e.upstream === null && e.downstream.size > 0) this.branchUp(e, 'check');
    }
    this.reconcileRvp();
  }

  private emitTree(e: TreeEntry, why: string): void {
    this.s.emit({
      type: 'mcast-tree',
      root: e.root,
      group: e.group,
      upstream: e.upstream,
      downstream: [...e.downstream],
      why,
    });
  }
}

/** True when a set holds exactly the listed addresses. */
function sameMembers(set: ReadonlySet<Address>, list: readonly Address[]): boolean {
  return set.size === new Set(list).size && list.every((a) => set.has(a));
}
