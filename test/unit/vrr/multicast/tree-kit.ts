// The small tree of the tree-reaction tests (trees.ts), driven by hand: S - U - X with members Y and W below X,
// membership through the RVP R; and the helpers that read it: a node's (S, G) row, the tree messages queued or
// delivered as [from, to, type name], a tree option handed to a node as if it came from a neighbour, and a node's
// tree table filled to its cap.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { MAX_MCAST_TREES } from '../../../../src/vrr/limits.ts';
import {
  McastOptionType,
  type McastMembershipOption,
  type McastTreeOption,
} from '../../../../src/vrr/wire/types.ts';
import type { FakeNet } from './fake-net.ts';
import { G, netWithRvp } from './mcast-kit.ts';

export const S: Address = 0x020000000001; // the source (root)
export const U: Address = 0x020000000002;
export const X: Address = 0x020000000003; // the relay
export const Y: Address = 0x020000000004; // a member below X
export const W: Address = 0x020000000005; // another member below X
export const R: Address = 0x020000000009; // the RVP
export const HELLO = 1000;
export const ATTACH_TIMEOUT = 3 * HELLO;

/** S - U - X, and Y and W each linked to X; every route toward S runs up that line; S sources G. */
export function tree(): FakeNet {
  const net = netWithRvp([S, U, X, Y, W], R).link(S, U).link(U, X).link(X, Y).link(X, W);
  net.route(U, S, S).route(X, S, U).route(Y, S, X).route(W, S, X);
  for (const m of [Y, W]) net.route(S, m, U).route(U, m, X).route(X, m, m);
  net.mc.get(S)!.register(G);
  drain(net);
  return net;
}

/** Delivers what is queued (and what that sends) without firing any timer. */
export function drain(net: FakeNet): void {
  while (net.queue.length > 0) net.deliver(0);
}

/** The (S, G) row of a node's table. */
export function row(net: FakeNet, n: Address) {
  return net.mc
    .get(n)!
    .table()
    .find((t) => t.root === S && t.group === G);
}

/** The tree messages queued, as [from, to, type name]. */
export function queued(net: FakeNet): [Address, Address, string][] {
  const name = (t: number) => Object.entries(McastOptionType).find(([, v]) => v === t)![0];
  return net.queue.map((m) => [m.from, m.to, m.option ? name(m.option.type) : 'data']);
}

/** Records every tree message delivered from now on, as [from, to, type name]. */
export function record(net: FakeNet): [Address, Address, string][] {
  const seen: [Address, Address, string][] = [];
  const deliver = net.deliver.bind(net);
  net.deliver = (i = 0) => {
    const m = net.queue[i];
    if (m.option) seen.push(queued({ queue: [m] } as FakeNet)[0]);
    deliver(i);
  };
  return seen;
}

/** A tree option from `from` to node `to`, with a sequence number above anything `from` sent so far. */
export function treeOption(
  net: FakeNet,
  to: Address,
  from: Address,
  type: McastTreeOption['type'],
  target = 0,
  seq = 1000,
  flags = 0,
  root = S,
  group = G,
): void {
  net.mc.get(to)!.onOption({ type, flags, hopCount: 0, seq, root, group, target } as McastTreeOption, from);
}

/**
 * Fills node's tree table: it joins G and a second group and hears of MAX_MCAST_TREES sources it has no route to,
 * half of them in each (one row each; a group may list at most MAX_GROUP_PARTIES sources).
 */
export function fillTable(net: FakeNet, node: Address): void {
  const mc = net.mc.get(node)!;
  const half = MAX_MCAST_TREES / 2;
  for (const [g, base] of [
    [G, 0x030000000000],
    [G + 1, 0x030000010000],
  ]) {
    mc.join(g);
    mc.onOption(
      {
        type: McastOptionType.SOURCES,
        hopCount: 0,
        hopLimit: 0,
        target: node,
        group: g,
        origin: 0x030000ffffff,
        sources: Array.from({ length: half }, (_, i) => base + i),
        members: [],
      } as McastMembershipOption,
      node,
    );
  }
  net.queue.length = 0;
  assert.equal(mc.tableSizes().mcastTrees, MAX_MCAST_TREES);
}
