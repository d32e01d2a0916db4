// grid {rows, cols}: a rectangular lattice, each node linked to its right and lower neighbours.

import { GeneratorError, type Graph, type GraphLink } from '../graph.ts';

/** Name of the node in row r, column c (1-based): r1c1 is the top-left corner. */
export function gridNodeName(row: number, col: number): string {
  return `r${row}c${col}`;
}

/** A rows x cols lattice, nodes named r1c1..r{rows}c{cols} row by row. */
export function gridGraph(rows: number, cols: number): Graph {
  for (const [what, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new GeneratorError(`grid ${what} to be an integer >= 1`, String(v));
  }
  const nodes: string[] = [];
  const links: GraphLink[] = [];
  for (let r = 1; r <= rows; r++) {
    for (let c = 1; c <= cols; c++) {
      const here = gridNodeName(r, c);
      nodes.push(here);
      if (c < cols) links.push({ a: here, b: gridNodeName(r, c + 1) });
      if (r < rows) links.push({ a: here, b: gridNodeName(r + 1, c) });
    }
  }
  return { nodes, links };
}
