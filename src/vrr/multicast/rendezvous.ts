// The rendezvous side of multicast (docs/protocol.md, Multicast): the membership records a group's RVP holds, and the
// requests every source and member sends it.
//
// Each group G has a rendezvous point (RVP): the node closest to groupKey(G) (the DHT's hash), which holds the
// group's sources and members and copies them (MCAST_REPLICATE) to its virtual neighbours, so that the
// next-closest node (one of them) holds them when the RVP fails. REGISTER/WITHDRAW (source) and JOIN/LEAVE
// (member) are routed hop by hop toward groupKey(G); the RVP answers a REGISTER with MEMBERS and a JOIN with
// SOURCES, echoes a WITHDRAW or LEAVE back to its origin, and tells the existing parties about the newcomer
// (MEMBERS to every source at once; SOURCES to every member after seedWaitMs, see trees.ts). The answer is the
// end-to-end ack: unanswered requests are retried (requests.ts). A record can still be lost with every copy (the
// RVP and all its replicas fail together, or a partition leaves a side without one): every source and member
// re-sends its REGISTER or JOIN every refreshMs (soft refresh of the hard state), and at once when it loses the
// RVP as a neighbour or virtual neighbour, so a new RVP rebuilds the record within one refresh period. An RVP
// that hands a record on to a closer node merges it into what that node holds (two sides of a healed partition
// may both have built one), and so does an owner that gets a copy not made from its current record.
//
// Invariants (test/unit/vrr/multicast/refresh.test.ts, requests.test.ts, sim-recovery.test.ts; membership.ts and
// requests.ts state those of the tables themselves):
//  - a record is 'owner' only at a node that was the closest to the group's key it knew when it last looked
//    (a request reached it, or reconcileRvp ran); an owner replicates every change to its virtual neighbours;
//  - an owner's record loses a party only to a WITHDRAW or LEAVE handled here, or to a copy made from its
//    current version by a node that had merged it (onReplicate): never to an older copy; copies are passed on only
//    when they changed the record, so two would-be owners stop copying (test/unit/vrr/multicast/rvp.test.ts);
//  - `rvpOf` names, per group this node sources or joined, the node whose answer it last had;
//  - `knownMembers` has an entry only for a group this node sources;
//  - at most one soft-refresh timer is armed, only while this node sources or joins a group;
//  - a request for a group the RVP has no room for, or from a party its record has no room for, goes unanswered
//    (membership.ts's caps); a source knows at most MAX_GROUP_PARTIES members of a group (limits.ts);
//  - owned by multicast.ts alone (trees.ts sends through routeMembership).

import type { Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import type { NodeServices } from '../extension.ts';
import { MCAST_MAX_LISTED } from '../wire/options/mcast-membership.ts';
import { McastOptionType, type McastMembershipOption } from '../wire/types.ts';
import { MAX_GROUP_PARTIES } from '../limits.ts';
import { groupKey, MembershipStore, nextVersion, type GroupRecord } from './membership.ts';
import { MembershipRequests, type RequestType } from './requests.ts';
import type { McastState, ResolvedMulticastOptions } from './state.ts';

/** The membership records held here (as RVP or replica) and the membership requests this node makes. */
export class Rendezvous {
  readonly rvp: MembershipStore;
  readonly requests: MembershipRequests;
  /** Source side: the members of each sourced group already seeded or told of (a refresh seeds only new ones). */
  readonly knownMembers = new Map<Address, Set<Address>>();
  /** The RVP that last answered for each group (losing it as a neighbour triggers a refresh). */
  private readonly rvpOf = new Map<Address, Address>();
  private refreshTimer: TimerHandle | null = null;
  private readonly s: NodeServices;
  private readonly me: Address;
  private readonly opts: ResolvedMulticastOptions;
  private readonly joined: Set<Address>;
  private readonly sourcing: Set<Address>;

  constructor(private readonly st: McastState) {
    this.rvp = new MembershipStore((name) => st.s.count(name));
    this.s = st.s;
    this.me = st.me;
    this.opts = st.opts;
    this.joined = st.joined;
    this.sourcing = st.sourcing;
    this.requests = new MembershipRequests(
      st.s,
      { timeoutMs: this.opts.requestTimeoutMs, attempts: this.opts.requestAttempts },
      (type, group) => this.toRvp(type, group),
    );
  }

  /** New virtual neighbours get a copy of every record this node owns. */
  replicateOwned(added: Address[]): void {
    for (const rec of this.rvp.values())
      if (rec.role === 'owner' && added.length > 0) this.replicate(rec.group, added);
  }

  /** Cancels the refresh and every pending request (the node stopped). */
  stop(): void {
    this.refreshTimer?.cancel();
    this.requests.clear();
  }

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
  routeMembership(opt: McastMembershipOption): void {
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
          if (m === this.me || known.has(m)) continue;
          if (known.size >= MAX_GROUP_PARTIES) {
            this.s.count('cap.mcast.parties');
            break;
          }
          if (answer) this.st.trees.seed(g, m);
          known.add(m);
        }
        if (opt.members.includes(this.me)) this.st.trees.learnSource(g, this.me);
        return;
      }
      case McastOptionType.SOURCES:
        if (opt.target !== this.me || !this.joined.has(g)) return;
        // Any SOURCES proves the RVP lists this member (a seed's hint too: the source seeded it from the RVP's
        // list): it acknowledges a pending JOIN. A hint speaks for the source it lists, not for the RVP.
        this.requests.ack(McastOptionType.JOIN, g);
        if (!opt.sources.includes(opt.origin)) this.rvpOf.set(g, opt.origin);
        for (const src of opt.sources) this.st.trees.learnSource(g, src);
        return;
      case McastOptionType.REPLICATE:
        return this.onReplicate(opt);
    }
  }

  /**
   * A copy of a group's record arrived: from an owner (to each of its virtual neighbours), or handed on toward the
   * key. A replica takes the owner's copy as it is. A record this node owns, or holds where a hand-off ends, is
   * merged with the copy (the parties of both, so no copy, older or not, makes it forget a party) unless the copy
   * is the newer of the two: its sender had received this very version of the record (the copy's Seen is the
   * version held here) and merged it, so only a WITHDRAW or LEAVE handled there can make them differ, and the copy
   * is taken as it is. Why this ends: a copy is passed on only when it changed the record; between two requests
   * a merge only adds parties, and a copy taken as it is holds every party of the version it replaces, so every
   * change adds a party among the finitely many listed and the copies stop (two owners that each handled a
   * request in the same instant swap two copies each). A list cut to its half of the option may be partial: merged.
   */
  private onReplicate(opt: McastMembershipOption): void {
    const g = opt.group;
    const role = this.s.nextHop(groupKey(g)).kind === 'local' ? 'owner' : 'replica';
    const before = this.rvp.get(g);
    const cut = MCAST_MAX_LISTED >> 1;
    const merge =
      before !== undefined &&
      (opt.target === groupKey(g) ||
        (before.role === 'owner' &&
          ((opt.seen ?? 0) !== before.version || opt.sources.length >= cut || opt.members.length >= cut)));
    const sources = merge ? union(before.sources, opt.sources) : opt.sources;
    const members = merge ? union(before.members, opt.members) : opt.members;
    const changed = !before || !sameMembers(before.sources, sources) || !sameMembers(before.members, members);
    const wasOwner = before?.role === 'owner';
    const rec = this.rvp.replace(g, sources, members, role);
    if (rec === undefined) return;
    if (changed) rec.version = nextVersion(rec.version);
    noteHeard(rec, opt.origin, opt.version ?? 0);
    this.s.emit({ type: 'mcast-rvp', group: g, role, why: 'replicate' });
    // Re-replicate only what is new here: while the ring settles two nodes may both believe they own the
    // group, and unconditional re-replication would bounce the record between them forever.
    if (role === 'owner' && (changed || !wasOwner)) this.replicate(g);
    // An owner that is no longer the closest keeps the parties the copy lacked and hands them on to the node
    // that is (reconcileRvp would not: the record is a replica now).
    else if (
      role === 'replica' &&
      wasOwner &&
      merge &&
      !(sameMembers(rec.sources, opt.sources) && sameMembers(rec.members, opt.members))
    )
      this.handOff(rec);
  }

  /**
   * The RVP handles a membership request: update the record, answer (the requester's end-to-end ack), tell the
   * other parties of a newcomer, replicate what changed. A repeated request (a retry, a refresh) is answered again
   * but changes nothing and tells nobody.
   */
  private atRvp(opt: McastMembershipOption): void {
    const g = opt.group;
    const rec = this.rvp.ensure(g, 'owner');
    if (rec === undefined) return; // full (counted): unanswered, the requester retries and refreshes later
    if (rec.role !== 'owner') {
      rec.role = 'owner';
      this.s.emit({ type: 'mcast-rvp', group: g, role: 'owner', why: 'request reached me' });
    }
    const who = opt.origin;
    let changed = false;
    switch (opt.type) {
      case McastOptionType.REGISTER:
        changed = !rec.sources.has(who);
        if (!this.rvp.add(rec.sources, who)) return; // full (counted): unanswered
        this.toNode(McastOptionType.MEMBERS, who, g, [], [...rec.members]);
        if (changed) this.tellMembersLater(g, who, [...rec.members]);
        break;
      case McastOptionType.WITHDRAW:
        changed = rec.sources.delete(who);
        this.toNode(McastOptionType.WITHDRAW, who, g, [], []);
        break;
      case McastOptionType.JOIN:
        changed = !rec.members.has(who);
        if (!this.rvp.add(rec.members, who)) return; // full (counted): unanswered
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
    if (changed) {
      rec.version = nextVersion(rec.version);
      this.replicate(g);
    }
  }

  /**
   * Tells the members of a new source's group about it, seedWaitMs after the source was answered: its seeds have
   * had time to reach them, so the notice only makes the members it missed branch (the others are on the tree).
   */
  private tellMembersLater(group: Address, source: Address, members: Address[]): void {
    this.s.setTimer(this.opts.seedWaitMs, () => {
      const rec = this.rvp.get(group);
      if (this.st.stopped || !rec || rec.role !== 'owner' || !rec.sources.has(source)) return;
      for (const m of members)
        if (m !== source && rec.members.has(m)) this.toNode(McastOptionType.SOURCES, m, group, [source], []);
    });
  }

  /** The owner copies a group's record to each of its virtual neighbours (or to `to` only). */
  replicate(group: Address, to: Address[] = this.s.vsetMembers()): void {
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
        version: rec.version,
        seen: rec.heard.get(v) ?? 0,
      });
    }
  }

  /** Re-checks RVP roles: a replica that became closest takes over; an owner that is not hands its copy on. */
  reconcileRvp(): void {
    for (const rec of this.rvp.values()) {
      const local = this.s.nextHop(groupKey(rec.group)).kind === 'local';
      if (local && rec.role === 'replica') {
        rec.role = 'owner';
        this.s.emit({ type: 'mcast-rvp', group: rec.group, role: 'owner', why: 'took over' });
        this.replicate(rec.group);
      } else if (!local && rec.role === 'owner') {
        rec.role = 'replica';
        this.s.emit({ type: 'mcast-rvp', group: rec.group, role: 'replica', why: 'handed off' });
        this.handOff(rec);
      }
    }
  }

  /** Sends a copy of a record toward its group's key: the closest node merges it into its own. */
  private handOff(rec: GroupRecord): void {
    this.routeMembership({
      type: McastOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: this.s.config.hopLimit,
      target: groupKey(rec.group),
      group: rec.group,
      origin: this.me,
      sources: [...rec.sources].slice(0, MCAST_MAX_LISTED >> 1),
      members: [...rec.members].slice(0, MCAST_MAX_LISTED >> 1),
      version: rec.version,
      seen: 0,
    });
  }

  /** Arms the soft-refresh timer (once per node, while it sources or joins any group). */
  armRefresh(): void {
    if (this.refreshTimer || this.st.stopped) return;
    const wait = this.opts.refreshMs * (0.75 + 0.5 * this.s.rng.next());
    this.refreshTimer = this.s.setTimer(wait, () => {
      this.refreshTimer = null;
      if (this.st.stopped || (this.sourcing.size === 0 && this.joined.size === 0)) return;
      for (const g of new Set([...this.sourcing, ...this.joined])) this.refreshGroup(g);
      this.armRefresh();
    });
  }

  /** Re-sends this node's REGISTER and JOIN for a group (unless one is pending), so a new RVP rebuilds it. */
  private refreshGroup(group: Address): void {
    if (this.st.stopped) return;
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
  refreshIfRvp(lost: Address): void {
    for (const [g, rvp] of [...this.rvpOf]) {
      if (rvp !== lost) continue;
      this.rvpOf.delete(g);
      // After a hello period, with jitter: routes toward the group key have had time to settle.
      const wait = this.s.config.helloMs * (1 + this.s.rng.next());
      this.s.setTimer(wait, () => this.refreshGroup(g));
    }
  }
}

/** Nodes whose last copy of a record is remembered (an owner sends copies only to its few virtual neighbours). */
const MAX_HEARD = 16;

/** Remembers the version of the copy `from` sent last, forgetting the node heard from longest ago past MAX_HEARD. */
function noteHeard(rec: GroupRecord, from: Address, version: number): void {
  rec.heard.delete(from);
  rec.heard.set(from, version);
  if (rec.heard.size > MAX_HEARD) rec.heard.delete(rec.heard.keys().next().value!);
}

/** The addresses of a set and a list, once each. */
function union(set: ReadonlySet<Address>, list: readonly Address[]): Address[] {
  return [...new Set([...set, ...list])];
}

/** True when a set holds exactly the listed addresses. */
function sameMembers(set: ReadonlySet<Address>, list: readonly Address[]): boolean {
  return set.size === new Set(list).size && list.every((a) => set.has(a));
}
