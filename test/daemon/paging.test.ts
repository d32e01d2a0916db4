// Keyed pages: rows after the cursor in key order, at most `limit` of them and under the byte budget, always at
// least one; a table that changes between pages shows each row that stayed exactly once; cursor and limit
// errors name the argument, what was expected and what was found.

import assert from 'node:assert/strict';
import { CONTROL_LIMITS } from '../../src/control/limits.ts';
import { compareKeys, pageRequest, pageRows, type PageRequest } from '../../src/daemon/paging.ts';

interface Row {
  a: number;
  b: string;
}

const keyOf = (r: Row): [number, string] => [r.a, r.b];
const show = (r: Row): string => `${r.a}${r.b}`;

/** Every page of rows (read afresh for each page, as a verb does), joined. */
function readAll(rows: () => Row[], limit: number, between: (page: number) => void = () => {}): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    const p = pageRows(
      rows(),
      keyOf,
      show,
      pageRequest(cursor === undefined ? { limit } : { limit, cursor }),
    );
    out.push(...p.rows);
    if (p.next === null) return out;
    assert.ok(p.rows.length > 0, 'a page with a next has rows');
    cursor = p.next;
    between(page);
  }
}

describe('daemon/paging', () => {
  it('orders keys element by element, numbers as numbers, a prefix first', () => {
    assert.ok(compareKeys([2, 'a'], [10, 'a']) < 0, '2 before 10 (not as text)');
    assert.ok(compareKeys([1, 'b'], [1, 'a']) > 0);
    assert.ok(compareKeys([1], [1, 'a']) < 0);
    assert.equal(compareKeys([0x020000000001, 7], [0x020000000001, 7]), 0);
  });

  it('pages a table in key order, each row once, at most limit rows a page', () => {
    const rows = Array.from({ length: 1003 }, (_, i) => ({ a: (i * 7919) % 1003, b: 'x' }));
    const seen = readAll(() => rows, 100);
    assert.deepEqual(
      seen,
      Array.from({ length: 1003 }, (_, i) => `${i}x`),
    );
    const first = pageRows(rows, keyOf, show, pageRequest({ limit: 100 }));
    assert.equal(first.rows.length, 100);
    assert.equal(first.next, JSON.stringify([99, 'x']));
  });

  it('shows every row that stays exactly once when rows come and go between pages', () => {
    let rows = Array.from({ length: 500 }, (_, i) => ({ a: i * 2, b: 'k' }));
    const stays = new Set(rows.filter((r) => r.a % 4 === 0).map(show));
    const seen = readAll(
      () => rows,
      50,
      (page) => {
        // Remove some rows not meant to stay, and add new ones (odd keys) on both sides of the cursor.
        rows = rows.filter((r) => r.a % 4 === 0 || (r.a + page) % 3 !== 0);
        rows.push({ a: page * 37 + 1, b: 'k' }, { a: 999 - page * 2, b: 'k' });
      },
    );
    assert.equal(new Set(seen).size, seen.length, 'no row twice');
    for (const r of stays) assert.ok(seen.includes(r), `${r} stayed in the table and was shown`);
  });

  it('stops a page before the byte budget, but always holds one row', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ a: i, b: 'v'.repeat(400) }));
    const page: PageRequest = { after: null, limit: 10 };
    assert.equal(pageRows(rows, keyOf, show, page, 1000).rows.length, 2); // 2 × ~403 bytes fit, 3 do not
    assert.equal(pageRows(rows, keyOf, show, page, 10).rows.length, 1);
    assert.deepEqual(pageRows([], keyOf, show, page), { rows: [], next: null });
  });

  it('names a bad cursor or limit with what was expected and what was found', () => {
    assert.throws(
      () => pageRequest({ limit: 0 }),
      new RangeError(`limit: expected an integer from 1 to ${CONTROL_LIMITS.maxPageRows}, found 0`),
    );
    assert.throws(
      () => pageRequest({ limit: 'all' }),
      /limit: expected an integer from 1 to 5000, found "all"/,
    );
    assert.throws(
      () => pageRequest({ cursor: 'page 2' }),
      /cursor: expected the "next" of the previous page \(at most 8192 characters\), found "page 2"/,
    );
    assert.throws(() => pageRequest({ cursor: 3 }), /cursor: expected the "next" .*, found 3/);
    assert.throws(() => pageRequest({ cursor: '[' + '1,'.repeat(5000) + '1]' }), /found 10003 characters/);
    assert.deepEqual(pageRequest({}), { after: null, limit: CONTROL_LIMITS.defaultPageRows });
    assert.deepEqual(pageRequest({ cursor: '[5,"x"]', limit: 3 }), { after: [5, 'x'], limit: 3 });
  });
});
