// Bench: VRR (vrrd) against babeld on the same topologies, in netns labs. For grids (5x5, 7x7 by default; 10x10
// with --sizes 5,7,10) and a random geometric graph, each protocol in turn:
//  - time to full reachability: from the first daemon start, a seeded sample of ordered pairs (the far corners
//    among them) is pinged over IPv4 until every pair has answered; for VRR also the time to a consistent ring,
//    for babeld the time until every node has a kernel route to every other;
//  - repair time after a link failure: the first-hop link of the far pair's path (found by which of the source's
//    interfaces the pings leave by) is set down, and the time until every sampled pair answers again;
//  - routing state per node: babeld's kernel routes (proto babel, IPv4 and IPv6), VRR's route entries (vrrd's
//    status), and their ratio;
//  - the simulator on the same topology and seed: its time to a consistent ring (polled every 100 ms), and the
//    real lab's over it (issue 19: a real netns lab within 1.5x of the simulator).
// Prints figures; asserts nothing. Run as root, under the labs lock:
//   flock /tmp/vrr-labs.lock npx tsx bench/versus-babel.ts [--sizes 5,7] [--rgg 30] [--pairs 40]

import { loadavg } from 'node:os';
import { parseTopology } from '../src/checks/topology.ts';
import { REPO_ROOT } from '../src/daemon/daemon-bundle.ts';
import { babelRoutes } from '../src/testbed/lab/babeld.ts';
import { downLabs } from '../src/testbed/lab/down.ts';
import { setLink } from '../src/testbed/lab/faults.ts';
import { Lab } from '../src/testbed/lab/lab.ts';
import { readLabState } from '../src/testbed/lab/lab-state.ts';
import { hostIpv4 } from '../src/testbed/lab/plan.ts';
import { mapLimit } from '../src/testbed/lab/pool.ts';
import { upLab } from '../src/testbed/lab/up.ts';
import { NetnsRuntime } from '../src/testbed/runtime/netns.ts';
import type { Topology } from '../src/topology/types.ts';
import { runSimulation } from '../src/sim/run-sim.ts';
import { isRingConsistent } from '../src/checks/ring-consistent/sim.ts';

type Protocol = 'vrrd' | 'babeld';

interface Figures {
  reachMs: number | null;
  /** VRR: ring consistent; babeld: every node routes to every other (both from the first daemon start). */
  convergedMs: number | null;
  repairMs: number | null;
  failedLink: string;
  routesPerNode: number;
  /** babeld: IPv4 kernel routes only (one per destination), to compare with VRR's entries. */
  routesV4PerNode: number | null;
}

const POLL_TIMEOUT_MS = 240_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function topologyText(name: string, protocol: Protocol, generate: string): Topology {
  const text = [
    `name: ${name}`,
    'seed: 1',
    'defaults:',
    `  protocol: ${protocol}`,
    '  vrr: { vsetSize: 4, helloMs: 1000 }',
    '  link: { delay: 1ms }',
    'generate:',
    `  ${generate}`,
    '',
  ].join('\n');
  return parseTopology(text, `${name}.yaml`, REPO_ROOT);
}

/** A seeded sample of ordered pairs (a small LCG: the same pairs for both protocols), the far pair first. */
function samplePairs(nodes: string[], count: number): [string, string][] {
  const pairs: [string, string][] = [[nodes[0], nodes[nodes.length - 1]]];
  let x = 12345;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  const seen = new Set(pairs.map((p) => p.join('>')));
  while (pairs.length < Math.min(count, nodes.length * (nodes.length - 1))) {
    const a = nodes[next(nodes.length)];
    const b = nodes[next(nodes.length)];
    if (a === b || seen.has(`${a}>${b}`)) continue;
    seen.add(`${a}>${b}`);
    pairs.push([a, b]);
  }
  return pairs;
}

/** Pings the pairs still pending until none is (each pair counts once it has answered); ms, or null at the deadline. */
async function pollPairs(lab: Lab, pairs: [string, string][], started: number): Promise<number | null> {
  let pending = [...pairs];
  while (pending.length > 0) {
    if (Date.now() - started > POLL_TIMEOUT_MS) return null;
    const ok = await mapLimit(pending, 8, async ([from, to]) => {
      const address = hostIpv4(lab.plan.nodes.find((n) => n.name === to)!);
      const r = await lab.exec(from, ['ping', '-4', '-c', '1', '-W', '1', address], { timeoutMs: 5000 });
      return r.exitCode === 0;
    });
    pending = pending.filter((_, i) => !ok[i]);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 200));
  }
  return Date.now() - started;
}

/** The link of from the pings to to leave by: the interface whose tx counter grows while they run. */
async function usedFirstHop(lab: Lab, from: string, to: string): Promise<[string, string]> {
  const node = lab.plan.nodes.find((n) => n.name === from)!;
  const address = hostIpv4(lab.plan.nodes.find((n) => n.name === to)!);
  const counters = async (): Promise<number[]> =>
    Promise.all(
      node.interfaces.map(async (i) => {
        const r = await lab.exec(from, ['cat', `/sys/class/net/${i.ifname}/statistics/tx_packets`]);
        return Number(r.stdout.trim());
      }),
    );
  const before = await counters();
  await lab.exec(from, ['ping', '-4', '-c', '40', '-i', '0.02', '-W', '1', '-q', address], {
    timeoutMs: 20_000,
  });
  const after = await counters();
  let best = 0;
  for (let i = 1; i < node.interfaces.length; i++) {
    if (after[i] - before[i] > after[best] - before[best]) best = i;
  }
  return [from, node.interfaces[best].peer];
}

async function routesPerNode(lab: Lab, protocol: Protocol): Promise<{ all: number; v4: number | null }> {
  const nodes = lab.plan.nodes.map((n) => n.name);
  if (protocol === 'babeld') {
    const routes = await mapLimit(nodes, 8, (n) => babelRoutes(lab, n));
    const v4 = routes.map((r) => r.filter((d) => !d.includes(':')).length);
    return { all: mean(routes.map((r) => r.length)), v4: mean(v4) };
  }
  const counts = await mapLimit(nodes, 8, async (n) => {
    const s = await lab.ctl<{ counts: { routes: number } }>(n, 'status');
    return s.counts.routes;
  });
  return { all: mean(counts), v4: null };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function runOne(
  runtime: NetnsRuntime,
  topology: Topology,
  protocol: Protocol,
  pairCount: number,
): Promise<Figures> {
  const name = topology.name;
  await downLabs(name, async () => [runtime]);
  const pairs = samplePairs(
    topology.nodes.map((n) => n.name),
    pairCount,
  );
  let reach: Promise<number | null> | null = null;
  try {
    const up = await upLab(topology, {
      seed: 1,
      runtime,
      lab: name,
      timeoutMs: POLL_TIMEOUT_MS,
      progress: (line) => {
        // The daemons start right after this line: from here the pairs are pinged until all have answered.
        if (!line.startsWith('starting ') || reach !== null) return;
        const started = Date.now();
        reach = (async () => {
          const state = readLabState(name);
          if (state === null) return null;
          return pollPairs(await Lab.open(state, runtime), pairs, started);
        })();
      },
    });
    const reachMs = reach === null ? null : await (reach as Promise<number | null>);
    const lab = up.lab;
    const routes = await routesPerNode(lab, protocol);
    const [a, b] = await usedFirstHop(lab, pairs[0][0], pairs[0][1]);
    const failedAt = Date.now();
    await setLink(lab, a, b, false);
    const repairMs = await pollPairs(lab, pairs, failedAt);
    return {
      reachMs,
      convergedMs: up.convergenceMs,
      repairMs,
      failedLink: `${a}--${b}`,
      routesPerNode: routes.all,
      routesV4PerNode: routes.v4,
    };
  } finally {
    await downLabs(name, async () => [runtime]);
  }
}

/** The simulator's time to a consistent ring on the same topology and seed (polled every 100 ms), or null. */
function simRingMs(topology: Topology): number | null {
  let at: number | null = null;
  runSimulation(
    { ...topology, scenario: [] },
    {
      seed: 1,
      maxSimMs: POLL_TIMEOUT_MS,
      steps: [
        {
          name: 'converge (100 ms poll)',
          run(ctx) {
            at = ctx.network.runUntilTrue(() => isRingConsistent(ctx.network), {
              everyMs: 100,
              deadlineMs: ctx.maxSimMs,
            });
            ctx.convergenceMs = at;
          },
        },
      ],
    },
  );
  return at;
}

const s = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<void> {
  const runtime = new NetnsRuntime();
  const why = await runtime.unavailableReason();
  if (why !== null) throw new Error(`netns runtime: ${why}`);
  await runtime.babeldCommand();
  const sizes = (arg('--sizes') ?? '5,7').split(',').map(Number);
  const rgg = Number(arg('--rgg') ?? '30');
  const pairCount = Number(arg('--pairs') ?? '40');
  const cases: { label: string; generate: string }[] = [
    ...sizes.map((k) => ({ label: `grid ${k}x${k}`, generate: `grid: { rows: ${k}, cols: ${k} }` })),
    ...(rgg > 0
      ? [
          {
            label: `rgg ${rgg}`,
            generate: `random-geometric: { n: ${rgg}, radius: ${(1.6 / Math.sqrt(rgg)).toFixed(3)}, seed: 7 }`,
          },
        ]
      : []),
  ];
  console.log(
    `versus-babel: netns labs, ${pairCount} sampled pairs (IPv4), load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const c of cases) {
    const results: Partial<Record<Protocol, Figures>> = {};
    for (const protocol of ['vrrd', 'babeld'] as const) {
      const id = c.label.replace(/[^a-z0-9]+/g, '');
      const topology = topologyText(`vs-${protocol === 'vrrd' ? 'vrr' : 'bab'}-${id}`, protocol, c.generate);
      results[protocol] = await runOne(runtime, topology, protocol, pairCount);
      const f = results[protocol];
      console.log(
        `  ${c.label} ${protocol}: reach ${s(f.reachMs)}, ${protocol === 'vrrd' ? 'ring' : 'routes'} ${s(f.convergedMs)}, ` +
          `repair ${s(f.repairMs)} (${f.failedLink} down), routes/node ${f.routesPerNode.toFixed(1)}` +
          `${f.routesV4PerNode !== null ? ` (${f.routesV4PerNode.toFixed(1)} IPv4)` : ''}, load ${loadavg()[0].toFixed(1)}`,
      );
    }
    const v = results.vrrd!;
    const b = results.babeld!;
    const id = c.label.replace(/[^a-z0-9]+/g, '');
    const sim = simRingMs(topologyText(`vs-vrr-${id}`, 'vrrd', c.generate));
    const ratio = (x: number | null, y: number | null): string =>
      x === null || y === null || y === 0 ? '-' : (x / y).toFixed(2);
    console.log(`${c.label}: ${'VRR'.padStart(20)} ${'babeld'.padStart(10)} ${'VRR/babeld'.padStart(11)}`);
    console.log(
      `  reachability       ${s(v.reachMs).padStart(10)} ${s(b.reachMs).padStart(10)} ${ratio(v.reachMs, b.reachMs).padStart(11)}`,
    );
    console.log(
      `  ring / routes      ${s(v.convergedMs).padStart(10)} ${s(b.convergedMs).padStart(10)} ${ratio(v.convergedMs, b.convergedMs).padStart(11)}`,
    );
    console.log(
      `  repair (link down) ${s(v.repairMs).padStart(10)} ${s(b.repairMs).padStart(10)} ${ratio(v.repairMs, b.repairMs).padStart(11)}`,
    );
    console.log(
      `  VRR ring: simulator ${s(sim)}, real lab ${s(v.convergedMs)}, lab/simulator ${ratio(v.convergedMs, sim)}`,
    );
    console.log(
      `  routes per node    ${v.routesPerNode.toFixed(1).padStart(10)} ${b.routesV4PerNode!.toFixed(1).padStart(10)} ${ratio(v.routesPerNode, b.routesV4PerNode).padStart(11)}  (babeld: IPv4 kernel routes; ${b.routesPerNode.toFixed(1)} with IPv6)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
