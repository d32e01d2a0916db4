// A small label that follows the pointer over a node: on graphs too large for labels (over 150 nodes) this is
// how a node is named before it is clicked.

import type { Core } from 'cytoscape';
import { el } from './dom.ts';

/** Shows text(name) beside the node under the pointer. */
export function addHoverLabel(cy: Core, container: HTMLElement, text: (name: string) => string): void {
  const label = el('div', { class: 'hover-label' });
  label.hidden = true;
  container.append(label);
  cy.on('mouseover', 'node', (e) => {
    if (e.target.hasClass('guide')) return;
    const p = e.target.renderedPosition();
    label.textContent = text(e.target.id());
    label.style.left = `${p.x + 12}px`;
    label.style.top = `${p.y - 10}px`;
    label.hidden = false;
  });
  cy.on('mouseout', 'node', () => (label.hidden = true));
  cy.on('viewport', () => (label.hidden = true));
  // Leaving the canvas straight from a node fires no mouseout.
  container.addEventListener('mouseleave', () => (label.hidden = true));
}
