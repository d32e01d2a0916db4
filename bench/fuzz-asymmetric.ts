// The fuzzer with asymmetric link transitions (one-way drops, links that flap during a heal) and the
// complete-path invariant: 200 schedules, 50 on each of four random geometric graphs (10, 17, 23, 30 nodes),
// the same graphs as the suite's fuzz test. Prints the violations per invariant and the path-check traffic.
// Usage: npx tsx bench/fuzz-asymmetric.ts [seed] [schedules per graph]

import { defaultInvariants, runFuzz } from '../src/sim/fuzz/fuzz.ts';
import { randomGeometricTopology } from '../src/topology/code-topologies.ts';

const seed = Number(process.argv[2] ?? 2024);
const perGraph = Number(process.argv[3] ?? 50);
let schedules = 0;
let failed = 0;
const violations: Record<string, number> = {};
const probes = { sent: 0, verified: 0, brokenHere: 0, timedOut: 0 };
const started = Date.now();
for (const [n, graphSeed] of [
  [10, 1],
  [17, 2],
  [23, 3],
  [30, 4],
] as const) {
  const summary = runFuzz(randomGeometricTopology(n, graphSeed), seed, perGraph, {
    schedule: { asymmetric: true },
    // The default invariants, plus the path check's counters of every node (restarted nodes count anew).
    invariants: (network) => {
      for (const name of network.nodeNames()) {
        const c = network.node(name)?.counters() ?? {};
        probes.sent += c['pathProbe.sent'] ?? 0;
        probes.verified += c['pathProbe.verified'] ?? 0;
        probes.brokenHere += c['pathProbe.brokenHere'] ?? 0;
        probes.timedOut += c['pathProbe.timedOut'] ?? 0;
      }
      return defaultInvariants(network);
    },
    onResult: (_i, result) => {
      schedules++;
      for (const check of result.report.checks)
        if (!check.passed) violations[check.name] = (violations[check.name] ?? 0) + 1;
    },
  });
  failed += summary.failures.length;
  for (const f of summary.failures)
    console.log(
      `FAIL ${n} nodes, schedule ${f.index} seed ${f.scheduleSeed}: ${f.problems.slice(0, 4).join('; ')}`,
    );
  console.log(`${n}-node graph: ${perGraph} schedules, ${summary.failures.length} failed`);
}
console.log(
  JSON.stringify({
    seed,
    schedules,
    failed,
    violations,
    probes,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  }),
);
