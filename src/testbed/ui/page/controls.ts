// The controls card: what is selected (a node, picked nodes, a link), the path between two nodes, and the fault
// buttons. Faults go to POST /api/fault, which runs the same code as the CLI verbs; a replay shows no buttons.

import type { UiFault, UiLink, UiPath } from '../ui-types.ts';
import { byId, el, fill } from './dom.ts';

/** What the controls act on. */
export interface Selection {
  node: string | null;
  picked: ReadonlySet<string>;
  link: UiLink | null;
  path: UiPath | null;
}

/** What the buttons do. */
export interface ControlActions {
  fault(f: UiFault): void;
  path(from: string, to: string): void;
  clearPicked(): void;
  nodeNames: string[];
  live: boolean;
}

/** Redraws the controls card for the selection. */
export function renderControls(sel: Selection, act: ControlActions, busy: string | null): void {
  const btn = (label: string, f: UiFault, cls = ''): HTMLElement =>
    el(
      'button',
      {
        class: `btn ${cls}`,
        click: () => act.fault(f),
        ...(busy?.startsWith('applying') ? { disabled: '' } : {}),
      },
      label,
    );
  const target = el('input', { id: 'path-to', list: 'node-names', placeholder: 'to node…', size: '10' });
  const datalist = el(
    'datalist',
    { id: 'node-names' },
    ...act.nodeNames.map((n) => el('option', { value: n })),
  );
  const pathRow = sel.node
    ? el(
        'form',
        {
          class: 'row',
          submit: (e: Event) => {
            e.preventDefault();
            const to = (target as HTMLInputElement).value.trim();
            if (to) act.path(sel.node!, to);
          },
        },
        el('span', {}, `Path from ${sel.node} to`),
        target,
        datalist,
        el('button', { class: 'btn', type: 'submit' }, 'Trace'),
      )
    : el('p', { class: 'muted' }, 'Select a node, then shift-click another (or type its name) for the path.');
  const path = sel.path
    ? el(
        'p',
        { class: `path ${sel.path.reached ? 'ok' : 'bad'}`, id: 'path-result' },
        sel.path.hops.length > 0 ? sel.path.hops.join(' → ') : '',
        sel.path.reached ? ` (${sel.path.hops.length - 1} hops)` : ` — ${sel.path.reason}`,
      )
    : null;
  const faults = !act.live
    ? [el('p', { class: 'muted' }, 'Replay: read-only.')]
    : [
        sel.link
          ? el(
              'div',
              { class: 'row' },
              el('span', {}, `Link ${sel.link.a} — ${sel.link.b}`),
              btn('Down', { kind: 'link', a: sel.link.a, b: sel.link.b, up: false }, 'danger'),
              btn('Up', { kind: 'link', a: sel.link.a, b: sel.link.b, up: true }),
            )
          : el('p', { class: 'muted' }, 'Click a link for link down/up.'),
        sel.node
          ? el(
              'div',
              { class: 'row' },
              el('span', {}, `Node ${sel.node}`),
              btn('Crash', { kind: 'kill', node: sel.node }, 'danger'),
              btn('Restart', { kind: 'restart', node: sel.node }),
            )
          : null,
        el(
          'div',
          { class: 'row' },
          el(
            'span',
            {},
            `Picked: ${sel.picked.size === 0 ? 'none (ctrl/alt-click nodes)' : [...sel.picked].join(', ')}`,
          ),
          sel.picked.size > 0
            ? btn('Partition them off', { kind: 'partition', groups: [[...sel.picked]] }, 'warn')
            : null,
          sel.picked.size > 0
            ? el('button', { class: 'btn ghost', click: () => act.clearPicked() }, 'Clear')
            : null,
          btn('Heal', { kind: 'heal' }),
        ),
        busy ? el('p', { class: 'muted', id: 'fault-status' }, busy) : null,
      ];
  fill(byId('controls'), el('h3', {}, 'Path & faults'), pathRow, path, ...faults);
}
