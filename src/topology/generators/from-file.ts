// from-file {path, lossFromTq}: imports a meshnet-lab JSON graph ({nodes: [{id}], links: [{source, target}]}).
// As in meshnet-lab, the graph is its links: every link end is a node, ids compare as text (8 and "8" are one
// node), and `nodes` entries no link mentions are left out. Links listed twice (either way round) collapse
// into the first. Errors point into the JSON file, line and column.

import { readFileSync } from 'node:fs';
import { TopologyError } from '../errors.ts';
import { isValidNodeName } from '../names.ts';
import type { Graph, GraphLink } from '../graph.ts';
import { SourceText, type KeyPath } from '../yaml-reader.ts';

/** How a graph file is turned into nodes and links. */
export interface GraphFileOptions {
  /**
   * Map link quality to loss: source_tq (0..1, the quality from source to target, as batman-adv reports it)
   * gives loss (1 - tq) * 100% from source to target, target_tq the other way. A tq of 0, null or none is
   * unknown and leaves that direction's loss to the defaults.
   */
  lossFromTq?: boolean;
}

/** Reads and imports a graph file; `displayName` is the name its errors carry. */
export function readGraphFile(
  absolutePath: string,
  displayName: string,
  options: GraphFileOptions = {},
): Graph {
  return parseGraphJson(readFileSync(absolutePath, 'utf8'), displayName, options);
}

// A problem found in the parsed data; turned into a TopologyError with a line and column only then, because
// locating needs the (slow) YAML parse of the text and real graphs are hundreds of kilobytes.
class ShapeError extends Error {
  constructor(
    readonly path: KeyPath,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`expected ${expected}, found ${found}`);
  }
}

/**
 * Imports graph text. Ids that are valid node names are kept; any other id becomes `n<k>`, k being its
 * 1-based place in order of first appearance in `links` (with `_2`, `_3`... appended if that name is taken).
 */
export function parseGraphJson(text: string, displayName: string, options: GraphFileOptions = {}): Graph {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(text, displayName, (error as Error).message);
  }
  try {
    return importGraph(data, options);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    // JSON is YAML, so the YAML reader gives the problem a line and a column.
    return new SourceText(displayName, text).valueAt(error.path).fail(error.expected, error.found);
  }
}

function importGraph(data: unknown, options: GraphFileOptions): Graph {
  if (!isObject(data)) {
    throw new ShapeError(
      [],
      'a meshnet-lab graph: { "nodes": [...], "links": [{ "source", "target" }, ...] }',
      describe(data),
    );
  }
  const links = data.links;
  if (!Array.isArray(links)) throw new ShapeError(['links'], 'a list of links', describe(links));
  if (links.length === 0) throw new ShapeError(['links'], 'at least one link', 'an empty list');

  const ids: string[] = [];
  const seenIds = new Set<string>();
  const byPair = new Set<string>();
  const graphLinks: GraphLink[] = [];
  links.forEach((link: unknown, index) => {
    const path = ['links', index];
    if (!isObject(link)) throw new ShapeError(path, 'a link: { "source": id, "target": id }', describe(link));
    const source = readId(link, 'source', path);
    const target = readId(link, 'target', path);
    if (source === target) {
      throw new ShapeError(
        [...path, 'target'],
        'a link between two different nodes',
        `${JSON.stringify(target)} at both ends`,
      );
    }
    for (const id of [source, target]) {
      if (!seenIds.has(id)) {
        seenIds.add(id);
        ids.push(id);
      }
    }
    const pair = source < target ? `${source}\u0000${target}` : `${target}\u0000${source}`;
    if (byPair.has(pair)) return;
    byPair.add(pair);
    const graphLink: GraphLink = { a: source, b: target };
    if (options.lossFromTq) {
      const aToB = lossFromTq(link, 'source_tq', path);
      const bToA = lossFromTq(link, 'target_tq', path);
      if (aToB !== undefined) graphLink.aToB = { lossPct: aToB };
      if (bToA !== undefined) graphLink.bToA = { lossPct: bToA };
    }
    graphLinks.push(graphLink);
  });

  const names = nodeNamesForIds(ids);
  return {
    nodes: ids.map((id) => names.get(id)!),
    links: graphLinks.map((l) => ({ ...l, a: names.get(l.a)!, b: names.get(l.b)! })),
  };
}

/** Maps graph ids to node names by the rule of parseGraphJson. */
export function nodeNamesForIds(ids: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set(ids.filter(isValidNodeName));
  ids.forEach((id, index) => {
    if (isValidNodeName(id)) {
      names.set(id, id);
      return;
    }
    let name = `n${index + 1}`;
    for (let suffix = 2; taken.has(name); suffix++) name = `n${index + 1}_${suffix}`;
    taken.add(name);
    names.set(id, name);
  });
  return names;
}

function readId(link: Record<string, unknown>, key: 'source' | 'target', path: KeyPath): string {
  const id = link[key];
  if (id === undefined)
    throw new ShapeError(path, 'a link with "source" and "target"', `a link without "${key}"`);
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id !== '') return id;
  throw new ShapeError([...path, key], 'a node id (a non-empty string or a number)', describe(id));
}

function lossFromTq(link: Record<string, unknown>, key: string, path: KeyPath): number | undefined {
  const tq = link[key];
  if (tq === undefined || tq === null || tq === 0) return undefined;
  if (typeof tq !== 'number' || !(tq >= 0 && tq <= 1)) {
    throw new ShapeError([...path, key], 'a link quality (tq) from 0 to 1', describe(tq));
  }
  return Math.round((1 - tq) * 100 * 1000) / 1000;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (isObject(value)) return 'a map';
  return JSON.stringify(value);
}

// JSON.parse sometimes names a position ("at position 12", "(line 2 column 5)") and sometimes only quotes
// the text; without a position, the YAML reader usually places the same mistake. Line 1 is the last resort.
function jsonSyntaxError(text: string, file: string, message: string): TopologyError {
  const reason = message.replace(/, ".*" is not valid JSON$/s, '').replace(/\s*\n\s*/g, ' ');
  const found = `a syntax error: ${reason}`;
  const lineCol = /line (\d+) column (\d+)/.exec(reason);
  if (lineCol)
    return new TopologyError(
      file,
      Number(lineCol[1]),
      Number(lineCol[2]),
      '(top level)',
      'valid JSON',
      found,
    );
  const position = /position (\d+)/.exec(reason);
  if (position) {
    const before = text.slice(0, Math.min(Number(position[1]), text.length)).split('\n');
    return new TopologyError(
      file,
      before.length,
      before[before.length - 1].length + 1,
      '(top level)',
      'valid JSON',
      found,
    );
  }
  try {
    new SourceText(file, text);
  } catch (error) {
    if (error instanceof TopologyError) {
      return new TopologyError(file, error.line, error.column, error.keyPath, 'valid JSON', found);
    }
    throw error;
  }
  return new TopologyError(file, 1, 1, '(top level)', 'valid JSON', found);
}
