// Pages of the tables the control verbs list (protocol: PAGED_VERBS in src/control/protocol.ts). A page is the
// rows after the cursor in the order of a sort key unique to each row, and its `next` is the last row's key.
// Keys are tuples of numbers and text, not formatted text: a hub's 20,000 routes are keyed without building
// 20,000 strings for every page.
// Keyed, not counted: a route added or removed between two pages moves no other row across the page boundary,
// so a client reading page after page sees every row that existed throughout exactly once, and no row twice.
// Stateless: the daemon keeps nothing between pages, whatever the number of clients.

import { CONTROL_LIMITS, type ControlLimits } from '../control/limits.ts';

/** A handler's answer that is one page: the server sends `result` and, when rows remain, `next`. */
export class Page {
  constructor(
    readonly result: unknown,
    readonly next: string | null,
  ) {}
}

/** A row's place in its table: compared element by element (numbers as numbers, text as text). */
export type SortKey = readonly (number | string)[];

/** Where a page starts and how many rows it may hold, read from a request's args. */
export interface PageRequest {
  /** The last row of the previous page, decoded from the cursor; null for the first page. */
  after: SortKey | null;
  limit: number;
}

/** Reads `cursor` and `limit`; a RangeError says which one is wrong, what was expected and what was found. */
export function pageRequest(
  args: Record<string, unknown>,
  limits: ControlLimits = CONTROL_LIMITS,
): PageRequest {
  const { cursor, limit } = args;
  if (
    limit !== undefined &&
    (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > limits.maxPageRows)
  ) {
    throw new RangeError(
      `limit: expected an integer from 1 to ${limits.maxPageRows}, found ${JSON.stringify(limit)}`,
    );
  }
  return {
    after: cursor === undefined ? null : decodeCursor(cursor, limits),
    limit: limit ?? limits.defaultPageRows,
  };
}

/**
 * The page of rows after page.after in the order of keyOf, each shown as format(row) (only the page's rows are
 * formatted). A page holds at most `limit` rows and stops before budgetBytes of JSON, but always holds one row
 * when any remain, so it advances. keyOf must be unique per row; `next` is the page's last key, encoded.
 */
export function pageRows<T, R>(
  rows: readonly T[],
  keyOf: (row: T) => SortKey,
  format: (row: T) => R,
  page: PageRequest,
  budgetBytes: number = CONTROL_LIMITS.pageBudgetBytes,
): { rows: R[]; next: string | null } {
  const keyed: { key: SortKey; row: T }[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    if (page.after === null || compareKeys(key, page.after) > 0) keyed.push({ key, row });
  }
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  const out: R[] = [];
  let bytes = 0;
  for (let i = 0; i < keyed.length; i++) {
    const shown = format(keyed[i].row);
    bytes += JSON.stringify(shown).length + 1;
    if (out.length > 0 && (out.length === page.limit || bytes > budgetBytes)) {
      return { rows: out, next: JSON.stringify(keyed[i - 1].key) };
    }
    out.push(shown);
  }
  return { rows: out, next: null };
}

/** Orders two keys element by element; a key that is a prefix of the other comes first. */
export function compareKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** The key a cursor names (a `next` is a key as JSON); a RangeError when it is not one. */
function decodeCursor(cursor: unknown, limits: ControlLimits): SortKey {
  const expected = `the "next" of the previous page (at most ${limits.maxCursorChars} characters)`;
  if (typeof cursor !== 'string' || cursor.length > limits.maxCursorChars) {
    const found = typeof cursor === 'string' ? `${cursor.length} characters` : JSON.stringify(cursor);
    throw new RangeError(`cursor: expected ${expected}, found ${found}`);
  }
  let key: unknown;
  try {
    key = JSON.parse(cursor);
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || !key.every((k) => typeof k === 'number' || typeof k === 'string')) {
    throw new RangeError(`cursor: expected ${expected}, found ${JSON.stringify(cursor)}`);
  }
  return key as SortKey;
}
