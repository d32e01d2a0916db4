// star {n}: a hub and n leaves; every leaf-to-leaf path crosses the hub, the stress case of real mesh maps.

import { GeneratorError, type Graph } from '../graph.ts';

/** The hub's name. */
export const STAR_HUB = 'hub';

/** A hub named `hub` linked to n leaves named n1..nN (n >= 1). */
export function starGraph(n: number): Graph {
  if (!Number.isInteger(n) || n < 1) throw new GeneratorError('star n to be an integer >= 1', String(n));
  const leaves = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  return { nodes: [STAR_HUB, ...leaves], links: leaves.map((leaf) => ({ a: STAR_HUB, b: leaf })) };
}
