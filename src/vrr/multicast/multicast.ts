// Multicast: VRR multicast and broadcast (docs/protocol.md, Multicast) as a node extension. This file is
// the extension's face: the API (join, leave, register, withdraw, send), the node's hooks and the checks. The
// tables and their reactions live beside it:
//
//   rendezvous.ts  the RVP's membership records, and the requests every source and member sends to it
//   trees.ts       the forwarding table (tree-table.ts) and the tree messages that build and repair it
//   group-data.ts  group packets copied along the trees, and the shared broadcast tree
//   state.ts       what they share: services, tunables, this node's own memberships
//
// Each group has a rendezvous point (RVP), the node closest to the group's key, which knows its sources and
// members; one tree per (source, group) joins them, built by the members' BRANCHes and the sources' SEEDs, hard
// state repaired when links fail; broadcast uses one shared tree that every node is on.
//
// Invariants (checkInvariants; those of tree-table.ts, requests.ts and the modules above):
//  - options are handled, hooks react and timers fire only until onStop();
//  - a change (a neighbour lost or linked, the vset changed) triggers one check settleMs later; a check also runs
//    every checkMs: the safety net of every repair above.

import { BROADCAST, isGroupAddress, type Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import type { NodeExtension, NodeServices } from '../extension.ts';
import { MCAST_OPTION_CODECS } from '../wire/options/mcast-codecs.ts';
import {
  DataFlag,
  McastOptionType,
  type DataPacket,
  type KnownOption,
  type McastMembershipOption,
  type McastTreeOption,
} from '../wire/types.ts';
import { GroupData } from './group-data.ts';
import { Rendezvous } from './rendezvous.ts';
import { McastState, resolveMulticastOptions, type MulticastOptions } from './state.ts';
import { Trees, type TreeView } from './trees.ts';

export type { MulticastOptions } from './state.ts';
export type { TreeView } from './trees.ts';

const MCAST_TYPES: readonly number[] = Object.values(McastOptionType);
const MEMBERSHIP_TYPES: readonly number[] = [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26];

/** Multicast and broadcast over VRR routes: membership at an RVP, per-source trees, a shared broadcast tree. */
export class Multicast implements NodeExtension {
  readonly optionTypes: readonly number[] = MCAST_TYPES;
  /** Registered by node.attach() in that node's own registry. */
  readonly optionCodecs = MCAST_OPTION_CODECS;
  private readonly st: McastState;
  private readonly trees: Trees;
  private readonly rendezvous: Rendezvous;
  private readonly data: GroupData;
  private checkTimer: TimerHandle | null = null;

  constructor(services: NodeServices, options: MulticastOptions = {}) {
    const st = new McastState(services, resolveMulticastOptions(options, services.config.helloMs));
    this.st = st;
    this.trees = st.trees = new Trees(st);
    this.rendezvous = st.rendezvous = new Rendezvous(st);
    this.data = new GroupData(st);
    this.schedulePeriodic(st.opts.checkMs * (0.5 + 0.5 * services.rng.next()));
  }

  // ---------------------------------------------------------------- API

  /** Joins a group as a member (broadcast: always a member already). */
  join(group: Address): boolean {
    if (!isGroupAddress(group)) return false;
    if (group === BROADCAST || this.st.joined.has(group)) return true;
    this.st.joined.add(group);
    this.rendezvous.requests.start(McastOptionType.JOIN, group);
    this.rendezvous.armRefresh();
    return true;
  }

  /** Leaves a group: tells the RVP, prunes every tree of the group this node no longer relays. */
  leave(group: Address): boolean {
    if (!this.st.joined.delete(group)) return false;
    this.st.sourcesOf.delete(group);
    this.rendezvous.requests.start(McastOptionType.LEAVE, group);
    this.trees.leave(group);
    return true;
  }

  /** Becomes a source of a group: registers at the RVP, which answers with the members to seed (false: table full). */
  register(group: Address): boolean {
    if (!isGroupAddress(group)) return false;
    if (group === BROADCAST || this.st.sourcing.has(group)) return true;
    if (this.trees.tree.ensure(this.st.me, group) === undefined) return false; // the table is full (counted)
    this.st.sourcing.add(group);
    this.rendezvous.requests.start(McastOptionType.REGISTER, group);
    this.rendezvous.armRefresh();
    return true;
  }

  /** Stops being a source: tells the RVP and fells the tree (FINAL). */
  withdraw(group: Address): boolean {
    if (!this.st.sourcing.delete(group)) return false;
    this.rendezvous.knownMembers.delete(group);
    this.rendezvous.requests.start(McastOptionType.WITHDRAW, group);
    this.trees.withdraw(group);
    return true;
  }

  /** Sends a payload to a group (a registered group, or broadcast); false when this node cannot. */
  send(group: Address, payload: Uint8Array, nextHeader = 0): boolean {
    const st = this.st;
    if (st.stopped || !isGroupAddress(group)) return false;
    if (group !== BROADCAST && !st.sourcing.has(group)) return false;
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: st.s.config.hopLimit,
      dataFlags: DataFlag.GROUP,
      nextHeader,
      src: st.me,
      dst: group,
      payload,
    };
    this.onGroupData(packet, st.me);
    return true;
  }

  /** Groups this node is a member of (broadcast excluded) and sources. */
  groups(): { member: Address[]; source: Address[] } {
    return { member: [...this.st.joined], source: [...this.st.sourcing] };
  }

  /** The multicast forwarding table (copies). */
  table(): TreeView[] {
    return this.trees.views();
  }

  /** Membership held here as RVP ('owner') or replica (copies). */
  rvpRecords(): { group: Address; role: 'owner' | 'replica'; sources: Address[]; members: Address[] }[] {
    return [...this.rendezvous.rvp.values()].map((r) => ({
      group: r.group,
      role: r.role,
      sources: [...r.sources],
      members: [...r.members],
    }));
  }

  /** Throws when the forwarding table breaks an invariant (tests). */
  checkInvariants(): void {
    this.trees.tree.checkInvariants(this.st.me);
    this.rendezvous.requests.checkInvariants();
  }

  // ---------------------------------------------------------------- NodeExtension hooks

  onOption(option: KnownOption, sender: Address): void {
    if (this.st.stopped || !MCAST_TYPES.includes(option.type as number)) return;
    if (MEMBERSHIP_TYPES.includes(option.type as number))
      this.rendezvous.routeMembership(option as McastMembershipOption);
    else this.trees.onTree(option as McastTreeOption, sender);
  }

  onGroupData(packet: DataPacket, sender: Address): void {
    if (this.st.stopped) return;
    this.data.onGroupData(packet, sender);
  }

  onNeighborLost(neighbor: Address): void {
    if (this.st.stopped) return;
    this.rendezvous.refreshIfRvp(neighbor);
    this.trees.onNeighborLost(neighbor);
    this.scheduleCheck();
  }

  onVsetChange(added: Address[] = [], removed: Address[] = []): void {
    if (this.st.stopped) return;
    for (const r of removed) this.rendezvous.refreshIfRvp(r);
    this.rendezvous.replicateOwned(added);
    this.scheduleCheck();
  }

  onNeighborLinked(): void {
    this.scheduleCheck();
  }

  tableSizes(): Record<string, number> {
    let parties = 0;
    for (const r of this.rendezvous.rvp.values()) parties = Math.max(parties, r.sources.size, r.members.size);
    for (const set of [...this.st.sourcesOf.values(), ...this.rendezvous.knownMembers.values()])
      parties = Math.max(parties, set.size);
    return {
      mcastTrees: this.trees.tree.size,
      mcastTreeRecords: this.trees.tree.records,
      rvpGroups: this.rendezvous.rvp.size,
      mcastPartiesOfOneGroup: parties,
    };
  }

  onStop(): void {
    this.st.stopped = true;
    this.checkTimer?.cancel();
    this.rendezvous.stop();
  }

  // ---------------------------------------------------------------- checks

  private scheduleCheck(): void {
    if (this.st.stopped) return;
    this.st.s.setTimer(this.st.opts.settleMs, () => this.check());
  }

  private schedulePeriodic(ms: number): void {
    this.checkTimer = this.st.s.setTimer(ms, () => {
      this.check();
      this.schedulePeriodic(this.st.opts.checkMs);
    });
  }

  /** Safety net and triggered re-check: broadcast tree, detached members, RVP roles. */
  private check(): void {
    if (this.st.stopped || !this.st.s.isActive()) return;
    this.trees.check();
    this.rendezvous.reconcileRvp();
    this.trees.forgetOldBranches();
  }
}
