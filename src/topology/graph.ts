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

/** The connected components, each in node order; the first holds the first node. */
export function connectedComponents(
  nodes: readonly string[],
  links: readonly { a: string; b: string }[],
): string[][] {
  const index = new Map(nodes.map((name, i) => [name, i]));
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const { a, b } of links) {
    const ra = find(index.get(a)!);
    const rb = find(index.get(b)!);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const byRoot = new Map<number, string[]>();
  nodes.forEach((name, i) => {
    const root = find(i);
    const group = byRoot.get(root) ?? [];
    group.push(name);
    byRoot.set(root, group);
  });
  return [...byRoot.values()];
}

/** True when every node can reach every other (an empty or one-node graph is connected). */
export function isConnected(nodes: readonly string[], links: readonly { a: string; b: string }[]): boolean {
  return connectedComponents(nodes, links).length <= 1;
}
