// IGMP (v1/v2/v3, RFC 1112/2236/3376) and MLD (v1/v2, RFC 2710/3810) as the host sends them on vrr0: the
// reports and leaves that say which groups local sockets joined, read into join/leave changes of group MACs.
// Every length is checked against the bytes present; anything that does not add up is "malformed" (the caller
// counts and drops it). Queries are recognised and yield no change: the overlay has no querier to answer.

import type { Address } from '../../vrr/address.ts';
import { ipv4GroupMac, ipv6GroupMac, isSolicitedNodeGroup } from './group-address.ts';

/** IPv4 protocol number of IGMP. */
export const IP_PROTO_IGMP = 2;
const IPV6_HEADER_LENGTH = 40;
const NEXT_HEADER_HOP_BY_HOP = 0;
const NEXT_HEADER_ICMPV6 = 58;

const IgmpType = { QUERY: 0x11, V1_REPORT: 0x12, V2_REPORT: 0x16, LEAVE: 0x17, V3_REPORT: 0x22 } as const;
const MldType = { QUERY: 130, V1_REPORT: 131, DONE: 132, V2_REPORT: 143 } as const;
/** Record types of IGMPv3/MLDv2 reports (RFC 3376 §4.2.12). */
const Record = { IS_INCLUDE: 1, IS_EXCLUDE: 2, TO_INCLUDE: 3, TO_EXCLUDE: 4, ALLOW: 5, BLOCK: 6 } as const;

/** One membership change: join or leave a group (its MAC). */
export interface MembershipChange {
  group: Address;
  join: boolean;
}

/** What a packet said: not membership at all, broken, or a list of changes (possibly empty). */
export type MembershipParse =
  | { status: 'not-membership' }
  | { status: 'malformed'; why: string }
  | { status: 'ok'; changes: MembershipChange[]; ignored: number };

const NOT: MembershipParse = { status: 'not-membership' };
const bad = (why: string): MembershipParse => ({ status: 'malformed', why });

/** Reads an IPv4 packet (the Ethernet payload); not-membership unless it is IGMP. */
export function parseIgmp(ip: Uint8Array): MembershipParse {
  if (ip.length < 20 || ip[0] >> 4 !== 4 || ip[9] !== IP_PROTO_IGMP) return NOT;
  const ihl = (ip[0] & 0x0f) * 4;
  const total = (ip[2] << 8) | ip[3];
  if (ihl < 20 || total < ihl || total > ip.length) return bad('IPv4 header lengths');
  const m = ip.subarray(ihl, total);
  if (m.length < 8) return bad('IGMP shorter than 8 bytes');
  switch (m[0]) {
    case IgmpType.QUERY:
      return { status: 'ok', changes: [], ignored: 0 };
    case IgmpType.V1_REPORT:
    case IgmpType.V2_REPORT:
    case IgmpType.LEAVE: {
      const group = ipv4GroupMac(m, 4);
      if (group === null) return bad('IGMP group is not multicast');
      return { status: 'ok', changes: [{ group, join: m[0] !== IgmpType.LEAVE }], ignored: 0 };
    }
    case IgmpType.V3_REPORT:
      return readRecords(
        m,
        4,
        (buf, at) => ipv4GroupMac(buf, at),
        () => false,
      );
    default:
      return bad(`IGMP type 0x${m[0].toString(16)}`);
  }
}

/** Reads an IPv6 packet (the Ethernet payload), past a hop-by-hop header; not-membership unless it is MLD. */
export function parseMld(ip: Uint8Array): MembershipParse {
  if (ip.length < IPV6_HEADER_LENGTH || ip[0] >> 4 !== 6) return NOT;
  const end = IPV6_HEADER_LENGTH + ((ip[4] << 8) | ip[5]);
  if (end > ip.length) return NOT; // a truncated packet of any kind: not ours to judge
  let next = ip[6];
  let at = IPV6_HEADER_LENGTH;
  if (next === NEXT_HEADER_HOP_BY_HOP) {
    // MLD always carries the Router Alert option in a hop-by-hop header (RFC 2711).
    if (at + 8 > end) return bad('hop-by-hop header truncated');
    next = ip[at];
    at += (ip[at + 1] + 1) * 8;
    if (at > end) return bad('hop-by-hop header truncated');
  }
  if (next !== NEXT_HEADER_ICMPV6 || at + 4 > end) return NOT;
  const m = ip.subarray(at, end);
  if (
    m[0] !== MldType.QUERY &&
    m[0] !== MldType.V1_REPORT &&
    m[0] !== MldType.DONE &&
    m[0] !== MldType.V2_REPORT
  )
    return NOT;
  if (m.length < 8) return bad('MLD shorter than 8 bytes');
  if (m[0] === MldType.QUERY) return { status: 'ok', changes: [], ignored: 0 };
  if (m[0] === MldType.V2_REPORT)
    return readRecords(
      m,
      16,
      (buf, o) => ipv6GroupMac(buf, o),
      (buf, o) => isSolicitedNodeGroup(buf, o),
    );
  if (m.length < 24) return bad('MLDv1 message shorter than 24 bytes');
  const group = ipv6GroupMac(m, 8);
  if (group === null) return bad('MLD group is not multicast');
  if (isSolicitedNodeGroup(m, 8)) return { status: 'ok', changes: [], ignored: 1 };
  return { status: 'ok', changes: [{ group, join: m[0] === MldType.V1_REPORT }], ignored: 0 };
}

/**
 * The group records of an IGMPv3 / MLDv2 report (same layout; addresses of `size` bytes). Exclude mode means
 * "everything but", i.e. joined; an include-mode record with sources also wants traffic (the ring has no source
 * filtering, so it gets the whole group); TO_INCLUDE with no sources is the leave. Ignored groups (solicited-node:
 * ND never crosses the ring) are counted, not changed.
 */
function readRecords(
  m: Uint8Array,
  size: number,
  groupAt: (buf: Uint8Array, at: number) => Address | null,
  ignore: (buf: Uint8Array, at: number) => boolean,
): MembershipParse {
  const count = (m[6] << 8) | m[7];
  const changes: MembershipChange[] = [];
  let ignored = 0;
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + 4 + size > m.length) return bad(`report record ${i} truncated`);
    const type = m[at];
    const auxWords = m[at + 1];
    const sources = (m[at + 2] << 8) | m[at + 3];
    const group = groupAt(m, at + 4);
    const next = at + 4 + size + sources * size + auxWords * 4;
    if (next > m.length) return bad(`report record ${i} truncated`);
    if (group === null) return bad(`report record ${i}: group is not multicast`);
    if (ignore(m, at + 4)) ignored++;
    else if (type === Record.IS_EXCLUDE || type === Record.TO_EXCLUDE) changes.push({ group, join: true });
    else if ((type === Record.IS_INCLUDE || type === Record.ALLOW) && sources > 0)
      changes.push({ group, join: true });
    else if (type === Record.TO_INCLUDE && sources === 0) changes.push({ group, join: false });
    else if (type < Record.IS_INCLUDE || type > Record.BLOCK) return bad(`report record ${i}: type ${type}`);
    at = next;
  }
  return { status: 'ok', changes, ignored };
}
