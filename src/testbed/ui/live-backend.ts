// The UI over a lab that is up. Link states come from lab.json (polled: a fault from a terminal shows within a
// poll), vsets and the ring verdict from every vrrd's tables (ring-check.ts collectRingSnapshots, re-collected
// shortly after daemon events and every few seconds), node tables and paths from the control sockets.

import { formatAddress, parseAddress } from '../../vrr/address.ts';
import { plannedNode } from '../lab/plan.ts';
import { collectRingSnapshots } from '../../checks/ring-consistent/lab.ts';
import { labProbe } from '../verify/lab-probe.ts';
import type { NodeSnapshot } from '../../checks/node-snapshot.ts';
import { Listeners, UiRequestError, type UiBackend } from './backend.ts';
import { summarizeEvent, type RawEvent } from './event-summary.ts';
import { layoutGraph } from './layout.ts';
import type { LiveLab } from './live-lab.ts';
import { tracePath, type ForwardingView } from './path-trace.ts';
import { ringView } from './ring-view.ts';
import { nodeTablesOf, type CtlFetch } from './node-tables.ts';
import type { UiEvent, UiFault, UiNodeTables, UiPath, UiRing, UiState, UiTopology } from './ui-types.ts';

/** Timing of the live backend (tests shorten it). */
export interface LiveOptions {
  /** How often lab.json is looked at. Default 200 ms. */
  pollMs?: number;
  /** Tables are re-collected this long after a daemon event. Default 400 ms. */
  settleMs?: number;
  /** ... and at least this often. Default 3000 ms. */
  refreshMs?: number;
}

/** The live backend; start() begins polling and following events. */
export class LiveBackend implements UiBackend {
  readonly #live: LiveLab;
  readonly #topology: UiTopology;
  readonly #addressName: Map<string, string>;
  readonly #events = new Listeners<[UiEvent]>();
  readonly #changes = new Listeners<[]>();
  readonly #options: Required<LiveOptions>;
  #snapshots: NodeSnapshot[] = [];
  #ring: UiRing | null = null;
  #collecting: Promise<void> | null = null;
  #again = false;
  #lastCollectMs = 0;
  #timers: NodeJS.Timeout[] = [];
  #soon: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(live: LiveLab, options: LiveOptions = {}) {
    this.#live = live;
    this.#options = { pollMs: 200, settleMs: 400, refreshMs: 3000, ...options };
    const plan = live.access.plan;
    const positions = layoutGraph(
      plan.nodes.map((n) => n.name),
      plan.links,
    );
    this.#topology = {
      mode: 'live',
      name: plan.lab,
      runtime: live.runtime,
      nodes: plan.nodes.map((n) => ({ name: n.name, address: n.address, ...positions.get(n.name)! })),
      links: plan.links.map((l) => ({ index: l.index, a: l.a, b: l.b })),
    };
    this.#addressName = new Map(plan.nodes.map((n) => [formatAddress(parseAddress(n.address)), n.name]));
  }

  /** Collects the tables once, then polls lab.json and follows the daemons' events. */
  async start(): Promise<void> {
    await this.#collect();
    await this.#live.follow((event) => this.#onDaemonEvent(event));
    this.#timers.push(setInterval(() => this.#poll(), this.#options.pollMs));
    this.#timers.push(setInterval(() => this.#schedule(0), this.#options.refreshMs));
  }

  topology(): UiTopology {
    return this.#topology;
  }

  async state(): Promise<UiState> {
    if (this.#ring === null) await this.#collect();
    const access = this.#live.access;
    const alive = new Set(access.aliveNodes());
    const byName = new Map(this.#snapshots.map((s) => [s.name, s]));
    const nodes: UiState['nodes'] = {};
    for (const n of access.plan.nodes) {
      const snap = byName.get(n.name);
      nodes[n.name] = {
        alive: alive.has(n.name),
        active: alive.has(n.name) && (snap?.active ?? false),
        vset: alive.has(n.name) ? (snap?.vset ?? []).map((a) => this.#name(formatAddress(a))) : [],
      };
    }
    return { t: Date.now(), nodes, links: this.#live.linkStates(), ring: this.#ring! };
  }

  async node(name: string): Promise<UiNodeTables> {
    const planned = this.#planned(name);
    const alive = this.#live.access.aliveNodes().includes(name);
    const ctl: CtlFetch = (verb) => this.#live.access.ctl(name, verb);
    return nodeTablesOf(planned.name, planned.address, alive, ctl, (a) => this.#name(a));
  }

  async path(from: string, to: string): Promise<UiPath> {
    this.#planned(from);
    this.#planned(to);
    const addresses = new Map(this.#live.access.plan.nodes.map((n) => [n.name, n.address]));
    const alive = new Set(this.#live.access.aliveNodes());
    return tracePath(from, to, addresses, async (name): Promise<ForwardingView | null> => {
      if (!alive.has(name)) return null;
      try {
        const [neighbors, routes] = await Promise.all([
          this.#live.access.ctl<ForwardingView['neighbors']>(name, 'neighbors'),
          this.#live.access.ctl<ForwardingView['routes']>(name, 'routes'),
        ]);
        return { address: addresses.get(name)!, neighbors, routes };
      } catch {
        return null;
      }
    });
  }

  async fault(fault: UiFault): Promise<string> {
    const did = await this.#live.applyFault(fault);
    this.#poll();
    this.#events.emit({ t: Date.now(), source: 'ui', type: 'fault', summary: did });
    this.#schedule(this.#options.settleMs);
    return did;
  }

  onEvent(listener: (event: UiEvent) => void): () => void {
    return this.#events.add(listener);
  }

  onChange(listener: () => void): () => void {
    return this.#changes.add(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#soon) clearTimeout(this.#soon);
    this.#live.close();
    await this.#collecting;
  }

  #poll(): void {
    if (!this.#live.refresh()) return;
    // Links changed: judge the last tables against the new links now, collect fresh ones soon.
    this.#ring = ringView(this.#snapshots, this.#live.access.upLinks(), true);
    this.#changes.emit();
    this.#schedule(this.#options.settleMs);
  }

  #onDaemonEvent(event: RawEvent): void {
    this.#events.emit(summarizeEvent(event, (a) => this.#name(a)));
    if (
      ['vset-add', 'vset-remove', 'path-down', 'link', 'active', 'port-down', 'port-up'].includes(event.type)
    ) {
      this.#schedule(this.#options.settleMs);
    }
  }

  // Collects the tables after `ms`, unless a collection is already due sooner. Never sooner than the last
  // collection took, so on a large lab under a stream of events the daemons are asked at most half the time.
  #schedule(ms: number): void {
    if (this.#closed || this.#soon !== null) return;
    this.#soon = setTimeout(
      () => {
        this.#soon = null;
        void this.#collect();
      },
      Math.max(ms, this.#lastCollectMs),
    );
  }

  // One collection at a time; a request during one schedules another after it.
  async #collect(): Promise<void> {
    if (this.#collecting) {
      this.#again = true;
      return this.#collecting;
    }
    this.#collecting = (async () => {
      this.#again = false;
      const started = Date.now();
      const outcomes = await collectRingSnapshots(labProbe(this.#live.access), { concurrency: 32 });
      this.#lastCollectMs = Date.now() - started;
      this.#snapshots = outcomes.map((o) => o.snapshot);
      this.#ring = ringView(this.#snapshots, this.#live.access.upLinks(), true);
      if (!this.#closed) this.#changes.emit();
    })().finally(() => {
      this.#collecting = null;
      if (this.#again) this.#schedule(this.#options.settleMs);
    });
    return this.#collecting;
  }

  #planned(name: string): { name: string; address: string } {
    try {
      return plannedNode(this.#live.access.plan, name);
    } catch (error) {
      throw new UiRequestError((error as Error).message);
    }
  }

  #name(address: string): string {
    return this.#addressName.get(address) ?? address;
  }
}
