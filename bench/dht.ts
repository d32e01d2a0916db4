// DHT bench: get latency in hops on random geometric graphs of 100 and 400 nodes, in the simulator. Each run
// converges the ring, puts keys from random nodes, then gets each key from another random node and reports the
// hops: the request's way to the key's owner, and the round trip (request + reply, what DhtResult.hops says).
// Prints figures; asserts nothing.
//
//   npx tsx bench/dht.ts                    # 100 and 400 nodes, 1,000 keys each, seed 1
//   npx tsx bench/dht.ts --nodes 100 --keys 200 --seed 7

import { SimNetwork } from '../src/sim/network.ts';
import { isRingConsistent } from '../src/checks/ring-consistent/sim.ts';
import { assignAddresses, type Topology } from '../src/topology/index.ts';
import { parseTopology } from '../src/checks/topology.ts';
import type { Address } from '../src/vrr/address.ts';
import { Dht, type DhtResult } from '../src/vrr/dht/index.ts';
import { VrrNode } from '../src/vrr/node.ts';
import { createRng } from '../src/vrr/rng.ts';
import { DhtOptionType, type KnownOption } from '../src/vrr/wire/index.ts';
import { relaunchWithSimHeap } from '../src/sim/heap-flags.ts';

// A larger young generation: 15-20 % faster on 1,000-node networks (src/sim/heap-flags.ts).
relaunchWithSimHeap();

interface Args {
  nodes: number[];
  keys: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { nodes: [], keys: 1000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--nodes') args.nodes.push(value);
    else if (argv[i] === '--keys') args.keys = value;
    else if (argv[i] === '--seed') args.seed = value;
    else throw new Error(`unknown argument ${argv[i]} (expected --nodes N, --keys K, --seed S)`);
    i++;
  }
  if (args.nodes.length === 0) args.nodes = [100, 400];
  return args;
}

/** A connected random geometric graph with about 10 neighbours per node, through the topology loader. */
function topology(n: number, seed: number): Topology {
  const radius = Math.round(Math.sqrt(10 / (Math.PI * n)) * 1000) / 1000;
  const yaml = [
    `name: rgg-${n}`,
    `seed: ${seed}`,
    'defaults:',
    '  vrr: { vsetSize: 4, helloMs: 1000 }',
    '  link: { delay: 1ms }',
    'generate:',
    `  random-geometric: { n: ${n}, radius: ${radius}, seed: ${seed} }`,
  ].join('\n');
  return parseTopology(yaml, `<bench rgg-${n}>`, process.cwd());
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
  return `mean ${mean.toFixed(2)}, p95 ${p95}, max ${sorted[sorted.length - 1]}`;
}

function run(n: number, keys: number, seed: number): void {
  const started = performance.now();
  const topo = topology(n, seed);
  const dhts = new Map<Address, Dht>();
  // Hops of each GET as it reaches the owner, by request id (seen at the owner, so the request's own count).
  const requestHops = new Map<number, number>();
  const network = new SimNetwork(topo, {
    seed,
    addresses: assignAddresses(topo, seed),
    createNode: (config, env) => {
      const node = new VrrNode(config, env);
      const dht = new Dht(node.services);
      // Watch GETs arrive at their owner (onOption of the node that ends up handling them) to split the
      // round trip into its two legs. The wrapper only observes.
      const onOption = dht.onOption.bind(dht);
      dht.onOption = (option: KnownOption, sender: Address) => {
        if (option.type === DhtOptionType.GET && node.nextHop(option.target).kind === 'local') {
          requestHops.set(option.reqId, option.hopCount);
        }
        onOption(option, sender);
      };
      dhts.set(config.address, node.attach(dht));
      return node;
    },
  });
  network.start();
  const converged = network.runUntilTrue(() => isRingConsistent(network), {
    everyMs: 1000,
    deadlineMs: 600_000,
  });
  if (converged === null) {
    console.log(`rgg-${n}: the ring did not converge in 600 simulated seconds; no DHT figures`);
    return;
  }
  const names = network.nodeNames();
  const rng = createRng(seed);
  const dht = (name: string) => dhts.get(network.addressOf(name))!;
  const runAll = (calls: ((done: (r: DhtResult) => void) => void)[]): DhtResult[] => {
    const results: DhtResult[] = [];
    let open = calls.length;
    calls.forEach((call, i) => {
      call((r) => {
        results[i] = r;
        open--;
      });
      network.runFor(2);
    });
    network.runUntilTrue(() => open === 0, { everyMs: 100, deadlineMs: network.now() + 120_000 });
    return results;
  };
  const putters = Array.from({ length: keys }, () => rng.pick(names));
  const puts = runAll(
    putters.map((p, i) => (done) => dht(p).put(`bench-${i}`, Uint8Array.of(i % 256), {}, done)),
  );
  network.runFor(5000);
  const getters = putters.map((p) => {
    for (;;) {
      const g = rng.pick(names);
      if (g !== p) return g;
    }
  });
  requestHops.clear();
  // GETs one at a time, so each request id seen at an owner belongs to the GET just issued.
  const oneWay: number[] = [];
  const gets: DhtResult[] = [];
  for (let i = 0; i < keys; i++) {
    const [r] = runAll([(done) => dht(getters[i]).get(`bench-${i}`, done)]);
    gets.push(r);
    const seen = [...requestHops.values()];
    if (seen.length > 0) oneWay.push(seen[seen.length - 1]);
    else if (r.hops === 0) oneWay.push(0);
    requestHops.clear();
  }
  const found = gets.filter((r) => r.ok && r.found).length;
  const rows: [string, string][] = [
    ['topology', `${topo.name}: ${n} nodes, ${topo.links.length} links, seed ${seed}`],
    ['ring consistent at', `${converged / 1000} s (simulated)`],
    ['puts ok', `${puts.filter((r) => r.ok).length}/${keys}`],
    ['gets found', `${found}/${keys}`],
    ['get hops, request to owner', stats(oneWay)],
    ['get hops, round trip', stats(gets.filter((r) => r.hops !== undefined).map((r) => r.hops!))],
    ['wall time', `${((performance.now() - started) / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log();
}

const args = parseArgs(process.argv.slice(2));
for (const n of args.nodes) run(n, args.keys, args.seed);
