// A simulator run's timeline.jsonl, in the shape a lab's has (report/timeline.ts), so `testbed ui --replay` shows
// simulated runs too: every node event with its addresses as text (as vrrd streams them), and a controller
// `fault` line per fault with its fields. The run-start line carries the nodes and links themselves, so the file
// replays without the topology file. Recording only listens: the run and its report stay exactly the same.

import { formatAddress } from '../../vrr/address.ts';
import type { SimNetwork } from '../../sim/network.ts';
import type { SimRunContext, SimStep } from '../../sim/steps.ts';
import { TimelineWriter } from '../report/timeline.ts';
import type { Topology } from '../topology/types.ts';

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

/** Records one simulator run into dir/timeline.jsonl. */
export class SimTimelineRecorder {
  readonly #writer: TimelineWriter;
  readonly #topology: Topology;
  readonly #start: Record<string, unknown>;

  constructor(dir: string, topology: Topology, seed: number, topologyFile: string) {
    this.#writer = new TimelineWriter(dir, { reorderWindowMs: 0 });
    this.#topology = topology;
    this.#start = { seed, topology: topologyFile };
  }

  /** The file written. */
  get path(): string {
    return this.#writer.path;
  }

  /** The run's steps with the recording started first. */
  wrap(steps: SimStep[]): SimStep[] {
    return [{ name: 'record timeline', run: (ctx) => this.#begin(ctx) }, ...steps];
  }

  /** Writes what is left and closes the file. */
  close(): void {
    this.#writer.close();
  }

  #begin(ctx: SimRunContext): void {
    const net = ctx.network;
    this.#writer.add({
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
    net.onEvent(({ t, node, event }) => {
      if (SKIPPED.has(event.type)) return;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(event)) {
        if (ADDRESS_FIELDS.has(k) && typeof v === 'number') fields[k] = formatAddress(v);
        else if (ADDRESS_LIST_FIELDS.has(k) && Array.isArray(v))
          fields[k] = v.map((a: number) => formatAddress(a));
        else fields[k] = v;
      }
      this.#writer.add({ ...fields, t, source: node, type: event.type });
    });
    this.#recordFaults(net);
  }

  // The scenario applies faults by calling the network's methods (sim/scenario/apply-fault.ts): each is wrapped on
  // this one network object to write a fault line first. Its heal also brings every link up one by one, so a
  // link-up of a link that was not down writes nothing.
  #recordFaults(net: SimNetwork): void {
    const down = new Set<string>();
    const key = (a: string, b: string): string => [a, b].sort().join('\0');
    const fault = (action: string, did: string, fields: Record<string, unknown>): void =>
      this.#writer.add({ t: net.now(), source: 'controller', type: 'fault', action, did, ...fields });
    const wrap = <K extends 'linkDown' | 'linkUp' | 'impair' | 'partition' | 'heal' | 'crash' | 'restart'>(
      name: K,
      before: (...args: Parameters<SimNetwork[K]>) => void,
    ): void => {
      const original = (net[name] as (...args: unknown[]) => void).bind(net);
      (net as unknown as Record<string, unknown>)[name] = (...args: Parameters<SimNetwork[K]>) => {
        before(...args);
        original(...args);
      };
    };
    wrap('linkDown', (a, b) => {
      down.add(key(a, b));
      fault('link-down', `link ${a} -- ${b} down`, { a, b });
    });
    wrap('linkUp', (a, b) => {
      if (!down.delete(key(a, b))) return;
      fault('link-up', `link ${a} -- ${b} up`, { a, b });
    });
    wrap('impair', (a, b) => fault('impair', `impair ${a} -- ${b}`, { a, b }));
    wrap('partition', (groups) =>
      fault('partition', `partition into ${groups.map((g) => `[${g.join(',')}]`).join(' ')}`, {
        groups: groups.map((g) => [...g]),
      }),
    );
    wrap('heal', () => fault('heal', 'heal', {}));
    wrap('crash', (node) => fault('crash', `crash ${node}`, { node }));
    wrap('restart', (node) => fault('restart', `restart ${node}`, { node }));
  }
}
