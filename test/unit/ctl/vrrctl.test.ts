// vrrctl on a hub's table: `routes` against a daemon holding 20,000 routes (what a hub of a 1,000-node lab
// holds) prints them all, page after page behind the scenes, as JSON and as a table; a daemon at its connection
// cap makes vrrctl fail with the daemon's reason. The daemon is the real control server over a fake node.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { CONTROL_LIMITS } from '../../../src/control/limits.ts';
import type { ControlServer } from '../../../src/daemon/control-server.ts';
import {
  emptyTables,
  fakeRoutes,
  startFakeDaemon,
  type FakeTables,
} from '../../daemon/fixtures-vrrd/fake-daemon.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs vrrctl against the socket (in a child: the daemon in this process keeps answering meanwhile). */
function vrrctl(
  socket: string,
  ...args: string[]
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return execa(process.execPath, ['--import', 'tsx', 'src/ctl/vrrctl.ts', '--socket', socket, ...args], {
    cwd: REPO_ROOT,
    reject: false,
    timeout: 60_000,
  }) as Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

describe('ctl/vrrctl', () => {
  let dir = '';
  let server: ControlServer | undefined;
  let tables: FakeTables;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrrctl-'));
    tables = emptyTables();
    tables.routes = fakeRoutes(20_000);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints all 20,000 routes of a hub, as JSON and as a table', async () => {
    server = await startFakeDaemon(join(dir, 'hub.sock'), tables);
    const json = await vrrctl(server.path, '--json', 'routes');
    assert.equal(json.exitCode, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { ea: string; pathId: number }[];
    assert.equal(rows.length, 20_000);
    assert.equal(new Set(rows.map((r) => `${r.ea}/${r.pathId}`)).size, 20_000);
    const pages = 20_000 / CONTROL_LIMITS.defaultPageRows;
    assert.equal(server.stats.requests, pages, `${pages} pages, one request each`);

    const text = await vrrctl(server.path, 'routes');
    assert.equal(text.exitCode, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.match(lines[0], /^EA\s+EB\s+PATH ID\s+NA\s+NB$/);
    assert.equal(lines.length, 1 + 20_000);
  });

  it("fails with the daemon's reason when the daemon is at its connection cap", async () => {
    server = await startFakeDaemon(join(dir, 'full.sock'), tables, { maxConnections: 1 });
    const holder: Socket = createConnection(server.path);
    await new Promise((resolve) => holder.once('connect', resolve));
    try {
      const r = await vrrctl(server.path, 'routes');
      assert.equal(r.exitCode, 1);
      assert.match(
        r.stderr.trim(),
        /^vrrctl: vrrd at .*full\.sock: too many connections: vrrd serves at most 1 at once; try again later$/,
      );
      assert.equal(server.stats.refused, 1);
    } finally {
      holder.destroy();
    }
  });
});
