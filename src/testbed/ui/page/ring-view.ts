// The virtual ring: every node on a circle at the angle of its address (0 at the top, growing clockwise), a faint
// guide joining ring neighbours in address order, vset edges (solid when both ends hold each other), and the
// ring checker's findings: missing virtual neighbours dashed red, wrong ones orange.

import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import type { UiState, UiTopology } from '../ui-types.ts';
import {
  baseOptions,
  COLOR,
  connectView,
  fitView,
  nodeSize,
  nodeStyles,
  type ViewHandlers,
} from './graph-style.ts';
import { markNodes } from './physical-view.ts';

const RADIUS = 500;

/** A text address (02:00:...) as a fraction of the ring. */
export function ringFraction(address: string): number {
  return parseInt(address.replace(/:/g, ''), 16) / 2 ** 48;
}

/** The ring view. */
export class RingView {
  readonly cy: Core;
  #edgeIds = new Set<string>();

  constructor(container: HTMLElement, topo: UiTopology, handlers: ViewHandlers) {
    const n = topo.nodes.length;
    const ordered = [...topo.nodes].sort((x, y) => ringFraction(x.address) - ringFraction(y.address));
    const elements: ElementDefinition[] = ordered.map((node) => {
      const angle = ringFraction(node.address) * 2 * Math.PI - Math.PI / 2;
      return {
        group: 'nodes',
        data: { id: node.name },
        position: { x: RADIUS * Math.cos(angle), y: RADIUS * Math.sin(angle) },
      };
    });
    // The ring itself: one large hollow node under everything, which takes no clicks.
    elements.unshift({
      group: 'nodes',
      data: { id: '\u0000ring' },
      position: { x: 0, y: 0 },
      classes: 'guide',
    });
    const width = Math.max(0.8, nodeSize(n) / 7);
    this.cy = cytoscape({
      ...baseOptions(container, n),
      elements,
      style: [
        {
          selector: 'edge',
          style: { width, 'curve-style': n > 300 ? 'haystack' : 'straight', 'line-color': COLOR.vset },
        },
        { selector: 'edge.both', style: { 'line-color': COLOR.vset, opacity: n > 300 ? 0.35 : 0.7 } },
        {
          selector: 'edge.oneway',
          style: { 'line-color': COLOR.oneway, 'line-style': 'dotted', opacity: 0.8 },
        },
        {
          selector: 'edge.missing',
          style: { 'line-color': COLOR.missing, 'line-style': 'dashed', width: width * 2, 'z-index': 8 },
        },
        { selector: 'edge.wrong', style: { 'line-color': COLOR.wrong, width: width * 2, 'z-index': 8 } },
        {
          selector: 'edge.broken',
          style: { 'line-color': COLOR.broken, 'line-style': 'dotted', width: width * 2.2, 'z-index': 8 },
        },
        {
          selector: 'edge.focus',
          style: { 'line-color': COLOR.focus, opacity: 1, width: width * 2.5, 'z-index': 9 },
        },
        ...nodeStyles(n),
        {
          selector: 'node.guide',
          style: {
            width: 2 * RADIUS,
            height: 2 * RADIUS,
            'background-opacity': 0,
            'border-width': Math.max(2, nodeSize(n) / 3),
            'border-color': COLOR.guide,
            label: '',
            events: 'no',
            'z-index': 0,
            'z-compound-depth': 'bottom',
          },
        },
      ],
    });
    const frame = [
      { x: -RADIUS, y: -RADIUS },
      { x: RADIUS, y: RADIUS },
    ];
    fitView(this.cy, frame, nodeSize(n) * 2.5);
    new ResizeObserver(() => fitView(this.cy, frame, nodeSize(n) * 2.5)).observe(container);
    connectView(this.cy, container, topo, handlers);
  }

  /** Vset edges and findings from a state: only the edges that changed are added or removed. */
  update(state: UiState, selected: string | null): void {
    const want = new Map<string, { source: string; target: string; cls: string }>();
    const holds = (a: string, b: string): boolean => state.nodes[a]?.vset.includes(b) ?? false;
    for (const [name, s] of Object.entries(state.nodes)) {
      for (const member of s.vset) {
        if (!state.nodes[member]) continue; // an address no node has: listed among the problems
        const [a, b] = name < member ? [name, member] : [member, name];
        want.set(`v:${a}|${b}`, {
          source: a,
          target: b,
          cls: holds(b, a) && holds(a, b) ? 'both' : 'oneway',
        });
      }
    }
    for (const [a, b] of state.ring.missing) {
      if (state.nodes[b]) want.set(`m:${a}|${b}`, { source: a, target: b, cls: 'missing' });
    }
    for (const [a, b] of state.ring.brokenPaths) {
      if (state.nodes[b]) want.set(`p:${a}|${b}`, { source: a, target: b, cls: 'broken' });
    }
    for (const [a, b] of state.ring.wrong) {
      if (state.nodes[b]) want.set(`w:${a}|${b}`, { source: a, target: b, cls: 'wrong' });
    }
    this.cy.batch(() => {
      for (const id of this.#edgeIds) if (!want.has(id)) this.cy.getElementById(id).remove();
      const add: ElementDefinition[] = [];
      for (const [id, e] of want) {
        const existing = this.cy.getElementById(id);
        if (existing.nonempty()) {
          if (!existing.hasClass(e.cls)) existing.classes(e.cls);
        } else {
          add.push({ group: 'edges', data: { id, source: e.source, target: e.target }, classes: e.cls });
        }
      }
      this.cy.add(add);
      this.#edgeIds = new Set(want.keys());
      markNodes(this.cy, state);
    });
    this.focus(selected);
  }

  /** Brings out the selected node's vset edges. */
  focus(selected: string | null): void {
    this.cy.batch(() => {
      this.cy.edges('.focus').removeClass('focus');
      if (selected === null) return;
      this.cy
        .getElementById(selected)
        .connectedEdges()
        .filter((e) => e.hasClass('both') || e.hasClass('oneway'))
        .addClass('focus');
    });
  }

  /** Highlights a path's nodes. */
  showPath(hops: string[]): void {
    this.cy.batch(() => {
      this.cy.nodes('.on-path').removeClass('on-path');
      for (const h of hops) this.cy.getElementById(h).addClass('on-path');
    });
  }
}
