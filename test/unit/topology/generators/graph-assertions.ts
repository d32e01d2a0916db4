// Assertions every generator test shares: names valid and unique, links between known distinct nodes, once.

import assert from 'node:assert/strict';
import { isConnected, isValidNodeName, type Graph } from '../../../../src/topology/index.ts';

/** Checks a graph is well formed and connected. */
export function assertWellFormed(graph: Graph): void {
  const names = new Set(graph.nodes);
  assert.equal(names.size, graph.nodes.length, 'node names are unique');
  for (const name of graph.nodes) assert.ok(isValidNodeName(name), `valid node name: ${name}`);
  const pairs = new Set<string>();
  for (const { a, b } of graph.links) {
    assert.ok(names.has(a) && names.has(b), `link ${a}-${b} joins known nodes`);
    assert.notEqual(a, b, 'no self-links');
    const key = [a, b].sort().join(' ');
    assert.ok(!pairs.has(key), `link ${key} appears once`);
    pairs.add(key);
  }
  assert.ok(isConnected(graph.nodes, graph.links), 'connected');
}

/** Each node's number of links. */
export function degrees(graph: Graph): Map<string, number> {
  const degree = new Map(graph.nodes.map((n) => [n, 0]));
  for (const { a, b } of graph.links) {
    degree.set(a, degree.get(a)! + 1);
    degree.set(b, degree.get(b)! + 1);
  }
  return degree;
}
