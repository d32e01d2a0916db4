// The multicast check's simulator half, with the lab half's semantics and figures (lab.ts): the members join the group, the source streams numbered datagrams at
// the spec's rate for its duration (iperf's datagrams: 1000 bytes, one every 8000/rate s), and each member
// counts what reaches it: received, duplicates, out of order, and the longest outage. The stream runs on the
// network's clock, so later timeline steps (a partition, a heal) happen while it flows; its verdict comes when it
// ends. Times are virtual ms.

import { parseGroupAddress } from '../../topology/group-address.ts';
import type { StreamStart } from '../sim-observer.ts';
import type { SimProbe } from '../sim-probe.ts';
import { receiverMemberships, streamSource, type HostNetwork } from './sim-hosts.ts';
import type { MulticastCheckSpec } from './spec.ts';
import { judgeMember, judgeStream, noStreamFigures } from './verdict.ts';

/** What a stream needs from a network (SimNetwork provides it). */
export interface StreamNetwork
  extends HostNetwork, Pick<SimProbe, 'nodeNames' | 'isAlive' | 'addressOf' | 'onDeliver'> {
  readonly clock: SimProbe['clock'];
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
  /** Told when the source starts sending (not for a stream that cannot start): report.html's series. */
  onStart?: (info: StreamStart) => void;
  /** Told of each new (not duplicate) datagram a member gets: its id (1..sent) and the virtual time t. */
  onArrival?: (member: string, id: number, t: number) => void;
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
    if (c && id !== null && arrive(c, id, network.now())) options.onArrival?.(node, id, network.now());
  });

  // iperf numbers its datagrams 1..sent and spaces them evenly over the duration.
  const sent = Math.max(1, Math.round((spec.rateBps * spec.durationMs) / 1000 / (8 * bytes)));
  options.onStart?.({ group: spec.group, source: spec.source, members, durationMs: spec.durationMs, sent });
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

// Counts one arrival as receiver.cjs does: duplicates apart, gaps between arrivals of new datagrams.
// True for a new datagram.
function arrive(c: MemberCounts, id: number, now: number): boolean {
  if (c.seen.has(id)) {
    c.duplicates++;
    return false;
  }
  c.seen.add(id);
  c.received++;
  if (c.maxId !== null && id < c.maxId) c.outOfOrder++;
  if (c.maxId === null || id > c.maxId) c.maxId = id;
  if (c.lastArrival !== null) c.longestGapMs = Math.max(c.longestGapMs, now - c.lastArrival);
  c.firstArrival ??= now;
  c.lastArrival = now;
  return true;
}

// The lab half's judgement (verdict.ts): per-member delivery against the threshold,
// the duplicates against their bound, and the same figures.
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
    const verdict = judgeMember(spec, node, c, sent, startedAt);
    if (verdict.problem) {
      failed = true;
      problems.push(verdict.problem);
    }
    return { node, duplicates: c.duplicates, outOfOrder: c.outOfOrder, ...verdict };
  });
  const stream = judgeStream(spec, sent, members, skipped, problems);
  const figures = stream.figures;
  return {
    passed: !failed && !stream.failed,
    figures: { ...figures },
    problems,
  };
}

// The figures of a stream that never started (the real check's failedRun).
function notStarted(spec: MulticastCheckSpec, problems: string[]): StreamResult {
  return { passed: false, figures: { ...noStreamFigures(spec.members.length) }, problems };
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
