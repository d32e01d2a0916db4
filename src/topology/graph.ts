// The plain graph generators produce and the loader turns into nodes and links: names and undirected edges.

import type { LinkParams } from './types.ts';

/** An undirected edge; a is the end written (or generated) first. Optional per-direction parameters. */
export interface GraphLink {
  a: string;
  b: string;
  aToB?: Partial<LinkParams>;
  bToA?: Partial<LinkParams>;
}

/** Node names and links, in a deterministic order. */
export interface Graph {
  nodes: string[];
  links: GraphLink[];
}

/** Generator parameters that cannot give a valid graph: what was expected, what was found. */
export class GeneratorError extends RangeError {
  override readonly name = 'GeneratorError';

  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(`expected ${expected}, found ${found}`);
  }
}

/** An undirected edge as callers hold it: a link ({a, b}) or a pair of names (an up link). */
export type Edge = { readonly a: string; readonly b: string } | readonly [string, string];

/**
 * The connected component of every node: 0 for the first node's, then numbered in node order of each
 * component's first node. Links with an end that is not among `nodes` (a crashed node's) carry nothing. The one
 * connected-components helper: generators, the ring check's partitions and ping-all's pairs all use it.
 */
export function componentIndex(nodes: readonly string[], links: Iterable<Edge>): Map<string, number> {
  const index = new Map(nodes.map((name, i) => [name, i]));
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const link of links) {
    const [a, b] = 'a' in link ? [link.a, link.b] : link;
    const ia = index.get(a);
    const ib = index.get(b);
    if (ia === undefined || ib === undefined) continue;
    const ra = find(ia);
    const rb = find(ib);
    // The smaller root wins, so every root is its component's first node.
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const numberOfRoot = new Map<number, number>();
  const out = new Map<string, number>();
  nodes.forEach((name, i) => {
    const root = find(i);
    let n = numberOfRoot.get(root);
    if (n === undefined) numberOfRoot.set(root, (n = numberOfRoot.size));
    out.set(name, n);
  });
  return out;
}

/** The connected components, each in node order; the first holds the first node. */
export function connectedComponents(nodes: readonly string[], links: Iterable<Edge>): string[][] {
  const groups: string[][] = [];
  for (const [name, n] of componentIndex(nodes, links)) (groups[n] ??= []).push(name);
  return groups;
}

/** True when every node can reach every other (an empty or one-node graph is connected). */
export function isConnected(nodes: readonly string[], links: Iterable<Edge>): boolean {
  return connectedComponents(nodes, links).length <= 1;
}
