// End-to-end reliability of the membership requests a node sends to a group's RVP (REGISTER, WITHDRAW, JOIN,
// LEAVE). Each hop is acknowledged by the control layer, but a request can still be lost end to end: the path it
// travels is torn down mid-flight, or the RVP changes (fails, or a closer node joins) while it is on its way.
// The RVP's answer is the end-to-end ack: MEMBERS for REGISTER, SOURCES for JOIN, and the request echoed back to
// its origin for WITHDRAW and LEAVE. Unanswered requests are sent again after a timeout that doubles with each
// attempt, with seeded jitter (so members of one group that lost one RVP do not all retry at once), for a bounded
// number of attempts; after the last one the periodic refresh (rendezvous.ts) takes over.
// Invariants (tested): at most one pending request per (group, role); a pending request's attempt is in
// [1, attempts]; a request of one role replaces the pending one of that role for that group (a LEAVE supersedes
// an unanswered JOIN: only the latest intent is retried).

import type { Address } from '../address.ts';
import type { TimerHandle } from '../env.ts';
import type { NodeServices } from '../extension.ts';
import { McastOptionType } from '../wire/types.ts';

/** The four membership requests a node sends to an RVP. */
export type RequestType = 0x20 | 0x22 | 0x23 | 0x25;

/** Which side of the group a request speaks for: REGISTER/WITHDRAW a source, JOIN/LEAVE a member. */
export type RequestRole = 'source' | 'member';

/** The role a request type speaks for. */
export function roleOf(type: RequestType): RequestRole {
  return type === McastOptionType.REGISTER || type === McastOptionType.WITHDRAW ? 'source' : 'member';
}

/** Retry tunables (ms, counts). */
export interface RequestRetryOptions {
  /** Wait for the answer to the first attempt; doubles per attempt, ±25 % seeded jitter. */
  timeoutMs: number;
  /** Attempts in all (the first send included) before giving up. */
  attempts: number;
}

interface Pending {
  readonly type: RequestType;
  attempt: number;
  timer: TimerHandle | null;
}

/** The pending (unanswered) membership requests of one node, retried until answered or given up. */
export class MembershipRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly s: NodeServices,
    private readonly opts: RequestRetryOptions,
    /** Sends one copy of a request toward the group's RVP. */
    private readonly send: (type: RequestType, group: Address) => void,
  ) {}

  /** Sends a request and keeps it pending until answered (replacing any pending request of the same role). */
  start(type: RequestType, group: Address): void {
    const k = key(group, roleOf(type));
    this.pending.get(k)?.timer?.cancel();
    const p: Pending = { type, attempt: 0, timer: null };
    this.pending.set(k, p);
    this.attempt(k, p, group);
  }

  /** The type of the pending request of a role for a group, if any. */
  pendingType(group: Address, role: RequestRole): RequestType | undefined {
    return this.pending.get(key(group, role))?.type;
  }

  /** An answer to a request of `type` arrived: true when that request was pending (it is no longer). */
  ack(type: RequestType, group: Address): boolean {
    const k = key(group, roleOf(type));
    const p = this.pending.get(k);
    if (!p || p.type !== type) return false;
    p.timer?.cancel();
    this.pending.delete(k);
    this.s.count('mcast.request.acked');
    return true;
  }

  /** Drops every pending request (the node stopped). */
  clear(): void {
    for (const p of this.pending.values()) p.timer?.cancel();
    this.pending.clear();
  }

  /** Throws when an invariant is broken (tests). */
  checkInvariants(): void {
    for (const [k, p] of this.pending) {
      if (!k.endsWith(`/${roleOf(p.type)}`)) throw new Error(`request ${k} filed under the wrong role`);
      if (p.attempt < 1 || p.attempt > this.opts.attempts)
        throw new Error(`request ${k}: attempt ${p.attempt}`);
    }
  }

  private attempt(k: string, p: Pending, group: Address): void {
    p.attempt++;
    this.s.count(p.attempt === 1 ? 'mcast.request.sent' : 'mcast.request.retry');
    this.send(p.type, group);
    const wait = this.opts.timeoutMs * 2 ** (p.attempt - 1) * (0.75 + 0.5 * this.s.rng.next());
    p.timer = this.s.setTimer(wait, () => {
      if (this.pending.get(k) !== p) return; // answered or superseded meanwhile
      if (p.attempt >= this.opts.attempts) {
        this.pending.delete(k);
        this.s.count('mcast.request.failed');
        return;
      }
      this.attempt(k, p, group);
    });
  }
}

function key(group: Address, role: RequestRole): string {
  return `${group}/${role}`;
}
