// The rendezvous point's membership records: per group, its sources and members, held by the group's RVP
// (owner) and copied to the RVP's virtual neighbours (replicas), which take over when the RVP fails.
// Invariants (tested): a group's record is either 'owner' or 'replica'; sources and members are node addresses;
// at most MAX_RVP_GROUPS records (ensure() refuses a new group when full, counted as cap.mcast.groups) and at most
// MAX_GROUP_PARTIES sources and members each per record (a copy received is cut to them: cap.mcast.parties).

import { formatAddress, type Address } from '../address.ts';
import { hashKey } from '../dht/hash-key.ts';
import { MAX_GROUP_PARTIES, MAX_RVP_GROUPS } from '../limits.ts';

/** One group's membership as the RVP (or a replica) knows it. */
export interface GroupRecord {
  readonly group: Address;
  readonly sources: Set<Address>;
  readonly members: Set<Address>;
  role: 'owner' | 'replica';
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
      r = { group, sources: new Set(), members: new Set(), role };
      this.records.set(group, r);
    }
    return r;
  }

  /** Replaces a group's sets with a copy received from its RVP. */
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
