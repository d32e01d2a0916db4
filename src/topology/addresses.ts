// Node addresses for a run: pinned ones as written, the others derived from the run seed and the node NAME
// (never its position), so adding or reordering nodes leaves every other node's address unchanged.

import { createHash } from 'node:crypto';
import type { Address } from '../vrr/address.ts';
import type { Topology } from './types.ts';

/**
 * The address of one node from the seed and its name: the first 6 bytes of SHA-256(`${seed}:${name}`),
 * made locally administered unicast (first octet: bit 0x02 set, bit 0x01 clear), so never a group or
 * ff:ff:ff:ff:ff:ff. Attempt k > 0 hashes `${seed}:${name}:${k}` (collision resolution).
 */
export function deriveAddress(seed: number, name: string, attempt = 0): Address {
  const label = attempt === 0 ? `${seed}:${name}` : `${seed}:${name}:${attempt}`;
  const digest = createHash('sha256').update(label).digest();
  const first = (digest[0] | 0x02) & ~0x01;
  let address = first;
  for (let i = 1; i < 6; i++) address = address * 256 + digest[i];
  return address;
}

/**
 * Every node's address for a run with `seed`. Collisions (1 in ~2^46 per pair) are resolved
 * deterministically: pinned addresses win; derived ones are taken in name order and a node whose address
 * is taken re-derives with attempt 1, 2, ...
 */
export function assignAddresses(topology: Pick<Topology, 'nodes'>, seed: number): Map<string, Address> {
  const taken = new Set<Address>();
  const result = new Map<string, Address>();
  for (const node of topology.nodes) {
    if (node.address === null) continue;
    taken.add(node.address);
    result.set(node.name, node.address);
  }
  const derived = topology.nodes
    .filter((n) => n.address === null)
    .map((n) => n.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of derived) {
    let attempt = 0;
    let address = deriveAddress(seed, name);
    while (taken.has(address)) address = deriveAddress(seed, name, ++attempt);
    taken.add(address);
    result.set(name, address);
  }
  // Back in topology order, which is what callers iterate.
  return new Map(topology.nodes.map((n) => [n.name, result.get(n.name)!]));
}
