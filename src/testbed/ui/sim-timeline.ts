// A simulator run's one timeline.jsonl, read by report.html and by `testbed ui --replay`: the RunRecorder's
// events (ring health, faults with the action's fields, ping matrices, streams) plus what a replay needs on top,
// a `run-start` line carrying the nodes and links themselves (so the file replays without the topology file)
// and every node event with its addresses as text (as vrrd streams them). Recording only listens: the run and
// its report stay exactly the same.

import { formatAddress } from '../../vrr/address.ts';
import type { SimRunContext } from '../../sim/steps.ts';
import { RunRecorder } from '../../sim/scenario/run-recorder.ts';
import type { Topology } from '../../topology/types.ts';

/** Event fields that hold one address, or a list of them. */
const ADDRESS_FIELDS = new Set([
  'neighbor',
  'member',
  'ea',
  'eb',
  'target',
  'hash',
  'owner',
  'to',
  'root',
  'group',
  'upstream',
]);
const ADDRESS_LIST_FIELDS = new Set(['downstream']);

/** Events not recorded: one per dropped frame, far too many to be worth a line each. */
const SKIPPED = new Set(['drop']);

/** Records one simulator run for report.html and the UI's replay; pass it as the run's `recorder`. */
export class SimTimelineRecorder extends RunRecorder {
  readonly #topology: Topology;
  readonly #start: Record<string, unknown>;

  constructor(topology: Topology, seed: number, topologyFile: string) {
    super();
    this.#topology = topology;
    this.#start = { seed, topology: topologyFile };
  }

  override attach(ctx: SimRunContext): void {
    const net = ctx.network;
    this.events.push({
      t: net.now(),
      source: 'controller',
      type: 'run-start',
      ...this.#start,
      name: this.#topology.name,
      nodes: this.#topology.nodes.map((n) => ({
        name: n.name,
        address: formatAddress(net.addressOf(n.name)),
        vsetSize: n.vrr.vsetSize,
      })),
      links: this.#topology.links.map((l) => ({ a: l.a, b: l.b })),
    });
    super.attach(ctx);
    net.onEvent(({ t, node, event }) => {
      if (SKIPPED.has(event.type)) return;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(event)) {
        if (k === 'type' || k === 't' || k === 'source') continue;
        if (ADDRESS_FIELDS.has(k) && typeof v === 'number') fields[k] = formatAddress(v);
        else if (ADDRESS_LIST_FIELDS.has(k) && Array.isArray(v))
          fields[k] = v.map((a: number) => formatAddress(a));
        else fields[k] = v;
      }
      this.events.push({ t, source: node, type: event.type, ...fields });
    });
  }
}
