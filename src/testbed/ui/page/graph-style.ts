// What both views share: the pointer wiring (connectView) and the look: colours (the legend in index.html and
// style.css uses the same ones), node sizes that shrink as graphs grow, and the cytoscape options that keep 1,000
// nodes smooth (no labels until zoomed in, textures while panning).

import type { Core, CytoscapeOptions, StylesheetJson } from 'cytoscape';
import type { UiTopology } from '../ui-types.ts';
import { addHoverLabel } from './hover-label.ts';

/** Colours by meaning. */
export const COLOR = {
  active: '#3e63dd',
  inactive: '#b9bec7',
  dead: '#ffffff',
  deadBorder: '#1c2024',
  problem: '#e5484d',
  selected: '#12a594',
  picked: '#f76b15',
  up: '#9aa8b8',
  down: '#e5484d',
  cut: '#f5a524',
  impaired: '#8e4ec6',
  vset: '#3e63dd',
  oneway: '#8da4ef',
  missing: '#e5484d',
  wrong: '#f76b15',
  broken: '#8e4ec6',
  guide: '#dfe3e8',
  path: '#12a594',
  focus: '#1e3a8a',
  label: '#1c2024',
} as const;

/** Node diameter in model units (positions span about 1000), from the node count. */
export function nodeSize(n: number): number {
  return Math.max(6, Math.min(36, 260 / Math.sqrt(Math.max(n, 1))));
}

/** Options for every view: fast rendering on large graphs, no dragging (positions mean something). */
export function baseOptions(container: HTMLElement, n: number): CytoscapeOptions {
  return {
    container,
    // No layout run and no fit over every element (cytoscape's bounding boxes of 5,000 edges took over a second):
    // fitView() frames the known positions instead.
    layout: { name: 'preset', fit: false },
    minZoom: 0.05,
    maxZoom: 12,
    boxSelectionEnabled: false,
    autoungrabify: true,
    autounselectify: true,
    textureOnViewport: n > 300,
    hideEdgesOnViewport: n > 600,
    pixelRatio: n > 300 ? 1 : 'auto',
  };
}

/** Frames the nodes in the view from their model positions (cheap at any size), with a margin. */
export function fitView(cy: Core, positions: readonly { x: number; y: number }[], margin: number): void {
  const el = cy.container();
  if (!el || positions.length === 0) return;
  const xs = positions.map((p) => p.x);
  const ys = positions.map((p) => p.y);
  const [x0, x1, y0, y1] = [
    Math.min(...xs) - margin,
    Math.max(...xs) + margin,
    Math.min(...ys) - margin,
    Math.max(...ys) + margin,
  ];
  const w = el.clientWidth || 600;
  const h = el.clientHeight || 400;
  const zoom = Math.min(w / Math.max(x1 - x0, 1), h / Math.max(y1 - y0, 1));
  cy.viewport({ zoom, pan: { x: w / 2 - ((x0 + x1) / 2) * zoom, y: h / 2 - ((y0 + y1) / 2) * zoom } });
}

/** The node and selection styles both views share. */
export function nodeStyles(n: number): StylesheetJson {
  const size = nodeSize(n);
  return [
    {
      selector: 'node',
      style: {
        width: size,
        height: size,
        'background-color': COLOR.inactive,
        'border-width': Math.max(1, size / 10),
        'border-color': '#ffffff',
        label: n <= 150 ? 'data(id)' : '',
        'font-size': Math.max(6, size * 0.45),
        'font-family': 'Inter, system-ui, sans-serif',
        'font-weight': 600,
        color: COLOR.label,
        'text-valign': 'bottom',
        'text-margin-y': size * 0.18,
        'text-outline-color': '#ffffff',
        'text-outline-width': 2,
        'min-zoomed-font-size': 7,
      },
    },
    { selector: 'node.active', style: { 'background-color': COLOR.active } },
    {
      selector: 'node.dead',
      style: { 'background-color': COLOR.dead, 'border-color': COLOR.deadBorder, 'border-style': 'dashed' },
    },
    {
      selector: 'node.problem',
      style: { 'border-color': COLOR.problem, 'border-width': Math.max(2, size / 4) },
    },
    { selector: 'node.on-path', style: { 'background-color': COLOR.path, 'z-index': 9 } },
    {
      selector: 'node.picked',
      style: { 'border-color': COLOR.picked, 'border-width': Math.max(3, size / 3.5), 'z-index': 10 },
    },
    {
      selector: 'node.selected-node',
      style: {
        width: size * 1.5,
        height: size * 1.5,
        'border-color': COLOR.selected,
        'border-width': Math.max(3, size / 3),
        'z-index': 11,
        label: 'data(id)',
        'font-size': Math.max(9, size * 0.55),
      },
    },
  ];
}

/** What a view reports back. */
export interface ViewHandlers {
  onNode(name: string, extend: boolean, pick: boolean): void;
  onLink?(index: number): void;
  onBackground(): void;
}

/** Wires a view's pointer: a hover label, node clicks (shift: extend to a path; ctrl/alt/cmd: pick), background. */
export function connectView(
  cy: Core,
  container: HTMLElement,
  topo: UiTopology,
  handlers: ViewHandlers,
): void {
  const addresses = new Map(topo.nodes.map((node) => [node.name, node.address]));
  addHoverLabel(cy, container, (name) => `${name}  ${addresses.get(name) ?? ''}`);
  cy.on('tap', 'node', (e) => {
    const ev = e.originalEvent as MouseEvent | undefined;
    handlers.onNode(e.target.id(), Boolean(ev?.shiftKey), Boolean(ev?.ctrlKey || ev?.metaKey || ev?.altKey));
  });
  cy.on('tap', (e) => {
    if (e.target === cy) handlers.onBackground();
  });
}
