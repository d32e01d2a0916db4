// The rendezvous point's membership records: per group, its sources and members, held by the group's RVP
// (owner) and copied to the RVP's virtual neighbours (replicas), which take over when the RVP fails.
// Invariants (tested): a group's record is either 'owner' or 'replica'; sources and members are node addresses.

import { formatAddress, type Address } from '../address.ts';
import { hashKey } from '../dht/hash-key.ts';

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

  get(group: Address): GroupRecord | undefined {
    return this.records.get(group);
  }

  /** The record of group, created empty with the given role when absent. */
  ensure(group: Address, role: GroupRecord['role']): GroupRecord {
    let r = this.records.get(group);
    if (!r) {
      r = { group, sources: new Set(), members: new Set(), role };
      this.records.set(group, r);
    }
    return r;
  }

  /** Replaces a group's sets with a copy received from its RVP. */
  replace(group: Address, sources: Address[], members: Address[], role: GroupRecord['role']): GroupRecord {
    const r = this.ensure(group, role);
    r.role = role;
    r.sources.clear();
    r.members.clear();
    for (const s of sources) r.sources.add(s);
    for (const m of members) r.members.add(m);
    return r;
  }

  values(): IterableIterator<GroupRecord> {
    return this.records.values();
  }
}
