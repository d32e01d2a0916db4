// random-geometric {n, radius, seed}: n points drawn uniformly in the unit square, linked when at most
// `radius` apart: the usual model of a wireless mesh. The graph must be connected (a ring cannot form across
// a gap), so a disconnected draw is redrawn from a seed derived from the first, up to RGG_MAX_DRAWS times.

import { createRng, deriveSeed } from '../../vrr/rng.ts';
import { GeneratorError, isConnected, type Graph, type GraphLink } from '../graph.ts';

/** How many draws are tried before giving up on a connected graph. */
export const RGG_MAX_DRAWS = 32;

/** Parameters of a random geometric graph. */
export interface RandomGeometricOptions {
  n: number;
  /** Link distance, in units of the square's side. */
  radius: number;
  seed: number;
}

/** A point of a draw, kept so callers can draw the graph where it was generated. */
export interface Point {
  x: number;
  y: number;
}

/** A connected random geometric graph, nodes n1..nN, plus where each node was placed. */
export function randomGeometricGraph(
  options: RandomGeometricOptions,
): Graph & { positions: Point[]; draw: number } {
  const { n, radius, seed } = options;
  if (!Number.isInteger(n) || n < 1)
    throw new GeneratorError('random-geometric n to be an integer >= 1', String(n));
  if (!(radius > 0)) throw new GeneratorError('random-geometric radius to be a number > 0', String(radius));
  const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  for (let draw = 0; draw < RGG_MAX_DRAWS; draw++) {
    // Draw 0 uses the seed itself, so a seed found to connect at once stays meaningful to a reader.
    const drawSeed = draw === 0 ? seed : deriveSeed(seed, `random-geometric/redraw-${draw}`);
    const positions = drawPoints(n, drawSeed);
    const links = linksWithin(positions, radius).map(([i, j]): GraphLink => ({ a: nodes[i], b: nodes[j] }));
    if (isConnected(nodes, links)) return { nodes, links, positions, draw };
  }
  throw new GeneratorError(
    `n and radius that give a connected graph (about radius ${suggestedRadius(n)} for n=${n})`,
    `n=${n}, radius=${radius}, disconnected in all ${RGG_MAX_DRAWS} draws`,
  );
}

/** A radius that connects n uniform points with high probability: 1.5 times the connectivity threshold. */
export function suggestedRadius(n: number): number {
  const threshold = Math.sqrt(Math.log(Math.max(n, 2)) / (Math.PI * Math.max(n, 2)));
  return Math.ceil(threshold * 1.5 * 1000) / 1000;
}

function drawPoints(n: number, seed: number): Point[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({ x: rng.next(), y: rng.next() }));
}

// Pairs (i < j) within radius, sorted. Points are bucketed into cells of side `radius` so only the 3x3
// neighbouring cells are compared: linear in n for the radii that give sparse meshes, not quadratic.
function linksWithin(points: readonly Point[], radius: number): [number, number][] {
  const cellsPerSide = Math.max(1, Math.min(4096, Math.floor(1 / radius)));
  const cellOf = (v: number): number => Math.min(cellsPerSide - 1, Math.floor(v * cellsPerSide));
  const cells = new Map<number, number[]>();
  points.forEach((p, i) => {
    const key = cellOf(p.x) * cellsPerSide + cellOf(p.y);
    const bucket = cells.get(key) ?? [];
    bucket.push(i);
    cells.set(key, bucket);
  });
  const r2 = radius * radius;
  const pairs: [number, number][] = [];
  points.forEach((p, i) => {
    const cx = cellOf(p.x);
    const cy = cellOf(p.y);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= cellsPerSide || y >= cellsPerSide) continue;
        for (const j of cells.get(x * cellsPerSide + y) ?? []) {
          if (j <= i) continue;
          const ddx = p.x - points[j].x;
          const ddy = p.y - points[j].y;
          if (ddx * ddx + ddy * ddy <= r2) pairs.push([i, j]);
        }
      }
    }
  });
  return pairs.sort((u, v) => u[0] - v[0] || u[1] - v[1]);
}
