// The side panel's read-only cards: a node's tables, the ring checker's problem lines, and the event log.

import type { UiEvent, UiNodeTables, UiRing } from '../ui-types.ts';
import { byId, el, fill, table } from './dom.ts';

/** Shows a node's tables (neighbours with link quality, vset, routes, representatives, DHT, multicast trees). */
export function renderNode(t: UiNodeTables, select: (name: string) => void): void {
  const link = (name: string): HTMLElement =>
    el('a', { href: '#', class: 'node-link', click: (e: Event) => (e.preventDefault(), select(name)) }, name);
  const state = !t.alive ? 'crashed' : t.status?.active ? 'active' : 'not active';
  // A replay knows no routes, representatives or trees (its note says so): leave those sections out.
  const replay = t.status !== null && t.status.uptimeMs === undefined;
  const quality = (q: number | null): HTMLElement => {
    if (q === null || Number.isNaN(q)) return el('span', { class: 'muted' }, '—');
    const bar = el('span', { class: 'q-bar' }, el('span', { style: `width:${Math.round(q * 100)}%` }));
    return el('span', { class: 'q' }, bar, ` ${q.toFixed(2)}`);
  };
  fill(
    byId('node-panel'),
    el('h3', {}, t.name, ' ', el('span', { class: `tag ${state.replace(' ', '-')}` }, state)),
    el(
      'div',
      { class: 'kv' },
      el('span', {}, 'address'),
      el('code', {}, t.address),
      el('span', {}, 'vset size'),
      el('span', {}, String(t.status?.vsetSize ?? '—')),
      el('span', {}, 'DHT entries'),
      el('span', {}, t.dhtEntries === null ? '—' : String(t.dhtEntries)),
      ...(t.status?.uptimeMs !== undefined
        ? [el('span', {}, 'uptime'), el('span', {}, `${Math.round(t.status.uptimeMs / 1000)} s`)]
        : []),
    ),
    t.error ? el('p', { class: 'note' }, t.error) : null,
    section(
      `Virtual neighbours (${t.vset.length})`,
      table(
        ['node', 'side', 'address'],
        t.vset.map((v) => [link(v.name), v.side || '—', el('code', {}, v.address)]),
      ),
    ),
    section(
      `Physical neighbours (${t.neighbors.length})`,
      table(
        ['node', 'if', 'state', 'quality'],
        t.neighbors.map((n) => [
          link(n.name),
          n.interface || '—',
          el('span', { class: `st ${n.state}` }, n.state),
          quality(n.quality),
        ]),
      ),
    ),
    replay
      ? null
      : section(
          `Routes (${t.routes.length})`,
          t.routes.length === 0
            ? el('p', { class: 'muted' }, 'none known')
            : table(
                ['path', 'ea', 'eb', 'na', 'nb'],
                t.routes.map((r) => [`#${r.pathId}`, short(r.ea), short(r.eb), short(r.na), short(r.nb)]),
              ),
          t.routes.length > 8,
        ),
    replay
      ? null
      : section(
          'Representatives',
          t.representatives === null
            ? el('p', { class: 'muted' }, 'not reported')
            : table(
                ['node', 'via', 'seq'],
                t.representatives.map((r) => [link(r.name), short(r.via), String(r.seq)]),
              ),
        ),
    replay
      ? null
      : section(
          'Multicast trees',
          t.multicastTrees === null || t.multicastTrees.length === 0
            ? el('p', { class: 'muted' }, t.multicastTrees === null ? 'not reported' : 'none')
            : table(
                ['root', 'group', 'up', 'down'],
                t.multicastTrees.map((m) => [
                  short(m.root),
                  short(m.group),
                  short(m.upstream),
                  String(m.downstream.length),
                ]),
              ),
        ),
  );
}

/** The ring verdict and its problem lines; a line naming a node selects it. */
export function renderProblems(ring: UiRing, select: (name: string) => void): void {
  const lines = ring.problems.map((line) => {
    const name = /^([^\s:]+)/.exec(line)?.[1] ?? '';
    return el('li', { click: () => name && select(name), title: 'select this node' }, line);
  });
  fill(
    byId('problems'),
    el(
      'h3',
      {},
      'Ring check ',
      el(
        'span',
        { class: `tag ${ring.passed ? 'ok' : 'bad'}` },
        ring.passed ? 'consistent' : `${ring.problemCount} problems`,
      ),
    ),
    el(
      'p',
      { class: 'muted' },
      `${ring.partitions} partition${ring.partitions === 1 ? '' : 's'}`,
      ring.routesChecked ? '' : ' · vsets only (a replay has no next hops)',
    ),
    lines.length > 0 ? el('ol', { class: 'problem-list' }, ...lines) : null,
  );
}

/** Adds an event at the top of the log, keeping the newest 300. */
export function logEvent(e: UiEvent, clock: (t: number) => string): void {
  const list = byId('event-list');
  list.prepend(
    el(
      'li',
      { class: `ev ${e.type}` },
      el('span', { class: 'ev-t' }, clock(e.t)),
      el('b', {}, e.source),
      ' ',
      e.summary,
    ),
  );
  while (list.childElementCount > 300) list.lastElementChild?.remove();
}

function section(title: string, body: HTMLElement, collapsed = false): HTMLElement {
  const d = el('details', {}, el('summary', {}, title), body);
  d.open = !collapsed;
  return d;
}

let names = new Map<string, string>();

/** Tells the panel which node has which address, so tables show names. */
export function setAddressNames(byAddress: Map<string, string>): void {
  names = byAddress;
}

function short(address: string | null): string {
  return address === null ? '·' : (names.get(address) ?? address.slice(-8));
}
