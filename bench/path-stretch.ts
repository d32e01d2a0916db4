// Where routing state and stretch come from (issue 19, item 3): forms a ring in the simulator, then reads every
// node's route table and prints, per seed, how many paths there are, whether any are parallel (two paths between
// the same pair of endpoints) or join nodes that are not each other's virtual neighbours, how long the paths are
// against the shortest physical path between their endpoints (path stretch, with a histogram), and what a node
// that knew a shorter way toward an endpoint could save:
//  - an endpoint: it relays another path with the far endpoint at one end, shorter than its own path;
//  - a relay (one splice per path): it relays another path with one of the endpoints at one end, and its way there
//    plus its way along this path to the other end is shorter than the path;
//  - data stretch of greedy forwarding (2,000 seeded pairs, computed over the tables, no simulation) over today's
//    paths, and over the same virtual links if every path were a shortest path (with its routes per node): what
//    the best possible paths would give; both again with two-hop neighbours as candidates too;
//  - splices repeated: every path takes its best splice (loops erased), then again on the shortened paths, for up
//    to 8 rounds: mean hops and routes per node after each round; then the same when a relay also knows its
//    physical neighbours' ways (one hop more) and which of them lie further along its own path.
// The savings are computed from the tables with exact hop counts (the simulator sees every table): upper bounds of
// what relays that counted hops could do with the paths in place. Prints figures; asserts nothing. A 32x32 grid
// takes a few minutes per seed, most of it forming the ring.
//
//   npx tsx bench/path-stretch.ts topologies/grid-32x32.yaml --seeds 1,2,3

import { loadTopology } from '../src/checks/topology.ts';
import { runSimulation } from '../src/sim/run-sim.ts';
import { convergeStep, type SimRunContext } from '../src/sim/steps.ts';
import { relaunchWithSimHeap } from '../src/sim/heap-flags.ts';
import { closerTo, type Address } from '../src/vrr/address.ts';
import { createRng } from '../src/vrr/rng.ts';

relaunchWithSimHeap();

/** One path, as the route tables show it: its endpoints and its nodes from ea to eb. */
interface PathSeen {
  key: string;
  ea: Address;
  eb: Address;
  nodes: Address[];
}

const argv = process.argv.slice(2);
const files = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--seeds');
const seedsAt = argv.indexOf('--seeds');
const seeds = seedsAt >= 0 ? argv[seedsAt + 1].split(',').map(Number) : [1];
for (const file of files.length > 0 ? files : ['topologies/grid-32x32.yaml']) {
  const topology = loadTopology(file);
  for (const seed of seeds) {
    runSimulation(topology, {
      seed,
      steps: [convergeStep, { name: 'path figures', run: (ctx) => printFigures(ctx, seed) }],
    });
  }
}

function printFigures(ctx: SimRunContext, seed: number): void {
  const net = ctx.network;
  const names = net.nodeNames().filter((n) => net.node(n) !== null);
  const nameOf = new Map<Address, string>(names.map((n) => [net.addressOf(n), n]));
  const vsets = new Map<Address, Set<Address>>();
  // Per path key, the next hop toward eb at each node that holds it.
  const towardB = new Map<string, Map<Address, Address | null>>();
  const ends = new Map<string, { ea: Address; eb: Address }>();
  let entries = 0;
  for (const name of names) {
    const node = net.node(name)!;
    const me = net.addressOf(name);
    vsets.set(me, new Set(node.vsetMembers()));
    for (const r of node.routes()) {
      entries++;
      const key = `${r.ea}/${r.pathId}`;
      if (!towardB.has(key)) towardB.set(key, new Map());
      towardB.get(key)!.set(me, r.nb);
      ends.set(key, { ea: r.ea, eb: r.eb });
    }
  }
  const paths: PathSeen[] = [];
  for (const [key, { ea, eb }] of ends) {
    const hops = towardB.get(key)!;
    const nodes = [ea];
    for (
      let at = hops.get(ea);
      at !== undefined && at !== null && nodes.length <= hops.size;
      at = hops.get(at)
    ) {
      nodes.push(at);
      if (at === eb) break;
    }
    if (nodes[nodes.length - 1] === eb) paths.push({ key, ea, eb, nodes });
  }

  const pairs = new Map<string, number>();
  let notMutual = 0;
  for (const p of paths) {
    const pair = p.ea < p.eb ? `${p.ea}-${p.eb}` : `${p.eb}-${p.ea}`;
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
    if (!vsets.get(p.ea)?.has(p.eb) || !vsets.get(p.eb)?.has(p.ea)) notMutual++;
  }
  const parallel = [...pairs.values()].filter((n) => n > 1).length;

  // Physical shortest paths (breadth-first over the links that are up), per endpoint, cached.
  const graph = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const [a, b] of net.upLinks()) {
    graph.get(a)?.push(b);
    graph.get(b)?.push(a);
  }
  const bfsCache = new Map<string, Map<string, number>>();
  const shortest = (a: Address, b: Address): number => {
    const from = nameOf.get(a)!;
    let dist = bfsCache.get(from);
    if (!dist) {
      dist = new Map([[from, 0]]);
      const queue = [from];
      for (let i = 0; i < queue.length; i++)
        for (const peer of graph.get(queue[i])!)
          if (!dist.has(peer)) {
            dist.set(peer, dist.get(queue[i])! + 1);
            queue.push(peer);
          }
      bfsCache.set(from, dist);
    }
    return dist.get(nameOf.get(b)!)!;
  };

  // What each node knows, by the paths it lies on: hops to each endpoint, per path.
  const known = new Map<Address, Map<Address, { hops: number; key: string }[]>>();
  const learn = (node: Address, endpoint: Address, hops: number, key: string): void => {
    if (!known.has(node)) known.set(node, new Map());
    const byEnd = known.get(node)!;
    if (!byEnd.has(endpoint)) byEnd.set(endpoint, []);
    byEnd.get(endpoint)!.push({ hops, key });
  };
  for (const p of paths) {
    const last = p.nodes.length - 1;
    p.nodes.forEach((node, i) => {
      if (i > 0) learn(node, p.ea, i, p.key);
      if (i < last) learn(node, p.eb, last - i, p.key);
    });
  }
  const otherWay = (node: Address, endpoint: Address, key: string): number => {
    let best = Infinity;
    for (const k of known.get(node)?.get(endpoint) ?? []) if (k.key !== key && k.hops < best) best = k.hops;
    return best;
  };

  let hopsSum = 0;
  let shortestSum = 0;
  let endpointSum = 0;
  let relaySum = 0;
  let endpointShorter = 0;
  let relayShorter = 0;
  const histogram = new Map<number, number>();
  for (const p of paths) {
    const length = p.nodes.length - 1;
    const best = shortest(p.ea, p.eb);
    hopsSum += length;
    shortestSum += best;
    const bucket = Math.round((2 * length) / best) / 2;
    histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    const atEndpoint = Math.min(length, otherWay(p.ea, p.eb, p.key), otherWay(p.eb, p.ea, p.key));
    let atRelay = length;
    p.nodes.forEach((node, i) => {
      atRelay = Math.min(atRelay, otherWay(node, p.ea, p.key) + length - i, i + otherWay(node, p.eb, p.key));
    });
    endpointSum += atEndpoint;
    relaySum += atRelay;
    if (atEndpoint < length) endpointShorter++;
    if (atRelay < length) relayShorter++;
  }
  const n = paths.length;
  const mean = (x: number): string => (n > 0 ? (x / n).toFixed(2) : '-');
  const rows: [string, string][] = [
    [
      'topology',
      `${ctx.topology.name}, seed ${seed}: ${ctx.convergenceMs === null ? 'ring not consistent' : `ring consistent at ${ctx.convergenceMs / 1000} s`}`,
    ],
    ['routes per node', `mean ${(entries / names.length).toFixed(1)}`],
    [
      'paths',
      `${n} between ${pairs.size} pairs; ${parallel} pairs with parallel paths, ${notMutual} paths between nodes that are not both virtual neighbours, ${ends.size - n} incomplete`,
    ],
    [
      'path hops',
      `mean ${mean(hopsSum)}, shortest ${mean(shortestSum)}: path stretch ${(hopsSum / shortestSum).toFixed(3)}`,
    ],
    [
      'path stretch histogram',
      [...histogram.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}:${v}`)
        .join(' '),
    ],
    ['shorter way at an endpoint', `mean ${mean(endpointSum)} hops (${endpointShorter} paths shorter)`],
    [
      'shorter way at a relay',
      `mean ${mean(relaySum)} hops (${relayShorter} paths shorter, one splice each)`,
    ],
  ];
  const links = new Map<Address, Address[]>();
  for (const [a, b] of net.upLinks()) {
    const [x, y] = [net.addressOf(a), net.addressOf(b)];
    links.set(x, [...(links.get(x) ?? []), y]);
    links.set(y, [...(links.get(y) ?? []), x]);
  }
  rows.push(['data stretch, greedy offline', dataStretch(paths, links, seed, names.length)]);
  rows.push(['splices repeated', spliceRounds(paths, names.length, null)]);
  rows.push(['... and via neighbours', spliceRounds(paths, names.length, links)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log();
}

/** Repeated splices (see the header): "mean hops / routes per node" after each round, until nothing shortens. */
function spliceRounds(start: PathSeen[], nodeCount: number, links: Map<Address, Address[]> | null): string {
  let paths = start.map((p) => ({ ...p, nodes: [...p.nodes] }));
  const out: string[] = [];
  for (let round = 0; round < 8; round++) {
    // Per node and endpoint: the shortest way there along another path (its nodes, from the node to the endpoint).
    const ways = new Map<Address, Map<Address, { key: string; way: Address[] }[]>>();
    const add = (node: Address, end: Address, key: string, way: Address[]): void => {
      if (!ways.has(node)) ways.set(node, new Map());
      const byEnd = ways.get(node)!;
      if (!byEnd.has(end)) byEnd.set(end, []);
      byEnd.get(end)!.push({ key, way });
    };
    for (const p of paths) {
      p.nodes.forEach((node, i) => {
        if (i > 0) add(node, p.ea, p.key, p.nodes.slice(0, i + 1).reverse());
        if (i < p.nodes.length - 1) add(node, p.eb, p.key, p.nodes.slice(i));
      });
    }
    let changed = 0;
    paths = paths.map((p) => {
      let best = p.nodes;
      const position = new Map(p.nodes.map((node, i) => [node, i]));
      p.nodes.forEach((node, i) => {
        // This node's ways, and with neighbours, each neighbour's ways one hop further.
        const from: [Address[], Address][] = [[[], node]];
        for (const m of links?.get(node) ?? []) {
          from.push([[node], m]);
          const j = position.get(m);
          if (j !== undefined && j > i + 1) {
            const cand = [...p.nodes.slice(0, i + 1), ...p.nodes.slice(j)];
            if (cand.length < best.length) best = cand;
          }
        }
        for (const [prefix, at] of from) {
          for (const w of ways.get(at)?.get(p.ea) ?? []) {
            if (w.key === p.key) continue;
            const cand = loopErased([...[...prefix, ...w.way].reverse(), ...p.nodes.slice(i + 1)]);
            if (cand.length < best.length) best = cand;
          }
          for (const w of ways.get(at)?.get(p.eb) ?? []) {
            if (w.key === p.key) continue;
            const cand = loopErased([...p.nodes.slice(0, i), ...prefix, ...w.way]);
            if (cand.length < best.length) best = cand;
          }
        }
      });
      if (best !== p.nodes) changed++;
      return { ...p, nodes: best };
    });
    const hops = paths.reduce((sum, p) => sum + p.nodes.length - 1, 0);
    const entries = paths.reduce((sum, p) => sum + p.nodes.length, 0);
    out.push(`${(hops / paths.length).toFixed(1)} / ${(entries / nodeCount).toFixed(1)}`);
    if (changed === 0) break;
  }
  return out.join(', ');
}

/** The walk with every loop cut out (from a node's first visit to its last). */
function loopErased(walk: Address[]): Address[] {
  const out: Address[] = [];
  const at = new Map<Address, number>();
  for (const node of walk) {
    const seen = at.get(node);
    if (seen !== undefined) {
      for (const dropped of out.splice(seen + 1)) at.delete(dropped);
      continue;
    }
    at.set(node, out.length);
    out.push(node);
  }
  return out;
}

/**
 * Mean stretch of greedy forwarding over 2,000 seeded pairs: at each node the candidate closest to the destination
 * (itself, its neighbours, every path endpoint) and the next hop toward it, as forwarding.ts does (parallel paths
 * aside: there are none). Over today's paths, then over shortest paths between the same endpoints.
 */
function dataStretch(
  paths: PathSeen[],
  links: Map<Address, Address[]>,
  seed: number,
  nodeCount: number,
): string {
  const nodes = [...links.keys()].sort((a, b) => a - b);
  const bfs = (from: Address): Map<Address, Address | null> => {
    const parent = new Map<Address, Address | null>([[from, null]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++)
      for (const m of links.get(queue[i]) ?? [])
        if (!parent.has(m)) {
          parent.set(m, queue[i]);
          queue.push(m);
        }
    return parent;
  };
  const distCache = new Map<Address, Map<Address, Address | null>>();
  const tree = (a: Address): Map<Address, Address | null> => {
    let t = distCache.get(a);
    if (!t) distCache.set(a, (t = bfs(a)));
    return t;
  };
  const hopsBetween = (a: Address, b: Address): number => {
    let n = 0;
    for (let at: Address | null | undefined = b; at !== a && at != null; at = tree(a).get(at)) n++;
    return n;
  };
  const shortestPaths = paths.map((p) => {
    const t = tree(p.ea);
    const back: Address[] = [];
    for (let at: Address | null | undefined = p.eb; at != null; at = t.get(at)) back.push(at);
    return { ...p, nodes: back.reverse() };
  });
  const rng = createRng(seed);
  const pairs: [Address, Address][] = [];
  while (pairs.length < 2000) {
    const a = nodes[rng.int(nodes.length)];
    const b = nodes[rng.int(nodes.length)];
    if (a !== b) pairs.push([a, b]);
  }
  // Two hops away: every node a neighbour lists in its hellos (the pset carries them), reached through it.
  const twoHops = new Map<Address, Map<Address, Address>>();
  for (const [at, ms] of links) {
    const t = new Map<Address, Address>();
    for (const m of ms) for (const x of links.get(m) ?? []) if (x !== at && !t.has(x)) t.set(x, m);
    twoHops.set(at, t);
  }
  const measure = (set: PathSeen[], withTwoHops = false): string => {
    // Per node: endpoint -> next hop toward it (the first path listed wins; there are no parallel paths).
    const table = new Map<Address, Map<Address, Address>>();
    let entries = 0;
    for (const p of set)
      p.nodes.forEach((node, i) => {
        entries++;
        if (!table.has(node)) table.set(node, new Map());
        const t = table.get(node)!;
        if (i > 0 && !t.has(p.ea)) t.set(p.ea, p.nodes[i - 1]);
        if (i < p.nodes.length - 1 && !t.has(p.eb)) t.set(p.eb, p.nodes[i + 1]);
      });
    let sum = 0;
    let lost = 0;
    for (const [src, dst] of pairs) {
      let at = src;
      let hops = 0;
      while (at !== dst && hops < 255) {
        let best = at;
        let via = at;
        for (const m of links.get(at) ?? [])
          if (closerTo(dst, m, best)) {
            best = m;
            via = m;
          }
        for (const [e, next] of table.get(at) ?? [])
          if (closerTo(dst, e, best)) {
            best = e;
            via = next;
          }
        if (withTwoHops)
          for (const [e, next] of twoHops.get(at) ?? [])
            if (closerTo(dst, e, best)) {
              best = e;
              via = next;
            }
        if (best === at) break;
        at = via;
        hops++;
      }
      if (at === dst) sum += hops / hopsBetween(src, dst);
      else lost++;
    }
    const delivered = pairs.length - lost;
    return `${(sum / delivered).toFixed(2)} (${(entries / nodeCount).toFixed(1)} routes per node${lost > 0 ? `, ${lost} pairs lost` : ''})`;
  };
  return (
    `today's paths ${measure(paths)}; every path a shortest path ${measure(shortestPaths)}; ` +
    `with two-hop neighbours as candidates too: today's ${measure(paths, true)}, shortest ${measure(shortestPaths, true)}`
  );
}
