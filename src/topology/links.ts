// Reads the `links` section: `[a, b]` or `{ ends: [a, b], <params>, "a->b": {...}, "b->a": {...} }`.
// Parameters layer: defaults.link, then what a generator set, then the link's own, then one direction's.

import type { Graph } from './graph.ts';
import { LINK_PARAM_KEYS, readLinkParams, readLinkParamsMap } from './link-params.ts';
import { readNodeRef } from './nodes.ts';
import type { LinkParams, TopologyLink } from './types.ts';
import type { Mapping, Value } from './yaml-reader.ts';

/** The key of an unordered pair of node names: the same for a-b and b-a. */
export function linkKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Splits a direction key `from->to` (names cannot contain `>`, so the split is unambiguous); null otherwise. */
export function parseDirectionKey(key: string): [string, string] | null {
  const arrow = key.indexOf('>');
  if (arrow < 1 || key[arrow - 1] !== '-') return null;
  return [key.slice(0, arrow - 1), key.slice(arrow + 1)];
}

/** The ends of a link written as `[a, b]`: two different existing nodes; `value` is the list. */
export function readEnds(value: Value, names: ReadonlySet<string>): [string, string] {
  const items = value.list('the two ends of a link, like [a, b]');
  if (items.length !== 2) value.fail('the two ends of a link, like [a, b]', `a list of ${items.length}`);
  const a = readNodeRef(items[0], names);
  const b = readNodeRef(items[1], names);
  if (a === b) items[1].fail('a link between two different nodes', `${JSON.stringify(b)} at both ends`);
  return [a, b];
}

/** Parameters written in a link (or impair) map, split per direction: shared keys, then `"a->b"` overrides. */
export function readDirectedParams(
  map: Mapping,
  a: string,
  b: string,
): { aToB: Partial<LinkParams>; bToA: Partial<LinkParams> } {
  const shared = readLinkParams(map);
  const aToB = { ...shared };
  const bToA = { ...shared };
  for (const { key, keyValue, value } of map.entries) {
    const direction = parseDirectionKey(key);
    if (!direction) continue;
    const [from, to] = direction;
    const expected = `a direction of this link: ${JSON.stringify(`${a}->${b}`)} or ${JSON.stringify(`${b}->${a}`)}`;
    if (!((from === a && to === b) || (from === b && to === a))) keyValue.fail(expected, JSON.stringify(key));
    Object.assign(
      from === a ? aToB : bToA,
      readLinkParamsMap(value, 'a map of link parameters for this direction'),
    );
  }
  return { aToB, bToA };
}

/** How direction keys are written, for the unknown-key message. */
export const DIRECTION_KEY_HINT = '"a->b" (per direction)';

/** True for keys shaped like a direction (`x->y`); whether x and y are the link's ends is checked later. */
export function isDirectionKey(key: string): boolean {
  return parseDirectionKey(key) !== null;
}

/**
 * Builds the links: generated ones first (with `defaults`), then the listed ones. A listed link between
 * two nodes a generator already linked changes that link's parameters; listing the same pair twice is an error.
 */
export function readLinks(
  value: Value | undefined,
  names: ReadonlySet<string>,
  generated: Graph | null,
  defaults: LinkParams,
): TopologyLink[] {
  const links: TopologyLink[] = [];
  const byKey = new Map<string, { link: TopologyLink; listedAtLine: number | null }>();
  for (const g of generated?.links ?? []) {
    const link = { a: g.a, b: g.b, aToB: { ...defaults, ...g.aToB }, bToA: { ...defaults, ...g.bToA } };
    links.push(link);
    byKey.set(linkKey(g.a, g.b), { link, listedAtLine: null });
  }
  if (!value) return links;

  const expectedEntry = 'a link: [a, b] or { ends: [a, b], delay, loss, ..., "a->b": {...} }';
  for (const entry of value.list('a list of links')) {
    let a: string;
    let b: string;
    let params: { aToB: Partial<LinkParams>; bToA: Partial<LinkParams> } = { aToB: {}, bToA: {} };
    if (entry.isList()) {
      [a, b] = readEnds(entry, names);
    } else {
      const map = entry.map(expectedEntry);
      map.allowOnly(['ends', ...LINK_PARAM_KEYS], isDirectionKey, DIRECTION_KEY_HINT);
      [a, b] = readEnds(map.require('ends', 'a link map with ends: [a, b]'), names);
      params = readDirectedParams(map, a, b);
    }
    const key = linkKey(a, b);
    const existing = byKey.get(key);
    if (existing?.listedAtLine != null) {
      entry.fail(
        'each link once',
        `a second link between ${a} and ${b} (first at line ${existing.listedAtLine})`,
      );
    }
    if (existing) {
      // Generated link: keep its orientation, lay the listed parameters over it.
      const { link } = existing;
      const forward = link.a === a;
      Object.assign(link.aToB, forward ? params.aToB : params.bToA);
      Object.assign(link.bToA, forward ? params.bToA : params.aToB);
      existing.listedAtLine = entry.where.line;
      continue;
    }
    const link = { a, b, aToB: { ...defaults, ...params.aToB }, bToA: { ...defaults, ...params.bToA } };
    links.push(link);
    byKey.set(key, { link, listedAtLine: entry.where.line });
  }
  return links;
}
