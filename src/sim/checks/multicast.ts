// The multicast check in the simulator, with the real lab's semantics and figures
// (src/testbed/verify/multicast-check.ts): the members join the group, the source streams numbered datagrams at
// the spec's rate for its duration (iperf's datagrams: 1000 bytes, one every 8000/rate s), and each member
// counts what reaches it: received, duplicates, out of order, and the longest outage. The stream runs on the
// network's clock, so later timeline steps (a partition, a heal) happen while it flows; its verdict comes when it
// ends. Times are virtual ms.

import type { Address } from '../../vrr/address.ts';
import type { DataPacket } from '../../vrr/wire/types.ts';
import type { MulticastCheckSpec } from '../../testbed/topology/types.ts';
import { parseGroupAddress } from '../../testbed/topology/group-address.ts';
import { round3 } from '../../testbed/verify/check-result.ts';
import { receiverMemberships, streamSource, type HostNetwork } from './multicast-hosts.ts';

/** What a stream needs from a network (SimNetwork provides it). */
export interface StreamNetwork extends HostNetwork {
  nodeNames(): string[];
  isAlive(name: string): boolean;
  addressOf(name: string): Address;
  onDeliver(listener: (node: string, packet: DataPacket) => void): () => void;
  readonly clock: HostNetwork['clock'] & { at(timeMs: number, fire: () => void): { cancel(): void } };
}

/** Settings of one stream. */
export interface StreamOptions {
  /** Tells this stream's datagrams from any other stream's (real labs use a port per stream). */
  streamId: number;
  /** How long a fresh source holds its first packets back (vrrd: max(500 ms, 3 hello periods)). */
  settleMs: number;
  /** Datagram length, as iperf's -l. Default 1000. */
  datagramBytes?: number;
  /** How long after the stream's end members still count arrivals (the receiver's linger). Default 1000. */
  lingerMs?: number;
}

/** The verdict, the real check's figures, and problem lines naming each member that fell short. */
export interface StreamResult {
  passed: boolean;
  figures: Record<string, number>;
  problems: string[];
}

/** A stream that flows on the network's clock. */
export interface StreamHandle {
  /** Virtual time the source started sending. */
  readonly startedAt: number;
  /** Virtual time the verdict is given (the stream's end plus the receivers' linger). */
  readonly finishAt: number;
  /** The verdict once given, else null. */
  result(): StreamResult | null;
}

interface MemberCounts {
  seen: Set<number>;
  received: number;
  duplicates: number;
  outOfOrder: number;
  maxId: number | null;
  longestGapMs: number;
  firstArrival: number | null;
  lastArrival: number | null;
}

/** iperf's datagram inside the IPv4 packet the overlay carries: 20 bytes of IP and 8 of UDP header. */
const IP_UDP_HEADER_BYTES = 28;
const STREAM_MAGIC = 0x4d435354; // "MCST"

/** Starts a stream now: members join, the source sends; `onDone` gets the verdict at finishAt. */
export function startMulticastStream(
  network: StreamNetwork,
  spec: MulticastCheckSpec,
  options: StreamOptions,
  onDone: (result: StreamResult) => void,
): StreamHandle {
  const group = spec.groupAddress ?? parseGroupAddress(spec.group);
  const bytes = options.datagramBytes ?? 1000;
  const startedAt = network.now();
  let verdict: StreamResult | null = null;
  const finish = (result: StreamResult): void => {
    verdict = result;
    onDone(result);
  };

  if (!network.isAlive(spec.source)) {
    // As on a real lab, no stream: the verdict comes at once (through the clock, like every verdict).
    const problems = [`source ${spec.source} is not alive: no stream to ${spec.group}`];
    network.clock.schedule(0, () => finish(notStarted(spec, problems)));
    return { startedAt, finishAt: startedAt, result: () => verdict };
  }

  const members = spec.members.filter((m) => network.isAlive(m));
  const skipped = spec.members.length - members.length;
  const hosts = receiverMemberships(network);
  const counts = new Map(members.map((m) => [m, emptyCounts()]));
  for (const m of members) hosts.join(m, group);

  const srcAddress = network.addressOf(spec.source);
  const unsubscribe = network.onDeliver((node, packet) => {
    if (packet.dst !== group || packet.src !== srcAddress) return;
    const c = counts.get(node);
    const id = datagramId(packet.payload, options.streamId);
    if (c && id !== null) arrive(c, id, network.now());
  });

  // iperf numbers its datagrams 1..sent and spaces them evenly over the duration.
  const sent = Math.max(1, Math.round((spec.rateBps * spec.durationMs) / 1000 / (8 * bytes)));
  const source = streamSource(network, spec.source, group, options.settleMs);
  const sendFrom = (id: number): void => {
    source.send(datagram(options.streamId, id, bytes));
    if (id < sent) network.clock.at(startedAt + (id * spec.durationMs) / sent, () => sendFrom(id + 1));
  };
  sendFrom(1);

  const finishAt = startedAt + spec.durationMs + (options.lingerMs ?? 1000);
  network.clock.at(finishAt, () => {
    unsubscribe();
    for (const m of members) hosts.leave(m, group);
    finish(judge(spec, sent, startedAt, counts, skipped));
  });
  return { startedAt, finishAt, result: () => verdict };
}

function emptyCounts(): MemberCounts {
  return {
    seen: new Set(),
    received: 0,
    duplicates: 0,
    outOfOrder: 0,
    maxId: null,
    longestGapMs: 0,
    firstArrival: null,
    lastArrival: null,
  };
}

// Counts one arrival as multicast-receiver.cjs does: duplicates apart, gaps between arrivals of new datagrams.
function arrive(c: MemberCounts, id: number, now: number): void {
  if (c.seen.has(id)) {
    c.duplicates++;
    return;
  }
  c.seen.add(id);
  c.received++;
  if (c.maxId !== null && id < c.maxId) c.outOfOrder++;
  if (c.maxId === null || id > c.maxId) c.maxId = id;
  if (c.lastArrival !== null) c.longestGapMs = Math.max(c.longestGapMs, now - c.lastArrival);
  c.firstArrival ??= now;
  c.lastArrival = now;
}

/**
 * A member's longest outage, as the real check computes it: the largest gap between arrivals, or, when the
 * stream stopped reaching it before its end, the time from its last arrival to the stream's end; a member that
 * got nothing was out for the whole stream.
 */
function outageOf(c: MemberCounts, sent: number, startedAt: number, durationMs: number): number {
  if (c.received === 0 || c.lastArrival === null) return durationMs;
  const missedTheEnd = c.maxId === null || c.maxId < sent;
  const tail = missedTheEnd ? Math.max(0, startedAt + durationMs - c.lastArrival) : 0;
  return Math.max(c.longestGapMs, tail);
}

// The real check's judgement (multicast-check.ts, judge): per-member delivery against the threshold, the
// duplicates against their bound, and the same figures.
function judge(
  spec: MulticastCheckSpec,
  sent: number,
  startedAt: number,
  counts: Map<string, MemberCounts>,
  skipped: number,
): StreamResult {
  const problems: string[] = [];
  let failed = false;
  const members = [...counts].map(([node, c]) => {
    const deliveryPct = round3(Math.min(100, (100 * c.received) / sent));
    const longestOutageMs = round3(outageOf(c, sent, startedAt, spec.durationMs));
    if (deliveryPct < spec.expect.deliveryPct) {
      failed = true;
      problems.push(
        `${node}: received ${c.received}/${sent} datagrams (${deliveryPct}%), expected at least ${spec.expect.deliveryPct}%` +
          ` (longest outage ${longestOutageMs} ms)`,
      );
    }
    return { node, c, deliveryPct, longestOutageMs, lost: Math.max(0, sent - c.received) };
  });
  const duplicates = members.reduce((s, m) => s + m.c.duplicates, 0);
  if (duplicates > spec.expect.duplicates) {
    failed = true;
    const who = members
      .filter((m) => m.c.duplicates > 0)
      .map((m) => `${m.node} ${m.c.duplicates}`)
      .join(', ');
    problems.push(`${duplicates} duplicate datagrams (${who}), expected at most ${spec.expect.duplicates}`);
  }
  if (members.length === 0) problems.push(`no alive member of ${spec.group} to receive the stream`);
  const deliveries = members.map((m) => m.deliveryPct);
  const figures = {
    members: members.length,
    membersSkipped: skipped,
    sent,
    deliveryPct: deliveries.length === 0 ? 0 : Math.min(...deliveries),
    meanDeliveryPct:
      deliveries.length === 0 ? 0 : round3(deliveries.reduce((s, d) => s + d, 0) / deliveries.length),
    lost: members.reduce((s, m) => s + m.lost, 0),
    duplicates,
    outOfOrder: members.reduce((s, m) => s + m.c.outOfOrder, 0),
    longestOutageMs: Math.max(0, ...members.map((m) => m.longestOutageMs)),
  };
  return { passed: members.length > 0 && !failed, figures, problems };
}

// The figures of a stream that never started (the real check's failedRun).
function notStarted(spec: MulticastCheckSpec, problems: string[]): StreamResult {
  const figures = {
    members: 0,
    membersSkipped: spec.members.length,
    sent: 0,
    deliveryPct: 0,
    meanDeliveryPct: 0,
    lost: 0,
    duplicates: 0,
    outOfOrder: 0,
    longestOutageMs: 0,
  };
  return { passed: false, figures, problems };
}

// A datagram: magic, stream id and datagram id up front, padded to the IP packet's length.
function datagram(streamId: number, id: number, bytes: number): Uint8Array {
  const payload = new Uint8Array(Math.max(12, bytes + IP_UDP_HEADER_BYTES));
  const view = new DataView(payload.buffer);
  view.setUint32(0, STREAM_MAGIC);
  view.setUint32(4, streamId >>> 0);
  view.setUint32(8, id);
  return payload;
}

// The datagram id of one of this stream's datagrams, or null for any other payload.
function datagramId(payload: Uint8Array, streamId: number): number | null {
  if (payload.length < 12) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (view.getUint32(0) !== STREAM_MAGIC || view.getUint32(4) !== streamId >>> 0) return null;
  return view.getUint32(8);
}
