// Links as veth pairs: each end created directly inside its node's network namespace under its planned name
// (eth1, eth2, ... per node), so nothing of a lab ever exists in the host's namespace and deleting a node
// deletes its ends (the peer end goes with it). Setting a link down sets both ends down: both vrrd notice
// the carrier loss at once, as with a pulled cable.

import type { LabPlan, PlannedLink } from '../lab/plan.ts';
import { mapLimit } from '../lab/pool.ts';
import type { NodeHandle } from '../runtime/runtime.ts';
import { createVethPairs } from './netns.ts';
import { ipBatch, tryInNode } from './node-shell.ts';

/** How many nodes are configured at once. */
const NODE_CONCURRENCY = 8;

/** Creates every link of the plan and brings both ends up (with an alias naming the peer). */
export async function createVethLinks(plan: LabPlan, nodes: ReadonlyMap<string, NodeHandle>): Promise<void> {
  await createVethPairs(
    plan.links.map((l) => [
      { netns: nodes.get(l.a)!.netns, ifname: l.ifA },
      { netns: nodes.get(l.b)!.netns, ifname: l.ifB },
    ]),
  );
  await mapLimit(plan.nodes, NODE_CONCURRENCY, async (node) => {
    const handle = nodes.get(node.name)!;
    // No IPv6 on the link interfaces: only VRR frames cross a link, so a capture shows VRR alone.
    if (node.interfaces.length > 0) {
      await tryInNode(handle, [
        'sysctl',
        '-qw',
        ...node.interfaces.map((i) => `net.ipv6.conf.${i.ifname}.disable_ipv6=1`),
      ]);
    }
    await ipBatch(
      handle,
      node.interfaces.flatMap((i) => [
        `link set ${i.ifname} alias peer:${i.peer}`,
        `link set ${i.ifname} up`,
      ]),
    );
  });
}

/** Sets links up or down, both ends of each (one `ip -batch` per node touched). */
export async function setLinksUp(
  links: readonly PlannedLink[],
  up: boolean,
  nodes: ReadonlyMap<string, NodeHandle>,
): Promise<void> {
  const perNode = new Map<string, string[]>();
  const add = (node: string, ifname: string): void => {
    const lines = perNode.get(node) ?? [];
    lines.push(`link set ${ifname} ${up ? 'up' : 'down'}`);
    perNode.set(node, lines);
  };
  for (const l of links) {
    add(l.a, l.ifA);
    add(l.b, l.ifB);
  }
  await mapLimit([...perNode], NODE_CONCURRENCY, ([node, lines]) => {
    const handle = nodes.get(node);
    if (!handle) throw new Error(`node ${node} has no handle (was it created?)`);
    return ipBatch(handle, lines);
  });
}
