// The multicast check's verdict, shared by the lab half (lab.ts) and the simulator half (sim.ts), so a stream
// is judged the same way in both: each member's delivery against the
// threshold, the duplicates against their bound, the longest outage, and the same figures.

import { round3 } from '../report.ts';
import type { MulticastCheckSpec } from './spec.ts';

/** What a member's receiver counted (arrival times on the clock the stream's start is on). */
export interface ArrivalCounts {
  received: number;
  duplicates: number;
  outOfOrder: number;
  /** Largest datagram id seen (null: none). */
  maxId: number | null;
  /** Largest gap between two arrivals (ms). */
  longestGapMs: number;
  lastArrival: number | null;
}

/** One member's judged figures. */
export interface MemberVerdict {
  deliveryPct: number;
  longestOutageMs: number;
  lost: number;
  /** Why the member fails the check (null: it passes). */
  problem: string | null;
}

/** A member as the stream's verdict sees it. */
export interface JudgedMember {
  node: string;
  duplicates: number;
  outOfOrder: number;
  deliveryPct: number;
  longestOutageMs: number;
  lost: number;
}

/** The figures of a multicast check. */
export interface MulticastFigures {
  members: number;
  membersSkipped: number;
  sent: number;
  deliveryPct: number;
  meanDeliveryPct: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  longestOutageMs: number;
}

/**
 * A member's longest outage: the largest gap between arrivals, or, when the stream stopped reaching it before
 * its end (it missed the last datagrams), the time from its last arrival to the stream's end; a member that
 * got nothing was out for the whole stream. Gaps alone would call a member cut off for good "0 ms out".
 */
export function longestOutage(
  c: ArrivalCounts | null,
  sent: number,
  startedAt: number,
  durationMs: number,
): number {
  if (c === null || c.received === 0) return durationMs;
  if (c.lastArrival === null) return c.longestGapMs; // no arrival times: the gaps are all we know
  const missedTheEnd = c.maxId === null || c.maxId < sent;
  const tail = missedTheEnd ? Math.max(0, startedAt + durationMs - c.lastArrival) : 0;
  return Math.max(c.longestGapMs, tail);
}

/** Judges one member's counts against the spec's delivery threshold. */
export function judgeMember(
  spec: MulticastCheckSpec,
  node: string,
  c: ArrivalCounts,
  sent: number,
  startedAt: number,
): MemberVerdict {
  const deliveryPct = sent === 0 ? 100 : round3(Math.min(100, (100 * c.received) / sent));
  const longestOutageMs = round3(longestOutage(c, sent, startedAt, spec.durationMs));
  const problem =
    deliveryPct < spec.expect.deliveryPct
      ? `${node}: received ${c.received}/${sent} datagrams (${deliveryPct}%), expected at least ${spec.expect.deliveryPct}%` +
        ` (longest outage ${longestOutageMs} ms)`
      : null;
  return { deliveryPct, longestOutageMs, lost: Math.max(0, sent - c.received), problem };
}

/**
 * The stream's figures over its judged members, and whether the duplicates bound and the presence of a member
 * fail it (problems are appended). The members' own problems are the caller's to count.
 */
export function judgeStream(
  spec: MulticastCheckSpec,
  sent: number,
  members: readonly JudgedMember[],
  skipped: number,
  problems: string[],
): { failed: boolean; figures: MulticastFigures } {
  let failed = false;
  const duplicates = members.reduce((s, m) => s + m.duplicates, 0);
  if (duplicates > spec.expect.duplicates) {
    failed = true;
    const who = members
      .filter((m) => m.duplicates > 0)
      .map((m) => `${m.node} ${m.duplicates}`)
      .join(', ');
    problems.push(`${duplicates} duplicate datagrams (${who}), expected at most ${spec.expect.duplicates}`);
  }
  if (members.length === 0) {
    failed = true;
    problems.push(`no alive member of ${spec.group} to receive the stream`);
  }
  const deliveries = members.map((m) => m.deliveryPct);
  return {
    failed,
    figures: {
      members: members.length,
      membersSkipped: skipped,
      sent,
      deliveryPct: deliveries.length === 0 ? 0 : Math.min(...deliveries),
      meanDeliveryPct:
        deliveries.length === 0 ? 0 : round3(deliveries.reduce((s, d) => s + d, 0) / deliveries.length),
      lost: members.reduce((s, m) => s + m.lost, 0),
      duplicates,
      outOfOrder: members.reduce((s, m) => s + m.outOfOrder, 0),
      longestOutageMs: Math.max(0, ...members.map((m) => m.longestOutageMs)),
    },
  };
}

/** The figures of a stream that never started. */
export function noStreamFigures(skipped: number): MulticastFigures {
  return {
    members: 0,
    membersSkipped: skipped,
    sent: 0,
    deliveryPct: 0,
    meanDeliveryPct: 0,
    lost: 0,
    duplicates: 0,
    outOfOrder: 0,
    longestOutageMs: 0,
  };
}
