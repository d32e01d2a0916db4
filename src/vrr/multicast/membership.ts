// The rendezvous point's membership records: per group, its sources and members, held by the group's RVP
// (owner) and copied to the RVP's virtual neighbours (replicas), which take over when the RVP fails.
// Invariants (tested): a group's record is either 'owner' or 'replica'; sources and members are node addresses;
// at most MAX_RVP_GROUPS records (ensure() refuses a new group when full, counted as cap.mcast.groups) and at most
// MAX_GROUP_PARTIES sources and members each per record (a copy received is cut to them: cap.mcast.parties);
// a record's version changes (nextVersion) whenever its sources or members do, never to 0; `heard` names only
// nodes that sent this node a copy of the record (the 16 heard from last: rendezvous.ts).

import { formatAddress, type Address } from '../address.ts';
import { hashKey } from '../dht/hash-key.ts';
import { MAX_GROUP_PARTIES, MAX_RVP_GROUPS } from '../limits.ts';

/** One group's membership as the RVP (or a replica) knows it. */
export interface GroupRecord {
  readonly group: Address;
  readonly sources: Set<Address>;
  readonly members: Set<Address>;
  role: 'owner' | 'replica';
  /**
   * This node's count of changes to the sets (u16, wrapping past 0): a copy sent carries it, and a copy that
   * names the version held here (its Seen) was made by a node that had this very record (rendezvous.ts).
   */
  version: number;
  /** Per node that sent a copy of this record, the version of its last copy (sent back as Seen). */
  readonly heard: Map<Address, number>;
}

/** The version after v: u16, wrapping past 0 (0 means "none" in a copy's Seen). */
export function nextVersion(v: number): number {
  return v >= 0xffff ? 1 : v + 1;
}

/** The ring position of a group's RVP: the DHT hash of "mcast/<group address>". */
export function groupKey(group: Address): Address {
  return hashKey(`mcast/${formatAddress(group)}`);
}

/** Group records held here, as owner or replica. */
export class MembershipStore {
  private readonly records = new Map<Address, GroupRecord>();

  constructor(
    /** Counts a refusal (cap.mcast.groups, cap.mcast.parties). */
    private readonly count: (name: string) => void = () => {},
    readonly caps = { groups: MAX_RVP_GROUPS, parties: MAX_GROUP_PARTIES },
  ) {}

  /** Records held. */
  get size(): number {
    return this.records.size;
  }

  get(group: Address): GroupRecord | undefined {
    return this.records.get(group);
  }

  /** The record of group, created empty with the given role when absent; undefined when the store is full. */
  ensure(group: Address, role: GroupRecord['role']): GroupRecord | undefined {
    let r = this.records.get(group);
    if (!r) {
      if (this.records.size >= this.caps.groups) {
        this.count('cap.mcast.groups');
        return undefined;
      }
      r = { group, sources: new Set(), members: new Set(), role, version: 0, heard: new Map() };
      this.records.set(group, r);
    }
    return r;
  }

  /** Replaces a group's sets with the given ones (a copy received, possibly merged with what was held). */
  replace(
    group: Address,
    sources: Address[],
    members: Address[],
    role: GroupRecord['role'],
  ): GroupRecord | undefined {
    const r = this.ensure(group, role);
    if (r === undefined) return undefined;
    r.role = role;
    r.sources.clear();
    r.members.clear();
    for (const s of sources) this.add(r.sources, s);
    for (const m of members) this.add(r.members, m);
    return r;
  }

  /** Adds a party to a record's set; false (counted) when the set is at its cap. */
  add(set: Set<Address>, party: Address): boolean {
    if (set.has(party)) return true;
    if (set.size >= this.caps.parties) {
      this.count('cap.mcast.parties');
      return false;
    }
    set.add(party);
    return true;
  }

  values(): IterableIterator<GroupRecord> {
    return this.records.values();
  }
}
