// The UI server on a fake lab: it listens on 127.0.0.1 only, every /api request needs the run's token (a fault
// without it is refused with 403 and never reaches the lab), and the JSON it answers has the documented shapes.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { LiveBackend } from '../../../../src/testbed/ui/live-backend.ts';
import { bundlePage, type PageAssets } from '../../../../src/testbed/ui/page-bundle.ts';
import { startUiServer, type UiServer } from '../../../../src/testbed/ui/server.ts';
import type { UiNodeTables, UiPath, UiState, UiTopology } from '../../../../src/testbed/ui/ui-types.ts';
import { fakeLiveLab, type FakeLive } from './fake-live-lab.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  server: UiServer,
  path: string,
  opts: { method?: string; token?: string | null; body?: string; type?: string; host?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? server.token : opts.token;
    if (token !== null) headers['x-vrr-token'] = token;
    if (opts.type) headers['content-type'] = opts.type;
    if (opts.host) headers.host = opts.host;
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = <T>(r: Reply): T => JSON.parse(r.body) as T;

describe('testbed ui server', function () {
  this.timeout(60_000);
  let assets: PageAssets;
  let live: FakeLive;
  let backend: LiveBackend;
  let server: UiServer;

  before(async () => {
    assets = await bundlePage(null);
  });

  beforeEach(async () => {
    live = fakeLiveLab();
    backend = new LiveBackend(live, { pollMs: 20, settleMs: 20, refreshMs: 60_000 });
    await backend.start();
    server = await startUiServer({ backend, assets, pushMs: 20 });
  });

  afterEach(async () => {
    await server.close();
    await backend.close();
  });

  it('listens on 127.0.0.1 only, on a free port, and prints a URL with a long random token', () => {
    const address = server.server.address();
    assert.ok(address && typeof address === 'object');
    assert.equal(address.address, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.match(server.token, /^[0-9a-f]{48}$/);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('refuses a fault without the token, or with a wrong one (403), and the lab never sees it', async () => {
    const body = JSON.stringify({ kind: 'link', a: 'n0', b: 'n1', up: false });
    const none = await call(server, '/api/fault', {
      method: 'POST',
      token: null,
      body,
      type: 'application/json',
    });
    assert.equal(none.status, 403);
    const wrong = await call(server, '/api/fault', {
      method: 'POST',
      token: 'f'.repeat(48),
      body,
      type: 'application/json',
    });
    assert.equal(wrong.status, 403);
    const inQuery = await call(server, `/api/fault?token=nope`, {
      method: 'POST',
      token: null,
      body,
      type: 'application/json',
    });
    assert.equal(inQuery.status, 403);
    assert.deepEqual(live.faults, []);
  });

  it('applies a fault with the token (the same call the CLI verb makes) and says what it did', async () => {
    const body = JSON.stringify({ kind: 'link', a: 'n0', b: 'n1', up: false });
    const r = await call(server, '/api/fault', { method: 'POST', body, type: 'application/json' });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(json(r), { ok: true, did: 'did link' });
    assert.deepEqual(live.faults, [{ kind: 'link', a: 'n0', b: 'n1', up: false }]);
    const p = await call(server, '/api/fault', {
      method: 'POST',
      body: JSON.stringify({ kind: 'partition', groups: [['n0', 'n1']] }),
      type: 'application/json',
    });
    assert.equal(p.status, 200);
    assert.deepEqual(live.faults[1], { kind: 'partition', groups: [['n0', 'n1']] });
  });

  it('refuses a fault that is not a JSON POST, or malformed, naming what it expected', async () => {
    const text = await call(server, '/api/fault', {
      method: 'POST',
      body: '{"kind":"heal"}',
      type: 'text/plain',
    });
    assert.equal(text.status, 415);
    const get = await call(server, '/api/fault');
    assert.equal(get.status, 405);
    const bad = await call(server, '/api/fault', {
      method: 'POST',
      body: '{"kind":"explode"}',
      type: 'application/json',
    });
    assert.equal(bad.status, 400);
    assert.match(json<{ error: string }>(bad).error, /expected kind link, partition, heal, kill or restart/);
    const noUp = await call(server, '/api/fault', {
      method: 'POST',
      body: '{"kind":"link","a":"n0","b":"n1"}',
      type: 'application/json',
    });
    assert.equal(noUp.status, 400);
    assert.deepEqual(live.faults, []);
  });

  it('needs the token for reads too, and refuses a foreign Host (DNS rebinding)', async () => {
    assert.equal((await call(server, '/api/topology', { token: null })).status, 403);
    assert.equal((await call(server, `/api/topology?token=${server.token}`, { token: null })).status, 200);
    assert.equal((await call(server, '/api/topology', { host: 'evil.example:80' })).status, 403);
  });

  it('serves the page and its bundle without the token, all from itself (CSP self)', async () => {
    const page = await call(server, '/', { token: null });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<script src="\/app.js">/);
    assert.doesNotMatch(page.body, /https?:\/\//);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    const js = await call(server, '/app.js', { token: null });
    assert.equal(js.status, 200);
    assert.ok(js.body.length > 100_000, 'cytoscape is bundled in');
    assert.equal((await call(server, '/app.css', { token: null })).status, 200);
    assert.equal((await call(server, '/nothing', { token: null })).status, 404);
  });

  it('answers the topology: nodes with address and position, links by index', async () => {
    const topo = json<UiTopology>(await call(server, '/api/topology'));
    assert.equal(topo.mode, 'live');
    assert.equal(topo.name, 'fake');
    assert.deepEqual(
      topo.nodes.map((n) => n.name),
      ['n0', 'n1', 'n2', 'n3'],
    );
    for (const n of topo.nodes) {
      assert.match(n.address, /^02:00:00:00:00:0[1-4]$/);
      assert.ok(Number.isFinite(n.x) && Number.isFinite(n.y));
    }
    assert.deepEqual(topo.links, [
      { index: 0, a: 'n0', b: 'n1' },
      { index: 1, a: 'n1', b: 'n2' },
      { index: 2, a: 'n2', b: 'n3' },
    ]);
  });

  it('answers the state: link states, vsets by name, the checker verdict and the wrong/missing neighbours', async () => {
    let state = json<UiState>(await call(server, '/api/state'));
    assert.deepEqual(state.links, ['up', 'up', 'up']);
    assert.deepEqual(state.nodes.n0, { alive: true, active: true, vset: ['n1', 'n3'] });
    assert.equal(state.ring.routesChecked, true);
    assert.deepEqual(state.ring.missing, []);
    assert.deepEqual(state.ring.wrong, []);
    assert.equal(typeof state.ring.figures.missingPaths, 'number');
    assert.equal(state.ring.problemCount, state.ring.problems.length);

    live.vsets[0] = [1, 2]; // n0 holds n2 instead of n3
    live.links[2] = 'down';
    live.touch();
    await backend.state(); // the poll picks it up; force a fresh collection:
    await new Promise((r) => setTimeout(r, 200));
    state = json<UiState>(await call(server, '/api/state'));
    assert.deepEqual(state.links, ['up', 'up', 'down']);
    assert.equal(state.ring.passed, false);
    assert.ok(
      state.ring.wrong.some(([n, m]) => n === 'n0' && m === 'n2'),
      JSON.stringify(state.ring.wrong),
    );
    assert.ok((state.ring.nodeProblems.n0 ?? 0) > 0);
  });

  it('answers a node’s tables with names for addresses, and 400 for a node the lab lacks', async () => {
    const t = json<UiNodeTables>(await call(server, '/api/node/n1'));
    assert.equal(t.name, 'n1');
    assert.equal(t.alive, true);
    assert.equal(t.error, null);
    assert.deepEqual(
      t.vset.map((v) => v.name),
      ['n2', 'n0'],
    );
    assert.deepEqual(
      t.neighbors.map((n) => [n.name, n.quality]),
      [
        ['n0', 0.9],
        ['n2', 0.9],
      ],
    );
    assert.equal(t.routes.length, 1);
    assert.deepEqual(t.representatives?.[0].name, 'n0');
    assert.equal(t.dhtEntries, 1);
    assert.deepEqual(t.multicastTrees, []);
    const missing = await call(server, '/api/node/zz');
    assert.equal(missing.status, 400);
    assert.match(json<{ error: string }>(missing).error, /zz/);
  });

  it('follows next hops through the route tables for a path', async () => {
    const p = json<UiPath>(await call(server, '/api/path?from=n0&to=n3'));
    assert.deepEqual(p, {
      from: 'n0',
      to: 'n3',
      hops: ['n0', 'n1', 'n2', 'n3'],
      reached: true,
      reason: null,
    });
    assert.equal((await call(server, '/api/path?from=n0')).status, 400);
  });

  it('streams state changes and daemon events over SSE', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}` },
        (res) => {
          assert.match(String(res.headers['content-type']), /text\/event-stream/);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const m of chunk.matchAll(/^event: (\w+)$/gm)) seen.push(m[1]);
            if (seen.includes('state') && seen.includes('event')) {
              req.destroy();
              resolve();
            }
          });
          // Once connected: a link change and a daemon event.
          setTimeout(() => {
            live.links[0] = 'cut';
            live.touch();
            live.emit({
              t: Date.now(),
              source: 'n1',
              type: 'vset-remove',
              member: '02:00:00:00:00:01',
              why: 'test',
            });
          }, 50);
        },
      );
      req.on('error', (e) => (seen.length >= 2 ? resolve() : reject(e)));
      req.end();
    });
    await done;
    assert.ok(seen.includes('state') && seen.includes('event'));
  });
});
