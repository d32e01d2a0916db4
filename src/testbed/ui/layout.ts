// Where the physical graph puts each node. Topology files carry no coordinates, so: a grid's nodes (named
// r<row>c<col> by the grid generator) go on their grid; anything else is laid out by ForceAtlas2 (graphology)
// from a start that depends only on the names, so the same topology is drawn the same way every time.
// Computed once on the server (about 1.5 s for 1,000 nodes); the page only draws.

import { createHash } from 'node:crypto';
import { UndirectedGraph } from 'graphology';
import forceAtlas2Import, { type ForceAtlas2Settings } from 'graphology-layout-forceatlas2';

/** Positions in a box about SIZE wide, by node name. */
export type Positions = Map<string, { x: number; y: number }>;

const SIZE = 1000;

// A CommonJS package: under Node's ESM its functions are on the default export (what the typings call default).
interface ForceAtlas2 {
  inferSettings(graph: UndirectedGraph): ForceAtlas2Settings;
  assign(graph: UndirectedGraph, options: { iterations: number; settings: ForceAtlas2Settings }): void;
}
const forceAtlas2 = ((forceAtlas2Import as unknown as { default?: ForceAtlas2 }).default ??
  forceAtlas2Import) as ForceAtlas2;

/** Lays out the graph; see the file comment. */
export function layoutGraph(names: readonly string[], links: readonly { a: string; b: string }[]): Positions {
  return gridLayout(names) ?? forceLayout(names, links);
}

/** Grid positions when every name is r<row>c<col>; null otherwise. */
export function gridLayout(names: readonly string[]): Positions | null {
  const cells = names.map((n) => /^r(\d+)c(\d+)$/.exec(n));
  if (names.length === 0 || cells.some((c) => c === null)) return null;
  const rows = Math.max(...cells.map((c) => Number(c![1])));
  const cols = Math.max(...cells.map((c) => Number(c![2])));
  const step = SIZE / Math.max(rows, cols, 1);
  return new Map(
    names.map((n, i) => [n, { x: Number(cells[i]![2]) * step, y: Number(cells[i]![1]) * step }]),
  );
}

/** ForceAtlas2 from a name-seeded start, scaled to the box. */
export function forceLayout(names: readonly string[], links: readonly { a: string; b: string }[]): Positions {
  const graph = new UndirectedGraph({ allowSelfLoops: false });
  for (const name of names) graph.addNode(name, startPosition(name));
  for (const { a, b } of links) if (a !== b && !graph.hasEdge(a, b)) graph.addEdge(a, b);
  const settings = forceAtlas2.inferSettings(graph);
  const iterations = graph.order > 500 ? 200 : 300;
  forceAtlas2.assign(graph, { iterations, settings });
  const raw = names.map((n) => graph.getNodeAttributes(n) as { x: number; y: number });
  const minX = Math.min(...raw.map((p) => p.x));
  const minY = Math.min(...raw.map((p) => p.y));
  const span = Math.max(...raw.map((p) => p.x - minX), ...raw.map((p) => p.y - minY), 1e-9);
  return new Map(
    names.map((n, i) => [n, { x: ((raw[i].x - minX) / span) * SIZE, y: ((raw[i].y - minY) / span) * SIZE }]),
  );
}

// A start position from the name's hash: no Math.random, so the layout is the same on every run.
function startPosition(name: string): { x: number; y: number } {
  const h = createHash('sha256').update(name).digest();
  return { x: h.readUInt32BE(0) / 2 ** 32, y: h.readUInt32BE(4) / 2 ** 32 };
}
