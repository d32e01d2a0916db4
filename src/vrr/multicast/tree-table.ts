// The multicast forwarding table: per (root, group) tree, the upstream neighbour and the downstream next hops.
// The root is the source's address (a per-source tree) or, for broadcast, the group's key hash.
// Invariants (checked by checkInvariants, tested):
//  - an entry's upstream is never one of its downstreams, and never this node;
//  - this node is never a downstream;
//  - at most one entry per (root, group) key;
//  - an attached entry has an upstream (the root's own entry is never marked: it is attached by being the root).
// Tree sequence numbers live beside the entries (they outlive them: a late message for a deleted entry must
// still be recognised as old): per (key, neighbour), the last sequence sent and the last applied. Beside them,
// per (key, neighbour), what this node last told that neighbour as its child (BRANCH = "I hang below you",
// PRUNE = "I do not"): a SEED or FELL from the neighbour that contradicts it may have crossed it on the link,
// and the child re-asserts its current view (trees.ts, "Races").
// Caps (limits.ts, tested in tables.test.ts): at most MAX_MCAST_TREES entries (ensure() refuses a new one when full,
// counted as cap.mcast.trees: trees.ts turns the message that asked for it back); at most MAX_MCAST_TREE_RECORDS
// sequence and child records in each of their maps (the oldest is forgotten, counted as cap.mcast.records).

import type { Address } from '../address.ts';
import { MAX_MCAST_TREE_RECORDS, MAX_MCAST_TREES } from '../limits.ts';

/** One (root, group) tree as this node sees it. */
export interface TreeEntry {
  readonly root: Address;
  readonly group: Address;
  /** Where packets of this tree come from; null at the root or while detached. */
  upstream: Address | null;
  /**
   * The upstream chain is known to reach the root (an ATTACHED, a SEED flagged so, or data came down it). False
   * while a BRANCH is pending: such a node may hang below a chain that loops back to itself (trees.ts).
   */
  attached: boolean;
  /** Neighbours packets are copied to. */
  readonly downstream: Set<Address>;
}

/** The Map key of a (root, group) tree. */
export function treeKey(root: Address, group: Address): string {
  return `${root}/${group}`;
}

/** Per (root, group): upstream and downstream next hops, plus per-neighbour tree-message sequence numbers. */
export class TreeTable {
  private readonly entries = new Map<string, TreeEntry>();
  private readonly sent = new Map<string, number>();
  private readonly applied = new Map<string, number>();
  private readonly childSaid = new Map<string, boolean>();

  constructor(
    /** Counts a refusal or an eviction (cap.mcast.trees, cap.mcast.records). */
    private readonly count: (name: string) => void = () => {},
    private readonly caps = { trees: MAX_MCAST_TREES, records: MAX_MCAST_TREE_RECORDS },
  ) {}

  get(root: Address, group: Address): TreeEntry | undefined {
    return this.entries.get(treeKey(root, group));
  }

  /** The entry for (root, group), created empty (detached, no downstream) when absent; undefined when full. */
  ensure(root: Address, group: Address): TreeEntry | undefined {
    const k = treeKey(root, group);
    let e = this.entries.get(k);
    if (!e) {
      if (this.entries.size >= this.caps.trees) {
        this.count('cap.mcast.trees');
        return undefined;
      }
      e = { root, group, upstream: null, attached: false, downstream: new Set() };
      this.entries.set(k, e);
    }
    return e;
  }

  delete(root: Address, group: Address): void {
    this.entries.delete(treeKey(root, group));
  }

  values(): IterableIterator<TreeEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The next sequence number to put on a tree message for (root, group) sent to neighbour. */
  nextSeq(root: Address, group: Address, neighbor: Address): number {
    const k = `${treeKey(root, group)}>${neighbor}`;
    const s = ((this.sent.get(k) ?? 0) % 0xffffffff) + 1;
    this.record(this.sent, k, s);
    return s;
  }

  /** Accepts a tree message from neighbour when its seq is newer than the last applied one (and records it). */
  accept(root: Address, group: Address, neighbor: Address, seq: number): boolean {
    const k = `${treeKey(root, group)}<${neighbor}`;
    if (seq <= (this.applied.get(k) ?? 0)) return false;
    this.record(this.applied, k, seq);
    return true;
  }

  /** Records that this node last told neighbour it hangs below it (BRANCH: true) or not (PRUNE: false). */
  noteChildMessage(root: Address, group: Address, neighbor: Address, attached: boolean): void {
    this.record(this.childSaid, `${treeKey(root, group)}>${neighbor}`, attached);
  }

  // Sets a record, forgetting the oldest one of its map beyond the cap (a flood of invented trees must not grow them;
  // a record forgotten early only lets one stale message through, which the child's re-assertion repairs).
  private record<V>(map: Map<string, V>, k: string, v: V): void {
    if (!map.has(k) && map.size >= this.caps.records) {
      map.delete(map.keys().next().value as string);
      this.count('cap.mcast.records');
    }
    map.set(k, v);
  }

  /** Sequence and child records held (all three maps). */
  get records(): number {
    return this.sent.size + this.applied.size + this.childSaid.size;
  }

  /** What this node last told neighbour as its child on this tree: true (BRANCH), false (PRUNE), or undefined. */
  lastChildMessage(root: Address, group: Address, neighbor: Address): boolean | undefined {
    return this.childSaid.get(`${treeKey(root, group)}>${neighbor}`);
  }

  /** Forgets a lost neighbour's sequence numbers (a new link starts a new numbering on both sides). */
  forgetNeighbor(neighbor: Address): void {
    for (const map of [this.sent, this.applied, this.childSaid] as Map<string, unknown>[]) {
      for (const k of [...map.keys()])
        if (k.endsWith(`>${neighbor}`) || k.endsWith(`<${neighbor}`)) map.delete(k);
    }
  }

  /** Throws when an invariant is broken (tests). */
  checkInvariants(me: Address): void {
    for (const [k, e] of this.entries) {
      if (k !== treeKey(e.root, e.group)) throw new Error(`entry ${k} filed under the wrong key`);
      if (e.upstream === me) throw new Error(`${k}: upstream is this node`);
      if (e.upstream !== null && e.downstream.has(e.upstream))
        throw new Error(`${k}: upstream is downstream`);
      if (e.downstream.has(me)) throw new Error(`${k}: this node is downstream`);
      if (e.attached && e.upstream === null) throw new Error(`${k}: attached without an upstream`);
    }
    if (this.entries.size > this.caps.trees)
      throw new Error(`${this.entries.size} trees, cap ${this.caps.trees}`);
    for (const map of [this.sent, this.applied, this.childSaid] as Map<string, unknown>[])
      if (map.size > this.caps.records) throw new Error(`${map.size} records, cap ${this.caps.records}`);
  }
}
