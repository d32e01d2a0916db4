// Multicast figures on a 100-node random geometric graph in the simulator: per-node multicast state, copies of
// one packet per link against the ideal of one (and against a shortest-path tree and unicast), and the delivery
// ratio and outages of a 50 packet/s stream under a random schedule of silent link failures.
// Run: npx tsx bench/multicast.ts [seed]

import { BROADCAST, type Address } from '../src/vrr/address.ts';
import { createRng } from '../src/vrr/rng.ts';
import { randomGeometricTopology } from '../src/topology/code-topologies.ts';
import { McastSim } from '../src/sim/mcast-sim.ts';

const seed = Number(process.argv[2] ?? 4);
const G: Address = 0x01005e000001;
const GAP_MS = 20;
const MEMBERS = 10;

const sim = new McastSim(randomGeometricTopology(100, 4), seed);
const t0 = Date.now();
sim.converge();
const names = sim.alive();
const rng = createRng(seed + 100);
const shuffled = [...names];
for (let i = shuffled.length - 1; i > 0; i--) {
  const j = rng.int(i + 1);
  [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
}
const [src, ...members] = shuffled.slice(0, MEMBERS + 1);
sim.mc(src).register(G);
for (const m of members) sim.mc(m).join(G);
sim.network.runFor(12_000); // membership settled, broadcast tree built

// ---------------------------------------------------------------- state per node
const fmt = (x: number) => x.toFixed(2);
const entries = names.map((n) => sim.mc(n).table().length);
const slots = names.map((n) =>
  sim
    .mc(n)
    .table()
    .reduce((s, r) => s + r.downstream.length + (r.upstream ? 1 : 0), 0),
);
const mcOnly = names.map(
  (n) =>
    sim
      .mc(n)
      .table()
      .filter((r) => r.group !== BROADCAST).length,
);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(
  `multicast bench: 100-node RGG, seed ${seed}, 1 source, ${MEMBERS} members, plus the broadcast tree`,
);
console.log(
  `state per node: tree entries mean ${fmt(mean(entries))} max ${Math.max(...entries)} (multicast-group entries mean ${fmt(mean(mcOnly))} max ${Math.max(...mcOnly)}), neighbour slots mean ${fmt(mean(slots))} max ${Math.max(...slots)}`,
);

// ---------------------------------------------------------------- link stress of one packet
const srcAddr = sim.network.addressOf(src);
const perLink = new Map<string, number>();
let edges = 0;
for (const n of names) {
  const r = sim
    .mc(n)
    .table()
    .find((t) => t.root === srcAddr && t.group === G);
  for (const d of r?.downstream ?? []) {
    const k = [n, sim.network.nameOf(d)!].sort().join('-');
    perLink.set(k, (perLink.get(k) ?? 0) + 1);
    edges++;
  }
}
const before = sim.network.counters().dataFramesSent;
sim.mc(src).send(G, new Uint8Array(400));
sim.network.runFor(200);
const copies = sim.network.counters().dataFramesSent - before;
// Reference: BFS over the physical graph from the source.
const adj = new Map<string, string[]>(names.map((n) => [n, []]));
for (const [a, b] of sim.network.upLinks()) {
  adj.get(a)!.push(b);
  adj.get(b)!.push(a);
}
const parent = new Map<string, string | null>([[src, null]]);
const dist = new Map<string, number>([[src, 0]]);
for (const q = [src]; q.length;) {
  const x = q.shift()!;
  for (const y of adj.get(x)!) if (!dist.has(y)) (dist.set(y, dist.get(x)! + 1), parent.set(y, x), q.push(y));
}
const spt = new Set<string>();
for (const m of members) for (let x = m; parent.get(x); x = parent.get(x)!) spt.add(`${x}<${parent.get(x)}`);
const unicast = members.reduce((s, m) => s + dist.get(m)!, 0);
console.log(
  `one packet: ${copies} copies (${edges} tree edges) on ${perLink.size} links; copies per used link max ${Math.max(...perLink.values())}, ideal 1; shortest-path tree ${spt.size} copies; unicast to each member ${unicast} copies`,
);

// ---------------------------------------------------------------- stream under silent link failures
const DURATION_S = 60;
const packets = (DURATION_S * 1000) / GAP_MS;
const failEveryMs = 3000;
const downForMs = 10_000;
const restore: { at: number; a: string; b: string }[] = [];
let failures = 0;
const first = 1000;
sim.stream(src, G, first, packets, GAP_MS, (i) => {
  const now = i * GAP_MS;
  while (restore.length && restore[0].at <= now) {
    const r = restore.shift()!;
    sim.network.impair(r.a, r.b, { lossPct: 0 }, { lossPct: 0 });
  }
  if (now % failEveryMs === 0 && i > 0) {
    const [a, b] = rng.pick(sim.network.upLinks());
    sim.network.impair(a, b, { lossPct: 100 }, { lossPct: 100 }); // silent: found by missed hellos
    restore.push({ at: now + downForMs, a, b });
    failures++;
  }
});
for (const r of restore) sim.network.impair(r.a, r.b, { lossPct: 0 }, { lossPct: 0 });
sim.network.runFor(2000);
let got = 0;
let dups = 0;
const outages: number[] = [];
for (const m of members) {
  const seqs = sim.got(m, src, G).filter((s) => s >= first);
  const uniq = new Set(seqs);
  dups += seqs.length - uniq.size;
  got += uniq.size;
  let run = 0;
  for (let s = first; s < first + packets; s++) {
    if (uniq.has(s)) {
      if (run > 0) outages.push(run * GAP_MS);
      run = 0;
    } else run++;
  }
  if (run > 0) outages.push(run * GAP_MS);
}
outages.sort((a, b) => a - b);
console.log(
  `stream ${DURATION_S} s at ${1000 / GAP_MS}/s, ${failures} silent link failures (one every ${failEveryMs / 1000} s, each down ${downForMs / 1000} s):`,
);
console.log(
  `  delivery ratio ${(got / (packets * MEMBERS)).toFixed(4)}, duplicates ${dups}, outages ${outages.length} (median ${outages[Math.floor(outages.length / 2)] ?? 0} ms, max ${outages.at(-1) ?? 0} ms)`,
);
// ---------------------------------------------------------------- membership and seed traffic over the run
const total = (name: string) =>
  sim.alive().reduce((sum, n) => sum + (sim.network.node(n)!.counters()[name] ?? 0), 0);
console.log(
  `membership over the run: ${total('mcast.request.sent')} requests (${total('mcast.refresh')} of them refreshes), ${total('mcast.request.retry')} retries, ${total('mcast.request.failed')} given up; seeds ${total('mcast.seed')} (refused at ${total('mcast.seed.refused')} hops, ${total('mcast.seed.hint')} hints); branch loops refused ${total('mcast.branch.loop')}`,
);
console.log(`wall ${((Date.now() - t0) / 1000).toFixed(1)} s`);
