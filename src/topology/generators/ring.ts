// ring {n}: a line closed into a cycle, so every node has exactly two physical neighbours.

import { GeneratorError, type Graph } from '../graph.ts';
import { lineGraph } from './line.ts';

/** A cycle of n nodes named n1..nN (n >= 3: fewer would need a duplicate or a self-link). */
export function ringGraph(n: number): Graph {
  if (!Number.isInteger(n) || n < 3) throw new GeneratorError('ring n to be an integer >= 3', String(n));
  const line = lineGraph(n);
  return { nodes: line.nodes, links: [...line.links, { a: line.nodes[n - 1], b: line.nodes[0] }] };
}
