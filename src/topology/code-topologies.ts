// Small topology generators for simulator tests and the benches: lines, rings, grids and random geometric
// graphs built in code (not from a file), with the loader's defaults (vset 4, 1 s hellos, 1 ms links).

import { createRng, deriveSeed } from '../vrr/rng.ts';
import { LOCAL_BIT, type Address } from '../vrr/address.ts';
import type { LinkParams, Topology, VrrParams } from './types.ts';
import { isConnected } from './graph.ts';

/** Link parameters of the generated topologies unless overridden: 1 ms each way, nothing else. */
export const TEST_LINK: LinkParams = {
  delayMs: 1,
  jitterMs: 0,
  lossPct: 0,
  rateBps: null,
  duplicatePct: 0,
  reorderPct: 0,
  corruptPct: 0,
};

/** Protocol parameters of the generated topologies unless overridden. */
export const TEST_VRR: VrrParams = { vsetSize: 4, helloMs: 1000 };

/** Options shared by the generators. */
export interface GenOptions {
  link?: Partial<LinkParams>;
  vrr?: Partial<VrrParams>;
}

/** Builds a Topology from node names and [a, b] links. */
export function makeTopology(
  name: string,
  nodes: readonly string[],
  links: readonly (readonly [string, string])[],
  opts: GenOptions = {},
): Topology {
  const vrr = { ...TEST_VRR, ...opts.vrr };
  const link = { ...TEST_LINK, ...opts.link };
  return {
    name,
    file: '<generated>',
    seed: null,
    nodes: nodes.map((n) => ({ name: n, address: null, vrr: { ...vrr } })),
    links: links.map(([a, b]) => ({ a, b, aToB: { ...link }, bToA: { ...link } })),
    scenario: [],
    checks: { multicast: null, dht: null },
  };
}

/** n nodes in a line: n1 - n2 - ... - nN. */
export function lineTopology(n: number, opts?: GenOptions): Topology {
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const links = names.slice(1).map((b, i) => [names[i], b] as const);
  return makeTopology(`line${n}`, names, links, opts);
}

/** n nodes in a cycle. */
export function ringTopology(n: number, opts?: GenOptions): Topology {
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const links = names.map((a, i) => [a, names[(i + 1) % n]] as const);
  return makeTopology(`ring${n}`, names, links, opts);
}

/** A rows x cols grid; node r{row}c{col}, 4-neighbour links. */
export function gridTopology(rows: number, cols: number, opts?: GenOptions): Topology {
  const name = (r: number, c: number): string => `r${r}c${c}`;
  const names: string[] = [];
  const links: [string, string][] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      names.push(name(r, c));
      if (c + 1 < cols) links.push([name(r, c), name(r, c + 1)]);
      if (r + 1 < rows) links.push([name(r, c), name(r + 1, c)]);
    }
  }
  return makeTopology(`grid${rows}x${cols}`, names, links, opts);
}

/**
 * n points uniform in the unit square, linked when closer than a radius chosen for a mean degree of
 * about `degree`; the radius grows until the graph is connected. Deterministic for a seed.
 */
export function randomGeometricTopology(n: number, seed: number, degree = 8, opts?: GenOptions): Topology {
  const rng = createRng(deriveSeed(seed, 'random-geometric'));
  const pts = Array.from({ length: n }, () => [rng.next(), rng.next()] as const);
  const names = pts.map((_, i) => `g${i + 1}`);
  let radius = Math.sqrt(degree / (Math.PI * n));
  for (;;) {
    const links: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = pts[i][0] - pts[j][0];
        const dy = pts[i][1] - pts[j][1];
        if (dx * dx + dy * dy <= radius * radius) links.push([names[i], names[j]]);
      }
    }
    if (isConnected(names, links)) return makeTopology(`rgg${n}`, names, links, opts);
    radius *= 1.1;
  }
}

/** Distinct node addresses from a seed (locally administered, unicast), for tests that need no loader. */
export function testAddresses(topology: Topology, seed: number): Map<string, Address> {
  const out = new Map<string, Address>();
  const used = new Set<Address>();
  for (const n of topology.nodes) {
    const rng = createRng(deriveSeed(seed, n.name));
    let a: Address;
    do {
      // 40 random bits below the group bit, with the locally-administered bit set.
      a = LOCAL_BIT + (rng.u48() % 2 ** 40);
    } while (used.has(a));
    used.add(a);
    out.set(n.name, n.address ?? a);
  }
  return out;
}
