// The physical graph: nodes where the server's layout put them, links coloured by state, the selected node, the
// nodes picked for a partition, and a path's hops.

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

/** The physical graph view. */
export class PhysicalView {
  readonly cy: Core;
  readonly #linkOf = new Map<string, number>();

  constructor(container: HTMLElement, topo: UiTopology, handlers: ViewHandlers) {
    const n = topo.nodes.length;
    const elements: ElementDefinition[] = [
      ...topo.nodes.map((node) => ({
        group: 'nodes' as const,
        data: { id: node.name },
        position: { x: node.x, y: node.y },
      })),
      ...topo.links.map((l) => ({
        group: 'edges' as const,
        data: { id: `l${l.index}`, source: l.a, target: l.b },
        classes: 'up',
      })),
    ];
    for (const l of topo.links) {
      this.#linkOf.set(`${l.a}\0${l.b}`, l.index);
      this.#linkOf.set(`${l.b}\0${l.a}`, l.index);
    }
    const width = Math.max(1, nodeSize(n) / 6);
    this.cy = cytoscape({
      ...baseOptions(container, n),
      elements,
      style: [
        {
          selector: 'edge',
          style: {
            width,
            'line-color': COLOR.up,
            'curve-style': n > 300 ? 'haystack' : 'straight',
            opacity: n > 300 ? 0.55 : 0.9,
          },
        },
        {
          selector: 'edge.down',
          style: { 'line-color': COLOR.down, 'line-style': 'dashed', width: width * 1.6, opacity: 1 },
        },
        {
          selector: 'edge.cut',
          style: { 'line-color': COLOR.cut, 'line-style': 'dashed', width: width * 1.6, opacity: 1 },
        },
        {
          selector: 'edge.impaired',
          style: { 'line-color': COLOR.impaired, width: width * 1.6, opacity: 1 },
        },
        {
          selector: 'edge.on-path',
          style: { 'line-color': COLOR.path, width: width * 3, opacity: 1, 'z-index': 9 },
        },
        {
          selector: 'edge.selected-link',
          style: {
            'underlay-color': COLOR.selected,
            'underlay-opacity': 0.35,
            'underlay-padding': width * 2,
          },
        },
        ...nodeStyles(n),
      ],
    });
    fitView(this.cy, topo.nodes, nodeSize(n) * 1.5);
    new ResizeObserver(() => fitView(this.cy, topo.nodes, nodeSize(n) * 1.5)).observe(container);
    connectView(this.cy, container, topo, handlers);
    this.cy.on('tap', 'edge', (e) => handlers.onLink?.(Number(String(e.target.id()).slice(1))));
  }

  /** Link and node colours from a state. */
  update(state: UiState): void {
    this.cy.batch(() => {
      this.cy.edges().forEach((edge) => {
        const s = state.links[Number(edge.id().slice(1))] ?? 'up';
        if (!edge.hasClass(s))
          edge.classes(
            edge
              .classes()
              .filter((c) => !['up', 'down', 'cut', 'impaired'].includes(c))
              .concat(s),
          );
      });
      markNodes(this.cy, state);
    });
  }

  /** Highlights a path (node names in order); empty clears it. */
  showPath(hops: string[]): void {
    this.cy.batch(() => {
      this.cy.elements('.on-path').removeClass('on-path');
      for (let i = 0; i < hops.length; i++) {
        this.cy.getElementById(hops[i]).addClass('on-path');
        const index = i > 0 ? this.#linkOf.get(`${hops[i - 1]}\0${hops[i]}`) : undefined;
        if (index !== undefined) this.cy.getElementById(`l${index}`).addClass('on-path');
      }
    });
  }

  /** Marks the selected link (or none). */
  selectLink(index: number | null): void {
    this.cy.edges('.selected-link').removeClass('selected-link');
    if (index !== null) this.cy.getElementById(`l${index}`).addClass('selected-link');
  }
}

/** Node classes from a state: active, dead, with ring problems (shared with the ring view). */
export function markNodes(cy: Core, state: UiState): void {
  cy.nodes().forEach((node) => {
    const s = state.nodes[node.id()];
    if (!s) return;
    node.toggleClass('active', s.alive && s.active);
    node.toggleClass('dead', !s.alive);
    node.toggleClass('problem', (state.ring.nodeProblems[node.id()] ?? 0) > 0);
  });
}

/** Marks the selected node and the picked ones (shared with the ring view). */
export function markSelection(cy: Core, selected: string | null, picked: ReadonlySet<string>): void {
  cy.batch(() => {
    cy.nodes('.selected-node').removeClass('selected-node');
    cy.nodes('.picked').removeClass('picked');
    if (selected !== null) cy.getElementById(selected).addClass('selected-node');
    for (const p of picked) cy.getElementById(p).addClass('picked');
  });
}
