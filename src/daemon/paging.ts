// Pages of the tables the control verbs list (protocol: PAGED_VERBS in src/control/protocol.ts). A page is the
// rows after the cursor in the order of a sort key unique to each row, and its `next` is the last row's key.
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

/** Where a page starts and how many rows it may hold, read from a request's args. */
export interface PageRequest {
  cursor: string | null;
  limit: number;
}

/** Reads `cursor` and `limit`; a RangeError says which one is wrong, what was expected and what was found. */
export function pageRequest(
  args: Record<string, unknown>,
  limits: ControlLimits = CONTROL_LIMITS,
): PageRequest {
  const { cursor, limit } = args;
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > limits.maxCursorChars)) {
    throw new RangeError(
      `cursor: expected the "next" of the previous page (a string of at most ${limits.maxCursorChars} ` +
        `characters), found ${typeof cursor === 'string' ? `${cursor.length} characters` : JSON.stringify(cursor)}`,
    );
  }
  if (
    limit !== undefined &&
    (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > limits.maxPageRows)
  ) {
    throw new RangeError(
      `limit: expected an integer from 1 to ${limits.maxPageRows}, found ${JSON.stringify(limit)}`,
    );
  }
  return { cursor: cursor ?? null, limit: limit ?? limits.defaultPageRows };
}

/**
 * The page of rows after the cursor in the order of keyOf, each shown as format(row) (only the page's rows are
 * formatted). A page holds at most `limit` rows and stops before budgetBytes of JSON, but always holds one row
 * when any remain, so it advances. keyOf must be unique per row.
 */
export function pageRows<T, R>(
  rows: readonly T[],
  keyOf: (row: T) => string,
  format: (row: T) => R,
  page: PageRequest,
  budgetBytes: number = CONTROL_LIMITS.pageBudgetBytes,
): { rows: R[]; next: string | null } {
  const keyed: { key: string; row: T }[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    if (page.cursor === null || key > page.cursor) keyed.push({ key, row });
  }
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: R[] = [];
  let bytes = 0;
  for (let i = 0; i < keyed.length; i++) {
    const shown = format(keyed[i].row);
    bytes += JSON.stringify(shown).length + 1;
    if (out.length > 0 && (out.length === page.limit || bytes > budgetBytes)) {
      return { rows: out, next: keyed[i - 1].key };
    }
    out.push(shown);
  }
  return { rows: out, next: null };
}

/** A number as fixed-width hex, so that text order is numeric order (keys of addresses and path ids). */
export function sortableHex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}
