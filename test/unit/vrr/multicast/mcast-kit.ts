// Shared pieces of the hand-driven multicast tests: a FakeNet with an RVP node every node reaches in one hop,
// the coherence check of a tree across nodes, delivery orders, and a group packet.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { groupKey, type MulticastOptions } from '../../../../src/vrr/multicast/index.ts';
import { DataFlag, McastOptionType, type DataPacket } from '../../../../src/vrr/wire/types.ts';
import { FakeNet } from './fake-net.ts';

/** The group of these tests. */
export const G: Address = 0x01005e000007;

/**
 * A FakeNet of `nodes` plus the RVP `rvp`: every node routes membership options for G straight to the RVP, and
 * the RVP routes its answers straight back (membership travels by routing, not along tree links).
 */
export function netWithRvp(nodes: Address[], rvp: Address, options: MulticastOptions = {}): FakeNet {
  const net = new FakeNet([...nodes, rvp], options);
  for (const n of nodes) net.route(n, groupKey(G), rvp).route(rvp, n, n);
  return net;
}

/** Makes `member` a member of G that knows `source` sources it, as the RVP's SOURCES would: it branches at once. */
export function tellSource(net: FakeNet, member: Address, source: Address): void {
  net.mc.get(member)!.join(G);
  net.mc.get(member)!.onOption(
    {
      type: McastOptionType.SOURCES,
      hopCount: 0,
      hopLimit: 0,
      target: member,
      group: G,
      origin: source,
      sources: [source],
      members: [],
    },
    member,
  );
}

/** The tree of (root, G) is coherent: X lists D downstream exactly when D's upstream is X. */
export function assertCoherent(net: FakeNet, root: Address, why = ''): void {
  const rows = new Map<Address, { upstream: Address | null; downstream: Address[] }>();
  for (const [a, mc] of net.mc) {
    mc.checkInvariants();
    const r = mc.table().find((t) => t.root === root && t.group === G);
    if (r) rows.set(a, r);
  }
  for (const [a, r] of rows) {
    for (const d of r.downstream)
      assert.equal(rows.get(d)?.upstream, a, `${why}: ${a} sends to ${d}: orphaned branch`);
    if (r.upstream !== null)
      assert.ok(rows.get(r.upstream)?.downstream.includes(a), `${why}: ${a}'s upstream does not send to it`);
  }
}

/** A (src, G) group packet carrying one byte. */
export function groupPacket(src: Address, seq: number): DataPacket {
  return {
    kind: 'data',
    flags: 0,
    hopLimit: 16,
    dataFlags: DataFlag.GROUP,
    nextHeader: 0,
    src,
    dst: G,
    payload: new Uint8Array([seq]),
  };
}

/** All orderings of n items. */
export function permutations(n: number): number[][] {
  if (n <= 1) return [[0].slice(0, n)];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** Reorders the queued messages: the i-th delivered is the order[i]-th queued. */
export function reorder(net: FakeNet, order: number[]): void {
  const pending = [...net.queue];
  assert.equal(pending.length, order.length, 'messages in flight');
  net.queue.length = 0;
  for (const i of order) net.queue.push(pending[i]);
}

/** The nodes that delivered packets since the last reset, sorted. */
export function deliveredTo(net: FakeNet): Address[] {
  return net.delivered.map((d) => d.node).sort((a, b) => a - b);
}
