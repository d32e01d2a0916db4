// What a simulated run did over time, as timeline events (the shape a real lab's timeline.jsonl has): the ring's
// health every poll period, each fault, each ping-all matrix, each multicast stream and its deliveries per
// second. report.html draws them. Recording only reads the network (its sampling is SimNetwork.sampleEvery,
// which leaves the run unchanged) and nothing of it enters the SimReport, so a recorded run's report is
// byte-identical to an unrecorded one's; `testbed sim --report-dir` writes the events to timeline.jsonl.

import { vsetHealth } from '../../checks/ring-consistent/verdict.ts';
import type { PairHops, SimObserver } from '../../checks/sim-observer.ts';
import type { SimRunContext } from '../steps.ts';
import { pollIntervalMs } from '../steps.ts';

/** One recorded event: a line of timeline.jsonl (src/testbed's TimelineEvent, which src/sim cannot import). */
export interface RecordedEvent {
  /** Virtual ms since the run started. */
  t: number;
  source: string;
  type: string;
  [field: string]: unknown;
}

/** The run's event source name in timeline.jsonl (a lab's controller events say 'controller'). */
export const SIM_SOURCE = 'sim';

/** One multicast stream's datagrams per second of sending, and per member those that arrived. */
interface StreamSeries {
  event: RecordedEvent & { members: Record<string, number[]>; sentPerBucket: number[] };
  /** Ms between two datagrams' send times. */
  spacingMs: number;
}

/** Bucket of the stream-series events, ms. */
export const STREAM_BUCKET_MS = 1000;

/** Collects a simulated run's timeline events; attach it to the run's context before the run starts. */
export class RunRecorder {
  readonly events: RecordedEvent[] = [];
  readonly #streams = new Map<number, StreamSeries>();
  #ctx: SimRunContext | null = null;

  /** Starts sampling the ring of ctx's network every poll period and makes the recorder findable by ctx. */
  attach(ctx: SimRunContext): void {
    this.#ctx = ctx;
    recorders.set(ctx, this);
    const total = ctx.topology.nodes.length;
    ctx.network.sampleEvery(pollIntervalMs(ctx.topology), (t) => {
      const h = vsetHealth(ctx.network.snapshots({ routes: false }), ctx.network.upLinks());
      this.add(t, 'ring-health', { ...h, down: total - h.nodes });
    });
  }

  /** Adds one event at virtual time t (t, source and type first, as every timeline line has them). */
  add(t: number, type: string, fields: Record<string, unknown> = {}): void {
    this.events.push({ t, source: SIM_SOURCE, type, ...fields });
  }

  /**
   * The observer of a check's round at `where` (a step's place, or 'closing checks'): ping-all's pairs become a
   * ping matrix, a stream's start and arrivals its series, under `instance`, the run's number of the stream.
   */
  observer(where: string, instance = 0): SimObserver {
    return {
      pairs: (pairs) => this.pingMatrix(where, pairs),
      streamStarted: (info) => this.streamStarted(instance, { ...info, where }),
      streamArrival: (member, id) => this.streamArrival(instance, member, id),
    };
  }

  /** A fault applied now; `fields` are the action's own (a, b, groups, node), which a replay applies. */
  fault(action: string, detail: string, where: string, fields: Record<string, unknown> = {}): void {
    this.add(this.#now(), 'fault', { action, detail, where, ...fields });
  }

  /** One ping-all round that just ended: every pair asked, delivered (hops) or not. */
  pingMatrix(where: string, pairs: readonly PairHops[]): void {
    const nodes = this.#ctx?.network.nodeNames() ?? [];
    this.add(this.#now(), 'ping-matrix', {
      check: 'ping-all',
      where,
      nodes,
      pairs: pairs.map((p) => [p.from, p.to, p.hops]),
    });
  }

  /**
   * A multicast stream that starts now. Its datagrams are counted by the second they were sent in (datagram id k
   * leaves (k - 1) x durationMs / sent after the start), so a datagram held back and delivered late still counts
   * for its own second, and a second's share says whether what was sent then got through.
   */
  streamStarted(
    streamId: number,
    info: {
      group: string;
      source: string;
      members: string[];
      where: string;
      durationMs: number;
      sent: number;
    },
  ): void {
    const now = this.#now();
    const spacingMs = info.durationMs / info.sent;
    const buckets = Math.max(1, Math.ceil(info.durationMs / STREAM_BUCKET_MS));
    const sentPerBucket = new Array<number>(buckets).fill(0);
    for (let id = 1; id <= info.sent; id++) sentPerBucket[bucketOf(id, spacingMs, buckets)]++;
    const members: Record<string, number[]> = {};
    for (const m of info.members) members[m] = new Array<number>(buckets).fill(0);
    this.add(now, 'stream-start', { group: info.group, sender: info.source, where: info.where });
    this.#streams.set(streamId, {
      spacingMs,
      event: {
        t: now,
        source: SIM_SOURCE,
        type: 'stream-series',
        group: info.group,
        sender: info.source,
        where: info.where,
        startedAt: now,
        durationMs: info.durationMs,
        bucketMs: STREAM_BUCKET_MS,
        sentPerBucket,
        members,
      },
    });
  }

  /** Datagram `id` (1..sent) reached a member for the first time. */
  streamArrival(streamId: number, member: string, id: number): void {
    const s = this.#streams.get(streamId);
    const row = s?.event.members[member];
    if (!s || !row) return;
    row[bucketOf(id, s.spacingMs, row.length)]++;
  }

  /** The stream's verdict came: its series and its end go into the timeline. */
  streamEnded(streamId: number, passed: boolean): void {
    const s = this.#streams.get(streamId);
    if (!s) return;
    this.#streams.delete(streamId);
    const now = this.#now();
    this.events.push({ ...s.event, t: now });
    this.add(now, 'stream-end', { group: s.event.group, where: s.event.where, passed });
  }

  #now(): number {
    return this.#ctx?.network.now() ?? 0;
  }
}

// The second (bucket) datagram id was sent in.
function bucketOf(id: number, spacingMs: number, buckets: number): number {
  return Math.min(buckets - 1, Math.max(0, Math.floor(((id - 1) * spacingMs) / STREAM_BUCKET_MS)));
}

const recorders = new WeakMap<SimRunContext, RunRecorder>();

/** The recorder of this run, if it is recorded. */
export function recorderOf(ctx: SimRunContext): RunRecorder | undefined {
  return recorders.get(ctx);
}
