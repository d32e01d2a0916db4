// The client joins paged tables: a hub's 20,000 routes come back whole through request() and requestOnce()
// (the testbed's lab access uses the latter), page after page on one connection, each page a line well under the
// reply limit; requestPage shows the pages; a request over the line limit is refused before it is sent; the
// daemon's reason for closing a connection reaches the caller.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient, ControlError, requestOnce } from '../../../src/control/client.ts';
import { CONTROL_LIMITS } from '../../../src/control/limits.ts';
import type { ControlServer } from '../../../src/daemon/control-server.ts';
import { formatAddress } from '../../../src/vrr/address.ts';
import {
  emptyTables,
  fakeRoutes,
  startFakeDaemon,
  type FakeTables,
} from '../../daemon/fixtures-vrrd/fake-daemon.ts';

interface RouteRow {
  ea: string;
  eb: string;
  pathId: number;
  na: string | null;
  nb: string | null;
}

describe('control/client', () => {
  let dir = '';
  let server: ControlServer | undefined;
  let client: ControlClient | undefined;
  let tables: FakeTables;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrr-client-'));
    tables = emptyTables();
    server = await startFakeDaemon(join(dir, 'd.sock'), tables);
  });
  afterEach(async () => {
    client?.close();
    await server?.close();
    server = client = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a 20,000-route table whole, in pages of the default size, every row once, in key order', async () => {
    tables.routes = fakeRoutes(20_000);
    client = await ControlClient.connect(server!.path);
    const rows = await client.request<RouteRow[]>('routes');
    assert.equal(rows.length, 20_000);
    const keys = rows.map((r) => `${r.ea}/${r.pathId.toString(16).padStart(8, '0')}`);
    assert.equal(new Set(keys).size, 20_000, 'no row twice');
    assert.deepEqual(keys, [...keys].sort(), 'ordered by (ea, pathId)');
    const expected = new Set(tables.routes.map((r) => `${formatAddress(r.ea)}/${r.pathId}`));
    for (const r of rows)
      assert.ok(expected.has(`${r.ea}/${r.pathId}`), `row ${r.ea}/${r.pathId} is in the table`);
    // One request per page: 20 pages of 1,000 rows.
    assert.equal(server!.stats.requests, 20_000 / CONTROL_LIMITS.defaultPageRows);
  });

  it('requestOnce, what the lab access uses, gets every page of routes, neighbors and dht.entries', async () => {
    tables.routes = fakeRoutes(20_000);
    tables.neighbors = Array.from({ length: 2500 }, (_, i) => ({
      address: 0x020000000000 + i,
      port: i % 3,
      linkAddress: 0x060000000000 + i,
      state: 'linked' as const,
      active: true,
      quality: 1,
    }));
    tables.dht = Array.from({ length: 3000 }, (_, i) => ({
      key: new TextEncoder().encode(`key-${i}`),
      hash: 0x020000000000 + ((i * 7919) % 100_000),
      value: new TextEncoder().encode('v'.repeat(500)),
      version: 1,
      expiresAt: null,
      role: 'owner' as const,
    }));
    const path = server!.path;
    assert.equal((await requestOnce<unknown[]>(path, 'routes')).length, 20_000);
    assert.equal((await requestOnce<unknown[]>(path, 'neighbors')).length, 2500);
    const entries = await requestOnce<{ key: string }[]>(path, 'dht.entries');
    assert.equal(new Set(entries.map((e) => e.key)).size, 3000);
  });

  it('shows the pages with requestPage: each with next but the last, and each line under the reply limit', async () => {
    tables.routes = fakeRoutes(20_000);
    client = await ControlClient.connect(server!.path);
    let cursor: string | undefined;
    let pages = 0;
    let total = 0;
    do {
      const page = await client.requestPage<RouteRow[]>('routes', {
        limit: CONTROL_LIMITS.maxPageRows,
        ...(cursor === undefined ? {} : { cursor }),
      });
      const line = JSON.stringify({ id: 1, ok: true, result: page.result, next: page.next });
      assert.ok(line.length < CONTROL_LIMITS.maxReplyBytes, `a page of ${line.length} bytes`);
      total += page.result.length;
      pages++;
      cursor = page.next;
    } while (cursor !== undefined);
    assert.equal(total, 20_000);
    // 5,000 rows of about 110 bytes are over the page budget: the budget, not the limit, cut these pages.
    assert.ok(pages > 20_000 / CONTROL_LIMITS.maxPageRows, `${pages} pages`);
  });

  it('joins the pages of vset and mcast.groups, keeping their other fields', async () => {
    tables.vsetSize = 600;
    tables.vset = Array.from({ length: 600 }, (_, i) => 0x020000000000 + i * 1000 + 7);
    tables.groups = {
      member: ['01:00:5e:01:01:01'],
      source: [],
      delivered: { '01:00:5e:01:01:01': 5 },
      sent: {},
      trees: Array.from({ length: 1500 }, (_, i) => ({
        root: formatAddress(0x020000000000 + i),
        group: '01:00:5e:01:01:01',
        upstream: null,
        downstream: [],
      })),
    };
    client = await ControlClient.connect(server!.path);
    const vset = await client.request<{ vsetSize: number; members: { address: string }[] }>('vset', {
      limit: 100,
    });
    assert.equal(vset.vsetSize, 600);
    assert.equal(new Set(vset.members.map((m) => m.address)).size, 600);
    const groups = await client.request<{ delivered: Record<string, number>; trees: unknown[] }>(
      'mcast.groups',
    );
    assert.deepEqual(groups.delivered, { '01:00:5e:01:01:01': 5 });
    assert.equal(groups.trees.length, 1500);
  });

  it('refuses to send a request over the line limit, and the connection stays usable', async () => {
    client = await ControlClient.connect(server!.path);
    await assert.rejects(
      client.request('dht.put', { key: 'k', value: 'x'.repeat(CONTROL_LIMITS.maxRequestBytes) }),
      /dht.put: request of \d+ bytes, vrrd accepts at most 65536/,
    );
    assert.deepEqual(await client.request('routes'), []);
  });

  it('fails waiting requests with the reason the daemon gives for closing the connection', async () => {
    // A daemon at its connection cap: this one says so and closes.
    await server!.close();
    server = await startFakeDaemon(join(dir, 'd.sock'), tables, { maxConnections: 1 });
    const first = createConnection(server.path);
    await new Promise((resolve) => first.once('connect', resolve));
    try {
      client = await ControlClient.connect(server.path);
      await assert.rejects(
        client.request('routes'),
        (e: Error) =>
          e instanceof ControlError &&
          /vrrd at .*d\.sock: too many connections: vrrd serves at most 1 at once/.test(e.message),
      );
    } finally {
      first.destroy();
    }
  });
});
