// Multicast trees (docs/protocol.md, Multicast): the forwarding table of one node and the tree messages
// that build and repair it.
//
// One tree per (source, group), rooted at the source. Either side starts it, and the newcomer does: a member
// that joins BRANCHes toward the sources its JOIN's answer lists; a source that registers SEEDs toward the
// members its REGISTER's answer lists. BRANCH travels hop by hop along the VRR route toward the root (nextHop),
// each hop recording its sender as a downstream next hop and the hop it sends to as its upstream, and stops at
// the first node already on the tree. SEED travels hop by hop along the route toward its member and installs the
// same state from the other end: the sender records the hop as a downstream, the receiver records the sender as
// its upstream and passes the seed on, until the member. A SEED reaching a node already on the tree through
// another upstream is refused there (PRUNE back to its sender, which forgets the hop) and goes on from that node;
// one that comes back within a hello to a node that passed it on (routes toward the member loop) goes no further.
// The existing members hear of a new source from the RVP only seedWaitMs later, as the fallback for a seed that
// did not get through: a member already on the tree ignores the notice, one still detached branches.
// PRUNE (upward) removes a downstream; a node left without members or downstreams prunes itself. FELL
// (downward) detaches the subtree below a node: receivers drop their upstream and, if they still need the tree
// (members), branch again; FELL with FINAL (the source withdrew) makes them forget the tree.
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
// node carries the ATTACHED flag, and data of a per-source tree from the upstream proves it too (its only origin is
// the root; broadcast data proves nothing, it may have started inside such a cycle: group-data.ts). A branch
// unconfirmed after attachTimeoutMs is given up (PRUNE up, FELL below, branch again after the backoff): a cycle
// dissolves.
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
// Invariants (checkInvariants, and tree-table.ts's; test/unit/vrr/multicast/*.test.ts):
//  - a member whose upstream link fails branches again at once, after detaching its subtree (rebranch.test.ts);
//  - `pendingBranch` holds a token only for a tree whose branch awaits ATTACHED; `lastBranch` and `lastSeed` only
//    branches and seeds sent within the last hello period (older ones are dropped by the check), `lastSeed` at most
//    MAX_MCAST_TREE_RECORDS;
//  - a detached entry (no upstream) is attached to nothing and awaits no ATTACHED;
//  - a tree a message asks for while the table is full (MAX_MCAST_TREES, tree-table.ts) is refused: a BRANCH gets
//    a FELL (not FINAL), a SEED a PRUNE; a member knows at most MAX_GROUP_PARTIES sources of a group (limits.ts);
//  - owned by multicast.ts alone (group-data.ts and rendezvous.ts call in).

import { BROADCAST, type Address } from '../address.ts';
import type { NodeServices } from '../extension.ts';
import {
  MCAST_FLAG_ATTACHED,
  MCAST_FLAG_FINAL,
  McastOptionType,
  type McastTreeOption,
} from '../wire/types.ts';
import { MAX_GROUP_PARTIES, MAX_MCAST_TREE_RECORDS } from '../limits.ts';
import { groupKey } from './membership.ts';
import type { McastState, ResolvedMulticastOptions } from './state.ts';
import { TreeTable, treeKey, type TreeEntry } from './tree-table.ts';

/** A read-only row of the multicast forwarding table. */
export interface TreeView {
  root: Address;
  group: Address;
  upstream: Address | null;
  downstream: Address[];
}

/** The forwarding table of one node and the reactions to tree messages. */
export class Trees {
  readonly tree: TreeTable;
  /** The broadcast tree's root key. */
  readonly bcastRoot = groupKey(BROADCAST);
  /** Consecutive non-final FELLs per tree: the re-branch delay doubles with each (reset by a data packet). */
  readonly refusals = new Map<string, number>();
  /** Per tree, the origin (BRANCH Target) and time of the last BRANCH this node sent up: loop recognition. */
  private readonly lastBranch = new Map<string, { origin: Address; at: number }>();
  /** Per tree and member (`treeKey>member`), when this node last passed a SEED on toward it: loop recognition. */
  private readonly lastSeed = new Map<string, number>();
  /** Per tree with a BRANCH awaiting ATTACHED: the token of that branch (its give-up timer checks it). */
  private readonly pendingBranch = new Map<string, number>();
  private branchTokens = 0;
  private readonly s: NodeServices;
  private readonly me: Address;
  private readonly opts: ResolvedMulticastOptions;
  private readonly joined: Set<Address>;
  private readonly sourcing: Set<Address>;
  private readonly sourcesOf: Map<Address, Set<Address>>;

  constructor(private readonly st: McastState) {
    this.tree = new TreeTable((name) => st.s.count(name));
    this.s = st.s;
    this.me = st.me;
    this.opts = st.opts;
    this.joined = st.joined;
    this.sourcing = st.sourcing;
    this.sourcesOf = st.sourcesOf;
  }

  /** The forwarding table, as copies. */
  views(): TreeView[] {
    return [...this.tree.values()].map((e) => ({
      root: e.root,
      group: e.group,
      upstream: e.upstream,
      downstream: [...e.downstream],
    }));
  }

  /** This node left a group: prune every tree of it this node no longer relays. */
  leave(group: Address): void {
    for (const e of [...this.tree.values()]) if (e.group === group) this.pruneIfUnneeded(e, 'leave');
  }

  /** This node stopped sourcing a group: fell its tree (FINAL) and forget it. */
  withdraw(group: Address): void {
    const e = this.tree.get(this.me, group);
    if (e) this.fellBelow(e, MCAST_FLAG_FINAL, 'withdraw');
    this.tree.delete(this.me, group);
  }

  /** A linked neighbour was lost: its trees' hops go, a tree whose upstream it was is detached and re-branched. */
  onNeighborLost(neighbor: Address): void {
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
  }

  /** The tree part of the check: broadcast tree, detached members, relays cut off (a partition that healed). */
  check(): void {
    if (this.opts.broadcast) {
      const e = this.tree.ensure(this.bcastRoot, BROADCAST);
      if (e === undefined) {
        // The table is full (cap.mcast.trees): the next check tries again.
      } else if (this.isRoot(e) && e.upstream !== null) {
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
        if (e !== undefined && e.upstream === null) this.branchUp(e, 'check');
      }
    }
    // A relay whose branch found no way to the root keeps its downstream and tries again whenever the ring
    // changes. That happens in a partition: the branch stops at the node of this side closest to the root's
    // address, and without this the members below it stay cut off after the partition heals (their own
    // upstream is set, so they never branch again).
    for (const e of [...this.tree.values()]) {
      if (e.group !== BROADCAST && e.upstream === null && e.downstream.size > 0) this.branchUp(e, 'check');
    }
  }

  /** Loop recognition only looks a hello period back: older branch and seed records are dead weight. */
  forgetOldBranches(): void {
    for (const [k, b] of this.lastBranch)
      if (this.s.now() - b.at >= this.s.config.helloMs) this.lastBranch.delete(k);
    for (const [k, at] of this.lastSeed)
      if (this.s.now() - at >= this.s.config.helloMs) this.lastSeed.delete(k);
  }

  /** A member learned a source: remember it and get on its tree. */
  learnSource(group: Address, source: Address): void {
    if (!this.joined.has(group)) return;
    let set = this.sourcesOf.get(group);
    if (!set) this.sourcesOf.set(group, (set = new Set()));
    if (!set.has(source) && set.size >= MAX_GROUP_PARTIES) {
      this.s.count('cap.mcast.parties');
      return;
    }
    set.add(source);
    if (source === this.me) return; // the source's own copies are not delivered back to it
    const e = this.tree.ensure(source, group);
    if (e !== undefined && e.upstream === null) this.branchUp(e, 'learned source');
  }

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
  attach(e: TreeEntry, why: string): void {
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
    if (this.st.stopped || this.pendingBranch.get(k) !== token) return;
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
      if (!this.st.stopped && cur && this.needsTree(cur)) this.branchUp(cur, why);
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
  seed(group: Address, member: Address): void {
    const e = this.tree.ensure(this.me, group);
    if (e !== undefined && this.seedOn(e, member, 0)) this.s.count('mcast.seed');
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
    const seedKey = `${treeKey(e.root, e.group)}>${member}`;
    if (!this.lastSeed.has(seedKey) && this.lastSeed.size >= MAX_MCAST_TREE_RECORDS) {
      // Bounded as the sequence records are (a flood of seeds must not grow it): the oldest is forgotten.
      this.lastSeed.delete(this.lastSeed.keys().next().value as string);
      this.s.count('cap.mcast.records');
    }
    this.lastSeed.set(seedKey, this.s.now());
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
    this.st.rendezvous.routeMembership({
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
    const seededAt = this.lastSeed.get(`${treeKey(root, group)}>${opt.target}`) ?? -Infinity;
    if (e?.upstream !== from && this.s.now() - seededAt < this.s.config.helloMs) {
      // The seed this node just passed on came back to it (routes toward the member loop while they repair). Going
      // on would send it round again, and the hops it installs, each taking the others' ATTACHED flag, can close a
      // cycle of upstreams that all believe they reach the root. Turn it back: the PRUNEs unwind the loop's hops.
      // The member hears of the source from the RVP seedWaitMs later and branches (a hint would loop as well).
      this.sendTree(from, McastOptionType.PRUNE, opt);
      this.s.count('mcast.seed.loop');
      return;
    }
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
    if (e === undefined) {
      // The table is full (counted): `from` forgets its new downstream; the member branches itself later.
      this.sendTree(from, McastOptionType.PRUNE, opt);
      return;
    }
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

  onTree(opt: McastTreeOption, sender: Address): void {
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
    if (e === undefined) {
      // The table is full (counted): refuse without FINAL, the brancher tries again after its backoff.
      this.sendTree(sender, McastOptionType.FELL, opt);
      return;
    }
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
