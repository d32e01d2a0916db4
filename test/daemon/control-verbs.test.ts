// The table verbs page (PAGED_VERBS): each answers one page in its documented order with `next` while rows
// remain, the same rows page after page as in one page, and only the listed field is paged; stats carries the
// control socket's counters. Handlers are called directly over a fake node (fixtures-vrrd/fake-daemon.ts).

import assert from 'node:assert/strict';
import { CONTROL_LIMITS } from '../../src/control/limits.ts';
import { PAGED_VERBS } from '../../src/control/protocol.ts';
import { buildVerbHandlers, type VerbContext } from '../../src/daemon/control-verbs.ts';
import { Page } from '../../src/daemon/paging.ts';
import { parseAddress } from '../../src/vrr/address.ts';
import {
  emptyTables,
  fakeContext,
  fakeRoutes,
  labAddress,
  type FakeTables,
} from './fixtures-vrrd/fake-daemon.ts';

/** Every page of verb joined as the client joins them, and how many pages there were. */
async function allPages(
  handlers: ReturnType<typeof buildVerbHandlers>,
  verb: string,
  limit: number,
): Promise<{ result: unknown; pages: number }> {
  const field = PAGED_VERBS[verb];
  const rows: unknown[] = [];
  let cursor: string | null = null;
  let last: unknown;
  let pages = 0;
  do {
    const page = (await handlers[verb](cursor === null ? { limit } : { limit, cursor })) as Page;
    assert.ok(page instanceof Page, `${verb} answers a Page`);
    pages++;
    last = page.result;
    rows.push(
      ...((field === null ? page.result : (page.result as Record<string, unknown>)[field]) as unknown[]),
    );
    cursor = page.next;
  } while (cursor !== null);
  return { result: field === null ? rows : { ...(last as object), [field]: rows }, pages };
}

describe('daemon/control-verbs', () => {
  let tables: FakeTables;
  let handlers: ReturnType<typeof buildVerbHandlers>;

  beforeEach(() => {
    tables = emptyTables();
    handlers = buildVerbHandlers(fakeContext(tables));
  });

  it('pages every verb PAGED_VERBS lists', () => {
    for (const verb of Object.keys(PAGED_VERBS)) {
      assert.ok(handlers[verb](/* first page */ {}) instanceof Page, `${verb} answers a Page`);
    }
  });

  it('routes: 20,000 entries in pages of the default size, ordered by (ea, pathId), formatted', async () => {
    tables.routes = fakeRoutes(20_000);
    const first = handlers.routes({}) as Page;
    const rows = first.result as { ea: string; pathId: number }[];
    assert.equal(rows.length, CONTROL_LIMITS.defaultPageRows);
    assert.match(rows[0].ea, /^02:00:00:00:00:01$/);
    const last = rows.at(-1)!;
    assert.equal(first.next, JSON.stringify([parseAddress(last.ea), last.pathId]));
    const { result, pages } = await allPages(handlers, 'routes', CONTROL_LIMITS.defaultPageRows);
    assert.equal(pages, 20);
    const all = result as { ea: string; pathId: number }[];
    assert.equal(all.length, 20_000);
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1];
      const b = all[i];
      assert.ok(a.ea < b.ea || (a.ea === b.ea && a.pathId < b.pathId), `row ${i} follows row ${i - 1}`);
    }
  });

  it('vset: ring order (farthest predecessor first) whatever the page size', async () => {
    tables.vsetSize = 8;
    tables.vset = [5, 9, 0x30, 0x7ff0, 0xfff0_0000_0000, 0xffff_ffff_fff0, 0x800000000000, 0x10].map(
      (d) => (tables.address + d) % 2 ** 48,
    );
    const whole = (handlers.vset({}) as Page).result as { members: { side: string; distance: number }[] };
    assert.equal(whole.members.length, 8);
    const rank = (m: { side: string; distance: number }): number =>
      m.side === 'ccw' ? -m.distance : m.distance;
    const ranks = whole.members.map(rank);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.deepEqual((await allPages(handlers, 'vset', 1)).result, whole);
  });

  it('dht.entries: pages stop before the byte budget when values are large', async () => {
    tables.dht = Array.from({ length: 400 }, (_, i) => ({
      key: new TextEncoder().encode(`k${i}`),
      hash: labAddress(i * 13),
      value: new Uint8Array(1900).fill(0x61),
      version: 1,
      expiresAt: null,
      role: 'owner' as const,
    }));
    const first = handlers['dht.entries']({ limit: CONTROL_LIMITS.maxPageRows }) as Page;
    const rows = first.result as unknown[];
    assert.ok(rows.length < 400 && first.next !== null, `${rows.length} rows of about 3.9 KB in one page`);
    assert.ok(JSON.stringify(rows).length <= CONTROL_LIMITS.pageBudgetBytes);
    const { result } = await allPages(handlers, 'dht.entries', CONTROL_LIMITS.maxPageRows);
    assert.deepEqual(
      (result as { key: string }[]).map((e) => e.key).sort(),
      tables.dht.map((e) => new TextDecoder().decode(e.key)).sort(),
    );
  });

  it('mcast.groups: the trees are paged, the other fields come whole with every page', async () => {
    tables.groups = {
      member: ['01:00:5e:01:01:01'],
      source: ['01:00:5e:01:01:02'],
      delivered: { '01:00:5e:01:01:01': 3 },
      sent: { '01:00:5e:01:01:02': 4 },
      trees: Array.from({ length: 30 }, (_, i) => ({
        root: `02:00:00:00:00:${(i % 16).toString(16).padStart(2, '0')}`,
        group: `01:00:5e:01:01:0${i < 16 ? 1 : 2}`,
        upstream: null,
        downstream: [],
      })),
    };
    const first = handlers['mcast.groups']({ limit: 7 }) as Page;
    const page = first.result as typeof tables.groups;
    assert.equal(page.trees.length, 7);
    assert.deepEqual(page.member, ['01:00:5e:01:01:01']);
    assert.deepEqual(page.sent, { '01:00:5e:01:01:02': 4 });
    const { result, pages } = await allPages(handlers, 'mcast.groups', 7);
    assert.equal(pages, 5);
    const trees = (result as typeof tables.groups).trees;
    assert.deepEqual(
      trees.map((t) => t.group + t.root),
      tables.groups.trees.map((t) => t.group + t.root).sort(),
    );
  });

  it('neighbors: ordered by address, then port', () => {
    tables.neighbors = [3, 1, 2, 1].map((a, i) => ({
      address: labAddress(a),
      port: i,
      linkAddress: labAddress(100 + i),
      state: 'linked' as const,
      active: true,
      quality: 0.5,
    }));
    const rows = (handlers.neighbors({}) as Page).result as { address: string; interface: string }[];
    assert.deepEqual(
      rows.map((r) => `${r.address} ${r.interface}`),
      [
        '02:00:00:00:00:01 port 1',
        '02:00:00:00:00:01 port 3',
        '02:00:00:00:00:02 port 2',
        '02:00:00:00:00:03 eth0',
      ],
    );
  });

  it('rejects a bad page argument with a RangeError naming it', () => {
    assert.throws(
      () => handlers.routes({ limit: 1e6 }),
      /limit: expected an integer from 1 to 5000, found 1000000/,
    );
    assert.throws(() => handlers.vset({ cursor: 'x' }), /cursor: expected the "next" of the previous page/);
  });

  it('stats carries the control socket counters', () => {
    const counters = { refused: 2, oversize: 1, dropped: 1 };
    const ctx = fakeContext(
      tables,
      () => ({ stats: counters }) as unknown as ReturnType<VerbContext['control']>,
    );
    const stats = buildVerbHandlers(ctx).stats({}) as { control: unknown };
    assert.deepEqual(stats.control, counters);
  });
});
