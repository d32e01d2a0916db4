// The page: loads the topology, draws the two views, then follows the lab (live: SSE pushes of state and events)
// or the replay slider, and keeps the side panel in step with the selection. window.__vrrUi exposes counters
// for the browser tests and the draw bench.

import type { EdgeSingular } from 'cytoscape';
import type { UiFault, UiLink, UiPath, UiState, UiTopology } from '../ui-types.ts';
import { api } from './api-client.ts';
import { renderControls } from './controls.ts';
import { byId, fill, el, seconds } from './dom.ts';
import { markSelection, PhysicalView } from './physical-view.ts';
import { startReplayBar } from './replay-bar.ts';
import { RingView } from './ring-view.ts';
import { logEvent, renderNode, renderProblems, setAddressNames } from './side-panel.ts';

/** What tests and the bench read. */
interface UiProbe {
  renders: number;
  firstDrawMs: number | null;
  state: UiState | null;
  selected: string | null;
  path: UiPath | null;
  /** What is drawn: element counts by kind. */
  drawn?: () => Record<string, number>;
  /** Where on the page a node (or a link's middle) is drawn, for clicks. */
  at?: (what: { node?: string; link?: number; view?: 'ring' | 'phys' }) => { x: number; y: number } | null;
}

const probe: UiProbe = { renders: 0, firstDrawMs: null, state: null, selected: null, path: null };
(window as unknown as { __vrrUi: UiProbe }).__vrrUi = probe;

class App {
  readonly topo: UiTopology;
  readonly phys: PhysicalView;
  readonly ring: RingView;
  readonly live: boolean;
  state: UiState | null = null;
  selected: string | null = null;
  picked = new Set<string>();
  link: UiLink | null = null;
  path: UiPath | null = null;
  busy: string | null = null;
  /** Replay time shown (undefined live). */
  t: number | undefined;

  constructor(topo: UiTopology) {
    this.topo = topo;
    this.live = topo.mode === 'live';
    setAddressNames(new Map(topo.nodes.map((n) => [n.address, n.name])));
    const handlers = {
      onNode: (name: string, extend: boolean, pick: boolean) => this.onNode(name, extend, pick),
      onLink: (index: number) => this.onLink(index),
      onBackground: () => this.onBackground(),
    };
    this.phys = new PhysicalView(byId('phys'), topo, handlers);
    this.ring = new RingView(byId('ring'), topo, handlers);
    byId('title').textContent = topo.name;
    const mode = byId('mode');
    mode.textContent = this.live ? `live · ${topo.runtime}` : `replay · ${topo.runtime}`;
    mode.className = `badge ${this.live ? 'live' : 'replay'}`;
    this.controls();
    probe.drawn = () => ({
      physNodes: this.phys.cy.nodes().length,
      physEdges: this.phys.cy.edges().length,
      ringNodes: this.ring.cy.nodes(':childless').filter((n) => !n.hasClass('guide')).length,
      vsetEdges: this.ring.cy.edges('.both, .oneway').length,
      missing: this.ring.cy.edges('.missing').length,
      wrong: this.ring.cy.edges('.wrong').length,
      broken: this.ring.cy.edges('.broken').length,
      up: this.phys.cy.edges('.up').length,
      down: this.phys.cy.edges('.down').length,
      cut: this.phys.cy.edges('.cut').length,
      impaired: this.phys.cy.edges('.impaired').length,
      dead: this.phys.cy.nodes('.dead').length,
    });
    probe.at = ({ node, link, view }) => {
      const cy = view === 'ring' ? this.ring.cy : this.phys.cy;
      const e = cy.getElementById(node ?? `l${link}`);
      if (e.empty()) return null;
      const p = node !== undefined ? e.renderedPosition() : (e as unknown as EdgeSingular).renderedMidpoint();
      const box = (cy.container() as HTMLElement).getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    };
  }

  apply(state: UiState): void {
    const before = this.state;
    this.state = state;
    // A traced path may not hold once links or nodes changed: drop it rather than show a stale one.
    if (this.path !== null && before !== null && topologyChanged(before, state)) {
      this.setPath(null);
      this.controls();
    }
    probe.state = state;
    this.phys.update(state);
    this.ring.update(state, this.selected);
    renderProblems(state.ring, (n) => this.select(n));
    this.header(state);
    probe.renders++;
    if (probe.firstDrawMs === null) {
      // Measured once cytoscape has painted: two animation frames after the first state is applied.
      requestAnimationFrame(() => requestAnimationFrame(() => (probe.firstDrawMs = performance.now())));
    }
  }

  header(state: UiState): void {
    const up = state.links.filter((s) => s === 'up' || s === 'impaired').length;
    const alive = Object.values(state.nodes).filter((n) => n.alive).length;
    fill(
      byId('counts'),
      el('span', {}, el('b', {}, String(alive)), ` / ${this.topo.nodes.length} nodes`),
      el('span', {}, el('b', {}, String(up)), ` / ${state.links.length} links up`),
      el(
        'span',
        {},
        el('b', {}, String(state.ring.partitions)),
        ` partition${state.ring.partitions === 1 ? '' : 's'}`,
      ),
    );
    const verdict = byId('verdict');
    verdict.textContent = state.ring.passed
      ? '✓ ring consistent'
      : `✗ ring: ${state.ring.problemCount} problems`;
    verdict.className = `pill ${state.ring.passed ? 'ok' : 'bad'}`;
  }

  onNode(name: string, extend: boolean, pick: boolean): void {
    if (pick) {
      if (!this.picked.delete(name)) this.picked.add(name);
      this.marks();
      this.controls();
    } else if (extend && this.selected !== null && this.selected !== name) {
      void this.tracePath(this.selected, name);
    } else {
      this.select(name);
    }
  }

  onLink(index: number): void {
    this.link = this.topo.links[index] ?? null;
    this.phys.selectLink(index);
    this.controls();
  }

  onBackground(): void {
    this.link = null;
    this.phys.selectLink(null);
    this.setPath(null);
    this.controls();
  }

  select(name: string): void {
    this.selected = name;
    probe.selected = name;
    this.marks();
    this.ring.focus(name);
    this.controls();
    void this.refreshNode();
  }

  async refreshNode(): Promise<void> {
    const name = this.selected;
    if (name === null) return;
    try {
      const tables = await api.node(name, this.t);
      if (this.selected === name) renderNode(tables, (n) => this.select(n));
    } catch (error) {
      fill(byId('node-panel'), el('h3', {}, name), el('p', { class: 'note' }, (error as Error).message));
    }
  }

  #refreshTimer: number | null = null;

  /** Refreshes the node's tables within 500 ms: a burst of its events asks its vrrd once. */
  refreshNodeSoon(): void {
    if (this.#refreshTimer !== null) return;
    this.#refreshTimer = window.setTimeout(() => {
      this.#refreshTimer = null;
      void this.refreshNode();
    }, 500);
  }

  async tracePath(from: string, to: string): Promise<void> {
    try {
      this.setPath(await api.path(from, to, this.t));
    } catch (error) {
      this.setPath({ from, to, hops: [], reached: false, reason: (error as Error).message });
    }
    this.controls();
  }

  setPath(path: UiPath | null): void {
    this.path = path;
    probe.path = path;
    this.phys.showPath(path?.hops ?? []);
    this.ring.showPath(path?.hops ?? []);
  }

  async fault(f: UiFault): Promise<void> {
    this.busy = `applying ${f.kind}…`;
    this.controls();
    try {
      const did = await api.fault(f);
      this.busy = `done: ${did}`;
      if (f.kind === 'partition') this.picked.clear();
      this.marks();
    } catch (error) {
      this.busy = `failed: ${(error as Error).message}`;
    }
    this.controls();
    setTimeout(() => {
      this.busy = null;
      this.controls();
    }, 4000);
  }

  marks(): void {
    markSelection(this.phys.cy, this.selected, this.picked);
    markSelection(this.ring.cy, this.selected, this.picked);
  }

  controls(): void {
    renderControls(
      { node: this.selected, picked: this.picked, link: this.link, path: this.path },
      {
        fault: (f) => void this.fault(f),
        path: (a, b) => void this.tracePath(a, b),
        clearPicked: () => {
          this.picked.clear();
          this.marks();
          this.controls();
        },
        nodeNames: this.topo.nodes.map((n) => n.name),
        live: this.live,
      },
      this.busy,
    );
  }
}

// True when a link's state or a node's life differs between two states.
function topologyChanged(a: UiState, b: UiState): boolean {
  if (a.links.some((s, i) => s !== b.links[i])) return true;
  return Object.entries(b.nodes).some(([name, n]) => a.nodes[name]?.alive !== n.alive);
}

function followLive(app: App): void {
  const conn = byId('conn');
  const clock = (t: number): string =>
    new Date(t).toLocaleTimeString([], { hour12: false }) + `.${String(t % 1000).padStart(3, '0')}`;
  const source = api.events();
  source.addEventListener('open', () => {
    conn.className = 'conn on';
    // After a reconnection nothing is pushed until the next change: ask for the state now.
    api.state().then(
      (state) => app.apply(state),
      () => {},
    );
  });
  source.addEventListener('error', () => (conn.className = 'conn off'));
  source.addEventListener('state', (e) => app.apply(JSON.parse((e as MessageEvent).data) as UiState));
  source.addEventListener('event', (e) => {
    const ev = JSON.parse((e as MessageEvent).data);
    logEvent(ev, clock);
    if (app.selected !== null && (ev.source === app.selected || ev.type === 'fault')) app.refreshNodeSoon();
  });
}

async function boot(): Promise<void> {
  // The first state (now, or a replay's end) is asked for with the topology: the server works while we draw.
  const first = api.state();
  first.catch(() => {}); // awaited below; a failure is reported there
  const topo = await api.topology();
  const app = new App(topo);
  app.apply(await first);
  if (app.live) {
    followLive(app);
  } else {
    byId('conn').hidden = true;
    let pendingNode: number | null = null;
    startReplayBar(topo, async (t) => {
      app.t = t;
      app.apply(await api.state(t));
      if (pendingNode !== null) clearTimeout(pendingNode);
      pendingNode = window.setTimeout(() => void app.refreshNode(), 150);
    });
    for (const m of topo.marks ?? [])
      logEvent({ t: m.t, source: 'controller', type: 'fault', summary: m.label }, seconds);
    if ((topo.marks ?? []).length === 0) {
      byId('event-list').append(el('li', { class: 'muted' }, 'No faults in this run.'));
    }
  }
}

boot().catch((error: Error) => {
  fill(byId('title'), `failed to load: ${error.message}`);
});
