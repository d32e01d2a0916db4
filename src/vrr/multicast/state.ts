// What the parts of one node's Multicast share: the node's services, the resolved tunables, this node's own
// memberships (the groups it joined, those it sources, the sources it knows of each joined group) and the two
// table modules, through which each reaches the other: rendezvous.ts (the RVP's records and the requests to it)
// and trees.ts (the forwarding table and the tree messages).
//
// Invariants (test/unit/vrr/multicast/attach.test.ts, tables.test.ts):
//  - `sourcesOf` has an entry only for a joined group (leave() drops it);
//  - broadcast is never in `joined` or `sourcing` (every node belongs to it implicitly);
//  - once `stopped`, no part arms a timer or sends anything.

import type { Address } from '../address.ts';
import type { NodeServices } from '../extension.ts';
import type { DataPacket } from '../wire/types.ts';
import type { Rendezvous } from './rendezvous.ts';
import type { Trees } from './trees.ts';

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

/** MulticastOptions with every default filled in. */
export type ResolvedMulticastOptions = Required<Omit<MulticastOptions, 'onDeliver'>> &
  Pick<MulticastOptions, 'onDeliver'>;

/** Fills in the defaults, which scale with the node's hello period. */
export function resolveMulticastOptions(
  options: MulticastOptions,
  helloMs: number,
): ResolvedMulticastOptions {
  const hello = helloMs;
  return {
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
}

/** The shared state of one node's Multicast. */
export class McastState {
  readonly me: Address;
  /** Groups this node is a member of (broadcast excluded). */
  readonly joined = new Set<Address>();
  /** Groups this node is a source of (broadcast excluded). */
  readonly sourcing = new Set<Address>();
  /** Member side: the sources of each joined group, as the RVP and seeds told. */
  readonly sourcesOf = new Map<Address, Set<Address>>();
  stopped = false;
  /** Set by Multicast's constructor, before anything runs. */
  trees!: Trees;
  rendezvous!: Rendezvous;

  constructor(
    readonly s: NodeServices,
    readonly opts: ResolvedMulticastOptions,
  ) {
    this.me = s.address;
  }
}
