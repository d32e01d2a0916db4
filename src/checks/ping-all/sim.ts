// ping-all's simulator half: real data packets (node.sendData) for every ordered pair of alive nodes in the
// same partition, or a seeded sample of pairs on large networks (sample.ts, shared with the lab half). Probes go
// out in batches;
// the simulation runs until each batch is delivered or times out; a probe that was lost or found no
// route is retried (links may drop frames). Stretch compares the hops a probe travelled with the
// shortest physical path over the links that are up.

import type { Address } from '../../vrr/address.ts';
import { DEFAULT_CONFIG } from '../../vrr/config.ts';
import type { DataPacket } from '../../vrr/wire/types.ts';
import type { UpLink } from '../node-snapshot.ts';
import type { PairHops } from '../sim-observer.ts';
import type { SimProbe } from '../sim-probe.ts';
import { choosePairs, SIM_SAMPLING } from './sample.ts';
import { judgeProbes, type PingAllResult } from './verdict.ts';

export type { PingAllFigures, PingAllResult } from './verdict.ts';

/** What ping-all needs from a network (SimNetwork provides it; tests may fake it). */
export type PingNetwork = Pick<
  SimProbe,
  | 'seed'
  | 'nodeNames'
  | 'isAlive'
  | 'addressOf'
  | 'upLinks'
  | 'now'
  | 'sendData'
  | 'onDeliver'
  | 'runUntilTrue'
>;

/** Tuning of ping-all. */
export interface PingAllOptions {
  /** Above this many alive nodes, a sample of pairs is pinged instead of all. Default 400. */
  sampleAbove?: number;
  /** Pairs in the sample. Default 4,000. */
  samplePairs?: number;
  /** Probes sent together. Default 500. */
  batchSize?: number;
  /** Virtual ms a batch waits for its deliveries. Default 2,000. */
  timeoutMs?: number;
  /** Retries of a probe that was lost or had no route. Default 3. */
  retries?: number;
  /** Hop limit data packets start with (VrrConfig.hopLimit). Default: the core's default. */
  hopLimit?: number;
  /** Failing pairs listed by name. Default 20. */
  maxListed?: number;
  /** Called once at the end with every pair asked (report.html's matrix); the result is the same either way. */
  onPairs?: (pairs: PairHops[]) => void;
}

/** Next Header of probe packets: IEEE 802 Local Experimental EtherType 2, so probes are recognisable. */
export const PROBE_NEXT_HEADER = 0x88b6;
const PROBE_MAGIC = [0x50, 0x49, 0x4e, 0x47]; // "PING"
const PROBE_LENGTH = 8;

interface Probe {
  id: number;
  from: string;
  to: string;
  dst: Address;
  attempts: number;
  hops: number | null; // set on first delivery
  noRoute: boolean;
  wrongNode: string | null;
}

/** Pings every ordered pair (or a seeded sample) with real data packets and measures delivery and stretch. */
export function pingAll(network: PingNetwork, options: PingAllOptions = {}): PingAllResult {
  const sampleAbove = options.sampleAbove ?? SIM_SAMPLING.above;
  const samplePairs = options.samplePairs ?? SIM_SAMPLING.pairs;
  const batchSize = options.batchSize ?? 500;
  const timeoutMs = options.timeoutMs ?? 2000;
  const retries = options.retries ?? 3;
  const hopLimit = options.hopLimit ?? DEFAULT_CONFIG.hopLimit;
  const maxListed = options.maxListed ?? 20;

  const alive = network.nodeNames().filter((n) => network.isAlive(n));
  const upLinks = network.upLinks();
  const graph = adjacency(alive, upLinks);
  const { pairs, crossPartitionPairs } = choosePairs(network.seed, alive, upLinks, {
    above: sampleAbove,
    pairs: samplePairs,
  });

  const probes: Probe[] = pairs.map(([from, to], id) => ({
    id,
    from,
    to,
    dst: network.addressOf(to),
    attempts: 0,
    hops: null,
    noRoute: false,
    wrongNode: null,
  }));
  let outstanding = 0;
  const unsubscribe = network.onDeliver((node, packet) => {
    const id = readProbeId(packet);
    if (id === null || id >= probes.length) return;
    const probe = probes[id];
    if (probe.hops !== null) return; // a duplicate or a late copy of a retried probe
    if (node !== probe.to) {
      probe.wrongNode = node;
      return;
    }
    probe.hops = hopLimit - packet.hopLimit + 1;
    outstanding--;
  });

  let retried = 0;
  try {
    for (let start = 0; start < probes.length; start += batchSize) {
      const batch = probes.slice(start, start + batchSize);
      for (let round = 0; round <= retries; round++) {
        const pending = batch.filter((p) => p.hops === null);
        if (pending.length === 0) break;
        if (round > 0) retried += pending.length;
        outstanding = pending.length;
        for (const p of pending) {
          p.attempts++;
          p.noRoute = !network.sendData(p.from, p.dst, probePayload(p.id), { nextHeader: PROBE_NEXT_HEADER });
        }
        network.runUntilTrue(() => outstanding <= 0, { everyMs: 10, deadlineMs: network.now() + timeoutMs });
      }
    }
  } finally {
    unsubscribe();
  }

  options.onPairs?.(probes.map((p) => ({ from: p.from, to: p.to, hops: p.hops })));
  const shortest = new ShortestPaths(graph);
  return judgeProbes(probes, (from, to) => shortest.hops(from, to), retried, crossPartitionPairs, maxListed);
}

function probePayload(id: number): Uint8Array {
  const payload = new Uint8Array(PROBE_LENGTH);
  payload.set(PROBE_MAGIC, 0);
  new DataView(payload.buffer).setUint32(4, id);
  return payload;
}

function readProbeId(packet: DataPacket): number | null {
  const p = packet.payload;
  if (packet.nextHeader !== PROBE_NEXT_HEADER || p.length < PROBE_LENGTH) return null;
  for (let i = 0; i < PROBE_MAGIC.length; i++) if (p[i] !== PROBE_MAGIC[i]) return null;
  return new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(4);
}

function adjacency(alive: string[], upLinks: UpLink[]): Map<string, string[]> {
  const graph = new Map<string, string[]>(alive.map((n) => [n, []]));
  for (const [a, b] of upLinks) {
    const la = graph.get(a);
    const lb = graph.get(b);
    if (!la || !lb || a === b) continue;
    la.push(b);
    lb.push(a);
  }
  return graph;
}

// BFS hop counts, computed once per source and cached.
class ShortestPaths {
  private readonly cache = new Map<string, Map<string, number>>();

  constructor(private readonly graph: Map<string, string[]>) {}

  hops(from: string, to: string): number {
    let dist = this.cache.get(from);
    if (!dist) {
      dist = new Map([[from, 0]]);
      const queue = [from];
      for (let i = 0; i < queue.length; i++) {
        const d = dist.get(queue[i])! + 1;
        for (const peer of this.graph.get(queue[i])!) {
          if (!dist.has(peer)) {
            dist.set(peer, d);
            queue.push(peer);
          }
        }
      }
      this.cache.set(from, dist);
    }
    const d = dist.get(to);
    if (d === undefined) throw new Error(`ping-all: ${to} is not reachable from ${from} over up links`);
    return d;
  }
}
