// Multicast: VRR multicast and broadcast (protocol-notes §10, seed study §I.2) as a node extension.
//
// Membership. Each group G has a rendezvous point (RVP): the node closest to groupKey(G) (the DHT's hash), which
// holds the group's sources and members and copies them (MCAST_REPLICATE) to its virtual neighbours, so that
// the next-closest node (one of them) holds them when the RVP fails. REGISTER/WITHDRAW (source) and JOIN/LEAVE
// (member) are routed hop by hop toward groupKey(G); the RVP answers a REGISTER with MEMBERS and a JOIN with
// SOURCES, echoes a WITHDRAW or LEAVE back to its origin, and tells the existing parties about the newcomer
// (MEMBERS to every source at once; SOURCES to every member after seedWaitMs, see Trees). The answer is the
// end-to-end ack: unanswered requests are retried (requests.ts). A record can still be lost with every copy (the
// RVP and all its replicas fail together, or a partition leaves a side without one): every source and member
// re-sends its REGISTER or JOIN every refreshMs (soft refresh of the hard state), and at once when it loses the
// RVP as a neighbour or virtual neighbour, so a new RVP rebuilds the record within one refresh period. An RVP
// that hands a record on to a closer node merges it into what that node holds (two sides of a healed partition
// may both have built one).
//
// Trees. One tree per (source, group), rooted at the source. Either side starts it, and the newcomer does: a
// member that joins BRANCHes toward the sources its JOIN's answer lists; a source that registers SEEDs toward the
// members its REGISTER's answer lists. BRANCH travels hop by hop along the VRR route toward the root (nextHop),
// each hop recording its sender as a downstream next hop and the hop it sends to as its upstream, and stops at
// the first node already on the tree. SEED travels hop by hop along the route toward its member and installs the
// same state from the other end: the sender records the hop as a downstream, the receiver records the sender as
// its upstream and passes the seed on, until the member. A SEED reaching a node already on the tree through
// another upstream is refused there (PRUNE back to its sender, which forgets the hop) and goes on from that node.
// The existing members hear of a new source from the RVP only seedWaitMs later, as the fallback for a seed that
// did not get through: a member already on the tree ignores the notice, one still detached branches.
// PRUNE (upward) removes a downstream; a node left without members or downstreams prunes
// itself. FELL (downward) detaches the subtree below a node: receivers drop their upstream and, if they still
// need the tree (members), branch again; FELL with FINAL (the source withdrew) makes them forget the tree.
//
// Hard state, loop-free repair. Trees are never refreshed. When a link fails, the upstream drops the next hop; the
// downstream first detaches its own subtree (FELL), then branches again along current routes if it is a member.
// Detaching first is what keeps the repaired tree loop-free: the new route toward the root may well run through
// the node's former subtree, and a BRANCH stopping at a node whose upstream chain leads back to the brancher
// would close a cycle. After a FELL every node of the subtree is off the tree, so a BRANCH stops only at nodes
// still connected to the root. Relays without members never branch again: the members' branches rebuild them.
//
// Pending branches. A BRANCH stops at the first node on the tree, and a node whose own branch is still climbing is
// on it. Over looping routes (while they repair) several members' branches can each stop at the next one's pending
// branch and close a cycle of upstreams that reaches no root; nobody in it is detached, so nobody would branch
// again. A branch therefore stays pending until confirmed: a node connected to the root answers a BRANCH with
// ATTACHED, a pending node passes ATTACHED to its downstreams once it is confirmed itself, a SEED from a connected
// node carries the ATTACHED flag, and data from the upstream proves it too. A branch unconfirmed after
// attachTimeoutMs is given up (PRUNE up, FELL below, branch again after the backoff): a cycle dissolves.
//
// Races. Every tree message carries a sequence number per (root, group) per neighbour, applied in order: a
// message not newer than the last one applied from that neighbour for that tree is ignored. The control layer
// acknowledges and retransmits each packet hop by hop, so nothing is lost, only possibly reordered by a
// retransmission; the sequence numbers undo the reordering (a stale PRUNE cannot remove a later BRANCH). A BRANCH
// crossing a PRUNE on one link cannot orphan a branch: each message only changes the receiver's view of the
// sender (downstream set for BRANCH/PRUNE, upstream for FELL), so after both are applied the two views agree.
// Messages from the two ends of one tree edge that assert opposite things can cross: a SEED (parent: "you hang
// below me") against the child's PRUNE, a FELL ("you no longer do") against the child's BRANCH. Each end would
// adopt the other's assertion and the views would swap: an orphaned branch. The child settles it: it remembers
// what it last told the parent (TreeTable), and when a SEED or FELL from the parent contradicts that, it
// re-asserts its view after applying the parent's message (BRANCH after a SEED it accepted, PRUNE after a FELL).
// The parent applies messages in order, so the child's last word is the final state on both ends. When the
// messages did not cross, the re-assertion is a no-op at the parent (one spare message, only on such turns).
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
import { MCAST_OPTION_CODECS } from '../wire/options/mcast-codecs.ts';
import { MCAST_MAX_LISTED } from '../wire/options/mcast-membership.ts';
import {
  DataFlag,
  MCAST_FLAG_ATTACHED,
  MCAST_FLAG_FINAL,
  McastOptionType,
  type DataPacket,
  type KnownOption,
  type McastMembershipOption,
  type McastTreeOption,
} from '../wire/types.ts';
import { groupKey, MembershipStore } from './membership.ts';
import { MembershipRequests, type RequestType } from './requests.ts';
import { TreeTable, treeKey, type TreeEntry } from './tree-table.ts';

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
  /** Wait for the RVP's answer to a membership request before the first retry; doubles (default 2 hellos). */
  requestTimeoutMs?: number;
  /** Attempts of a membership request, the first included, before the refresh takes over (default 4). */
  requestAttempts?: number;
  /** Period of the soft refresh: sources re-REGISTER, members re-JOIN (default 10 hellos, ±25 % jitter). */
  refreshMs?: number;
  /** The RVP tells existing members of a new source this long after the source's seeds left (default 1 hello). */
  seedWaitMs?: number;
  /** A branch not confirmed connected to the root (ATTACHED) within this time is given up (default 3 hellos). */
  attachTimeoutMs?: number;
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
  /** Registered by node.attach() in that node's own registry. */
  readonly optionCodecs = MCAST_OPTION_CODECS;
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
  /** Source side: the members of each sourced group already seeded or told of (a refresh seeds only new ones). */
  private readonly knownMembers = new Map<Address, Set<Address>>();
  /** The RVP that last answered for each group (losing it as a neighbour triggers a refresh). */
  private readonly rvpOf = new Map<Address, Address>();
  /** Per tree, the origin (BRANCH Target) and time of the last BRANCH this node sent up: loop recognition. */
  private readonly lastBranch = new Map<string, { origin: Address; at: number }>();
  /** Per tree with a BRANCH awaiting ATTACHED: the token of that branch (its give-up timer checks it). */
  private readonly pendingBranch = new Map<string, number>();
  private branchTokens = 0;
  private readonly requests: MembershipRequests;
  private refreshTimer: TimerHandle | null = null;
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
      requestTimeoutMs: options.requestTimeoutMs ?? 2 * hello,
      requestAttempts: options.requestAttempts ?? 4,
      refreshMs: options.refreshMs ?? 10 * hello,
      seedWaitMs: options.seedWaitMs ?? hello,
      attachTimeoutMs: options.attachTimeoutMs ?? 3 * hello,
      onDeliver: options.onDeliver,
    };
    this.requests = new MembershipRequests(
      services,
      { timeoutMs: this.opts.requestTimeoutMs, attempts: this.opts.requestAttempts },
      (type, group) => this.toRvp(type, group),
    );
    this.schedulePeriodic(this.opts.checkMs * (0.5 + 0.5 * services.rng.next()));
  }

  // ---------------------------------------------------------------- API

  /** Joins a group as a member (broadcast: always a member already). */
  join(group: Address): boolean {
    if (!isGroupAddress(group)) return false;
    if (group === BROADCAST || this.joined.has(group)) return true;
    this.joined.add(group);
    this.requests.start(McastOptionType.JOIN, group);
    this.armRefresh();
    return true;
  }

  /** Leaves a group: tells the RVP, prunes every tree of the group this node no longer relays. */
  leave(group: Address): boolean {
    if (!this.joined.delete(group)) return false;
    this.sourcesOf.delete(group);
    this.requests.start(McastOptionType.LEAVE, group);
    for (const e of [...this.tree.values()]) if (e.group === group) this.pruneIfUnneeded(e, 'leave');
    return true;
  }

  /** Becomes a source of a group: registers at the RVP, which answers with the members to seed. */
  register(group: Address): boolean {
    if (!isGroupAddress(group)) return false;
    if (group === BROADCAST || this.sourcing.has(group)) return true;
    this.sourcing.add(group);
    this.tree.ensure(this.me, group);
    this.requests.start(McastOptionType.REGISTER, group);
    this.armRefresh();
    return true;
  }

  /** Stops being a source: tells the RVP and fells the tree (FINAL). */
  withdraw(group: Address): boolean {
    if (!this.sourcing.delete(group)) return false;
    this.knownMembers.delete(group);
    this.requests.start(McastOptionType.WITHDRAW, group);
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
    this.requests.checkInvariants();
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
      if (!local && sender === e.upstream && !e.attached) this.attach(e, 'data');
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
    if (!local && !e.attached) this.attach(e, 'data'); // data came down the chain: it reaches the root
    if (!local && this.joined.has(packet.dst)) this.deliver(packet);
    this.copyTo(packet, [...e.downstream], sender);
  }

  onNeighborLost(neighbor: Address): void {
    if (this.stopped) return;
    this.refreshIfRvp(neighbor);
    this.tree.forgetNeighbor(neighbor);
    for (const e of [...this.tree.values()]) {
      const hadDown = e.downstream.delete(neighbor);
      if (e.upstream === neighbor) {
        this.detach(e);
        this.fellBelow(e, 0, 'upstream lost');
        if (this.needsTree(e)) this.branchUp(e, 'upstream lost');
        else this.tree.delete(e.root, e.group);
      } else if (hadDown) {
        this.pruneIfUnneeded(e, 'downstream lost');
      }
    }
    this.scheduleCheck();
  }

  onVsetChange(added: Address[] = [], removed: Address[] = []): void {
    if (this.stopped) return;
    for (const r of removed) this.refreshIfRvp(r);
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
    this.refreshTimer?.cancel();
    this.requests.clear();
  }

  // ---------------------------------------------------------------- membership

  /** Sends one copy of a request toward the group's RVP (MembershipRequests retries it). */
  private toRvp(type: RequestType, group: Address): void {
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
        // A request targets the group's key; the same type targeting a node is the RVP's echo (the ack).
        if (opt.target !== groupKey(g)) {
          if (opt.target === this.me && this.requests.ack(opt.type, g)) this.rvpOf.set(g, opt.origin);
          return;
        }
        return this.atRvp(opt);
      case McastOptionType.MEMBERS: {
        if (opt.target !== this.me || !this.sourcing.has(g)) return;
        // The answer to this source's REGISTER (it was pending) seeds every member not yet seeded; a notice of a
        // newcomer only records it: the newcomer branches itself.
        const answer = this.requests.ack(McastOptionType.REGISTER, g);
        this.rvpOf.set(g, opt.origin);
        let known = this.knownMembers.get(g);
        if (!known) this.knownMembers.set(g, (known = new Set()));
        for (const m of opt.members) {
          if (m === this.me) continue;
          if (answer && !known.has(m)) this.seed(g, m);
          known.add(m);
        }
        if (opt.members.includes(this.me)) this.learnSource(g, this.me);
        return;
      }
      case McastOptionType.SOURCES:
        if (opt.target !== this.me || !this.joined.has(g)) return;
        // Any SOURCES proves the RVP lists this member (a seed's hint too: the source seeded it from the RVP's
        // list): it acknowledges a pending JOIN. A hint speaks for the source it lists, not for the RVP.
        this.requests.ack(McastOptionType.JOIN, g);
        if (!opt.sources.includes(opt.origin)) this.rvpOf.set(g, opt.origin);
        for (const src of opt.sources) this.learnSource(g, src);
        return;
      case McastOptionType.REPLICATE: {
        const owner = this.s.nextHop(groupKey(g)).kind === 'local';
        const before = this.rvp.get(g);
        if (opt.target === groupKey(g) && before) {
          // A hand-off from a node that believed it owned the group (two sides of a healed partition, or a
          // refresh that reached a node before the ring settled): keep both records' parties.
          opt = {
            ...opt,
            sources: union(before.sources, opt.sources),
            members: union(before.members, opt.members),
          };
        }
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

  /**
   * The RVP handles a membership request: update the record, answer (the requester's end-to-end ack), tell the
   * other parties of a newcomer, replicate what changed. A repeated request (a retry, a refresh) is answered again
   * but changes nothing and tells nobody.
   */
  private atRvp(opt: McastMembershipOption): void {
    const g = opt.group;
    const rec = this.rvp.ensure(g, 'owner');
    if (rec.role !== 'owner') {
      rec.role = 'owner';
      this.s.emit({ type: 'mcast-rvp', group: g, role: 'owner', why: 'request reached me' });
    }
    const who = opt.origin;
    let changed = false;
    switch (opt.type) {
      case McastOptionType.REGISTER:
        changed = !rec.sources.has(who);
        rec.sources.add(who);
        this.toNode(McastOptionType.MEMBERS, who, g, [], [...rec.members]);
        if (changed) this.tellMembersLater(g, who, [...rec.members]);
        break;
      case McastOptionType.WITHDRAW:
        changed = rec.sources.delete(who);
        this.toNode(McastOptionType.WITHDRAW, who, g, [], []);
        break;
      case McastOptionType.JOIN:
        changed = !rec.members.has(who);
        rec.members.add(who);
        this.toNode(McastOptionType.SOURCES, who, g, [...rec.sources], []);
        if (changed)
          for (const src of rec.sources)
            if (src !== who) this.toNode(McastOptionType.MEMBERS, src, g, [], [who]);
        break;
      case McastOptionType.LEAVE:
        changed = rec.members.delete(who);
        this.toNode(McastOptionType.LEAVE, who, g, [], []);
        break;
    }
    if (changed) this.replicate(g);
  }

  /**
   * Tells the members of a new source's group about it, seedWaitMs after the source was answered: its seeds have
   * had time to reach them, so the notice only makes the members it missed branch (the others are on the tree).
   */
  private tellMembersLater(group: Address, source: Address, members: Address[]): void {
    this.s.setTimer(this.opts.seedWaitMs, () => {
      const rec = this.rvp.get(group);
      if (this.stopped || !rec || rec.role !== 'owner' || !rec.sources.has(source)) return;
      for (const m of members)
        if (m !== source && rec.members.has(m)) this.toNode(McastOptionType.SOURCES, m, group, [source], []);
    });
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

  /** Arms the soft-refresh timer (once per node, while it sources or joins any group). */
  private armRefresh(): void {
    if (this.refreshTimer || this.stopped) return;
    const wait = this.opts.refreshMs * (0.75 + 0.5 * this.s.rng.next());
    this.refreshTimer = this.s.setTimer(wait, () => {
      this.refreshTimer = null;
      if (this.stopped || (this.sourcing.size === 0 && this.joined.size === 0)) return;
      for (const g of new Set([...this.sourcing, ...this.joined])) this.refreshGroup(g);
      this.armRefresh();
    });
  }

  /** Re-sends this node's REGISTER and JOIN for a group (unless one is pending), so a new RVP rebuilds it. */
  private refreshGroup(group: Address): void {
    if (this.stopped) return;
    if (this.sourcing.has(group) && this.requests.pendingType(group, 'source') === undefined) {
      this.s.count('mcast.refresh');
      this.requests.start(McastOptionType.REGISTER, group);
    }
    if (this.joined.has(group) && this.requests.pendingType(group, 'member') === undefined) {
      this.s.count('mcast.refresh');
      this.requests.start(McastOptionType.JOIN, group);
    }
  }

  /** The node lost `lost` as a neighbour or virtual neighbour: refresh the groups whose RVP it was, soon. */
  private refreshIfRvp(lost: Address): void {
    for (const [g, rvp] of [...this.rvpOf]) {
      if (rvp !== lost) continue;
      this.rvpOf.delete(g);
      // After a hello period, with jitter: routes toward the group key have had time to settle.
      const wait = this.s.config.helloMs * (1 + this.s.rng.next());
      this.s.setTimer(wait, () => this.refreshGroup(g));
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
    if (type === McastOptionType.BRANCH || type === McastOptionType.PRUNE)
      this.tree.noteChildMessage(e.root, e.group, neighbor, type === McastOptionType.BRANCH);
    this.s.sendToNeighbor(neighbor, { type, flags, hopCount, seq, root: e.root, group: e.group, target });
  }

  /** Whether this node is the root of the tree. */
  private isRoot(e: TreeEntry): boolean {
    return e.group === BROADCAST ? this.s.nextHop(e.root).kind === 'local' : e.root === this.me;
  }

  /** Whether this node's upstream chain is known to reach the root (or it is the root). */
  private isAttached(e: TreeEntry): boolean {
    return e.attached || this.isRoot(e);
  }

  /** Clears the upstream (and with it the attachment and any pending branch). */
  private detach(e: TreeEntry): void {
    e.upstream = null;
    e.attached = false;
    this.pendingBranch.delete(treeKey(e.root, e.group));
  }

  /**
   * The node learned that its upstream chain reaches the root (or became the root): its pending branch is done, and
   * every downstream hears it (ATTACHED), so a chain of pending relays is confirmed from the top down.
   */
  private attach(e: TreeEntry, why: string): void {
    if (e.attached || (e.upstream === null && !this.isRoot(e))) return;
    if (e.upstream !== null) e.attached = true;
    const k = treeKey(e.root, e.group);
    this.pendingBranch.delete(k);
    this.refusals.delete(k);
    for (const d of e.downstream) this.sendTree(d, McastOptionType.ATTACHED, e);
    this.emitTree(e, why);
  }

  /**
   * A branch that was never confirmed within attachTimeoutMs is given up: the node hangs below a chain that does not
   * reach the root. That happens when transient routes close a cycle of pending relays (each stopped the next one's
   * BRANCH; none is connected): nobody in it is detached, so without this nobody would ever branch again. The node
   * leaves its upstream (PRUNE), detaches its subtree (FELL) and, if it still needs the tree, branches again after
   * the refusal backoff. In a cycle every node does this; the first FELL already sweeps the others.
   */
  private giveUpBranch(root: Address, group: Address, token: number): void {
    const k = treeKey(root, group);
    const e = this.tree.get(root, group);
    if (this.stopped || this.pendingBranch.get(k) !== token) return;
    this.pendingBranch.delete(k);
    if (!e || e.attached || e.upstream === null || this.isRoot(e)) return;
    this.s.count('mcast.branch.unattached');
    this.sendTree(e.upstream, McastOptionType.PRUNE, e);
    this.detach(e);
    this.fellBelow(e, 0, 'never attached');
    if (this.needsTree(e)) this.branchLater(e, 'never attached');
    else this.tree.delete(root, group);
  }

  /** Branches again after the refusal backoff (doubling per consecutive refusal, at most a hello period). */
  private branchLater(e: TreeEntry, why: string): void {
    const { root, group } = e;
    const k = treeKey(root, group);
    const tries = (this.refusals.get(k) ?? 0) + 1;
    this.refusals.set(k, tries);
    const delay = Math.min(this.s.config.helloMs, this.opts.settleMs * 2 ** (tries - 1));
    this.s.setTimer(delay, () => {
      const cur = this.tree.get(root, group);
      if (!this.stopped && cur && this.needsTree(cur)) this.branchUp(cur, why);
    });
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

  /**
   * A detached node gets on the tree: BRANCH toward the root along the current route. `origin` is the member
   * whose branch this continues (a relay passes its downstream's on; BRANCH's Target), so a chain of relays that
   * comes back to itself over a transient routing loop is recognised (onBranch).
   */
  private branchUp(e: TreeEntry, why: string, origin: Address = this.me): void {
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
    e.attached = false;
    const k = treeKey(e.root, e.group);
    const token = ++this.branchTokens;
    this.pendingBranch.set(k, token);
    this.s.setTimer(this.opts.attachTimeoutMs, () => this.giveUpBranch(e.root, e.group, token));
    this.lastBranch.set(k, { origin, at: this.s.now() });
    this.sendTree(hop.via, McastOptionType.BRANCH, e, 0, origin);
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

  /** The source seeds its tree toward a member. */
  private seed(group: Address, member: Address): void {
    const e = this.tree.ensure(this.me, group);
    if (this.seedOn(e, member, 0)) this.s.count('mcast.seed');
  }

  /** Passes a SEED one hop on toward member from tree e, installing that hop as a downstream; false if it cannot. */
  private seedOn(e: TreeEntry, member: Address, hopCount: number): boolean {
    const hop = this.s.nextHop(member);
    if (hop.kind !== 'forward' || hop.via === e.upstream || hopCount > this.s.config.hopLimit) {
      // No route, or the route runs back up the tree (the source's routes to two members cross here, or routes
      // are settling): the seed ends here; the caller hints the member, which branches itself.
      this.s.count('mcast.seed.stopped');
      return false;
    }
    if (!e.downstream.has(hop.via)) {
      e.downstream.add(hop.via);
      this.emitTree(e, 'seed');
    }
    this.sendTree(
      hop.via,
      McastOptionType.SEED,
      e,
      this.isAttached(e) ? MCAST_FLAG_ATTACHED : 0,
      member,
      hopCount,
    );
    return true;
  }

  /**
   * A seed that cannot go on from here (VRR's route from this node toward the member runs back up the tree: the
   * source's routes to different members cross) tells the member of its source instead, on the source's behalf
   * (SOURCES, Origin = the source): the member branches at once rather than on the RVP's later notice.
   */
  private hintMember(opt: McastTreeOption): void {
    this.s.count('mcast.seed.hint');
    this.routeMembership({
      type: McastOptionType.SOURCES,
      hopCount: 0,
      hopLimit: this.s.config.hopLimit,
      target: opt.target,
      group: opt.group,
      origin: opt.root,
      sources: [opt.root],
      members: [],
    });
  }

  /** A SEED from `from` (which now lists this node downstream): hang below it and pass the seed on. */
  private onSeed(opt: McastTreeOption, from: Address): void {
    const { root, group } = opt;
    const forMe = opt.target === this.me;
    let e = this.tree.get(root, group);
    const onTree =
      group === BROADCAST ||
      root === this.me ||
      (e !== undefined && e.upstream !== from && (e.upstream !== null || e.downstream.size > 0));
    if (onTree) {
      // Already on the tree through another upstream (or the root, or a fragment below a pending branch): one
      // upstream per tree, so `from` loses its new downstream; the seed goes on from here if this node is attached.
      this.sendTree(from, McastOptionType.PRUNE, opt);
      this.s.count('mcast.seed.refused');
      if (!e || group === BROADCAST) return;
      if (e.upstream === null && root !== this.me) {
        // A detached fragment is no seeding point (it is not connected to the root); it looks for the root itself.
        this.branchUp(e, 'seed refused');
        return;
      }
      if (forMe) this.learnSource(group, root);
      else if (!this.seedOn(e, opt.target, opt.hopCount + 1)) this.hintMember(opt);
      return;
    }
    if (forMe && !this.joined.has(group) && (!e || e.downstream.size === 0)) {
      // The member left meanwhile: nothing here wants the tree.
      if (e?.upstream === from) return this.pruneIfUnneeded(e, 'seed for a non-member');
      if (e) this.tree.delete(root, group);
      this.sendTree(from, McastOptionType.PRUNE, opt);
      return;
    }
    e = this.tree.ensure(root, group);
    if (e.upstream !== from) {
      this.detach(e);
      e.upstream = from;
      // The last thing this node told `from` was a PRUNE, which may have crossed this SEED: confirm the attachment
      // (in order after the PRUNE at `from`, so `from` ends up listing this node whichever way they crossed).
      if (this.tree.lastChildMessage(root, group, from) === false)
        this.sendTree(from, McastOptionType.BRANCH, e, 0, this.me);
      this.emitTree(e, 'seeded');
    }
    if (opt.flags & MCAST_FLAG_ATTACHED) this.attach(e, 'seeded attached');
    if (forMe) this.learnSource(group, root);
    else if (!this.seedOn(e, opt.target, opt.hopCount + 1)) {
      this.hintMember(opt);
      this.pruneIfUnneeded(e, 'seed stopped');
    }
  }

  private onTree(opt: McastTreeOption, sender: Address): void {
    if (!this.tree.accept(opt.root, opt.group, sender, opt.seq)) {
      this.s.count('mcast.stale');
      return;
    }
    switch (opt.type) {
      case McastOptionType.SEED:
        return this.onSeed(opt, sender);
      case McastOptionType.BRANCH:
        return this.onBranch(opt, sender);
      case McastOptionType.PRUNE: {
        const e = this.tree.get(opt.root, opt.group);
        if (e && e.downstream.delete(sender)) this.pruneIfUnneeded(e, 'prune');
        return;
      }
      case McastOptionType.ATTACHED: {
        const e = this.tree.get(opt.root, opt.group);
        if (e && e.upstream === sender) this.attach(e, 'attached'); // else: stale, this node moved on
        return;
      }
      case McastOptionType.FELL: {
        const e = this.tree.get(opt.root, opt.group);
        if (!e || e.upstream !== sender) return; // only the upstream may fell
        this.detach(e);
        // The last thing this node told its upstream was a BRANCH, which may have crossed this FELL: take it back
        // (in order after the BRANCH there, so the sender ends up not listing this node whichever way they crossed).
        if (
          !(opt.flags & MCAST_FLAG_FINAL) &&
          this.tree.lastChildMessage(opt.root, opt.group, sender) === true
        )
          this.sendTree(sender, McastOptionType.PRUNE, opt);
        this.fellBelow(e, opt.flags, 'fell');
        if (opt.flags & MCAST_FLAG_FINAL) {
          this.sourcesOf.get(opt.group)?.delete(opt.root);
          this.tree.delete(opt.root, opt.group);
        } else if (this.needsTree(e)) {
          // Let the fell sweep the old subtree before branching through it again; back off while refused.
          this.branchLater(e, 'fell');
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
    const mine = this.lastBranch.get(treeKey(opt.root, opt.group));
    if (
      e.upstream !== null &&
      e.upstream !== sender &&
      mine?.origin === opt.target &&
      this.s.now() - mine.at < this.s.config.helloMs
    ) {
      // The branch this node just passed up came back to it (greedy routes toward the root loop while they
      // repair): accepting it would close a cycle of upstreams. Refuse; the FELL unwinds the chain, this node
      // included, and the member branches again after its backoff, along routes that have settled.
      this.s.count('mcast.branch.loop');
      this.sendTree(sender, McastOptionType.FELL, opt);
      return;
    }
    if (e.upstream === sender) this.detach(e); // the route turned around: sender is downstream now
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
      this.branchUp(e, 'relay', opt.target);
    } else {
      // A node connected to the root confirms the branch at once; a pending one when its own branch is confirmed.
      if (this.isAttached(e)) this.sendTree(sender, McastOptionType.ATTACHED, e);
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
        this.detach(e);
        this.attach(e, 'became root');
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
    // Loop recognition only looks a hello period back: older branch records are dead weight.
    for (const [k, b] of this.lastBranch)
      if (this.s.now() - b.at >= this.s.config.helloMs) this.lastBranch.delete(k);
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

/** The addresses of a set and a list, once each. */
function union(set: ReadonlySet<Address>, list: readonly Address[]): Address[] {
  return [...new Set([...set, ...list])];
}

/** True when a set holds exactly the listed addresses. */
function sameMembers(set: ReadonlySet<Address>, list: readonly Address[]): boolean {
  return set.size === new Set(list).size && list.every((a) => set.has(a));
}
