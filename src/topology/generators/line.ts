// line {n}: n1 - n2 - ... - nN, the longest diameter for n nodes.

import { GeneratorError, type Graph } from '../graph.ts';

/** A path of n nodes named n1..nN (n >= 1). */
export function lineGraph(n: number): Graph {
  if (!Number.isInteger(n) || n < 1) throw new GeneratorError('line n to be an integer >= 1', String(n));
  const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const links = nodes.slice(1).map((b, i) => ({ a: nodes[i], b }));
  return { nodes, links };
}
