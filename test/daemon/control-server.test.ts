// The control socket on its own: request/reply by id, error replies that leave the connection (and the
// daemon) working, event streaming, mode 0600, stale socket files replaced and live ones refused. No root needed.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient, ControlError } from '../../src/control/client.ts';
import { ControlServer } from '../../src/daemon/control-server.ts';
import { Logger } from '../../src/daemon/logger.ts';
import type { DaemonEvent } from '../../src/control/protocol.ts';

const quiet = new Logger('error', () => {});

describe('daemon/control-server', () => {
  let dir = '';
  let server: ControlServer | undefined;
  let client: ControlClient | undefined;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vrrd-ctl-'))));
  afterEach(async () => {
    client?.close();
    await server?.close();
    server = client = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (path = join(dir, 'd.sock')): Promise<ControlServer> => {
    await ControlServer.preparePath(path);
    server = new ControlServer(
      path,
      {
        echo: (args) => args,
        slow: async (args) => {
          await new Promise((r) => setTimeout(r, Number(args.ms)));
          return { waited: args.ms };
        },
        fail: () => {
          throw new RangeError('x: expected y, found z');
        },
      },
      quiet,
    );
    await server.listen();
    return server;
  };

  it('listens with mode 0600 and matches replies to requests by id, whatever their order', async () => {
    const s = await start();
    assert.equal(statSync(s.path).mode & 0o777, 0o600);
    client = await ControlClient.connect(s.path);
    const [slow, fast] = await Promise.all([
      client.request('slow', { ms: 50 }),
      client.request('echo', { a: 1 }),
    ]);
    assert.deepEqual(slow, { waited: 50 });
    assert.deepEqual(fast, { a: 1 });
  });

  it('answers malformed lines, unknown verbs and handler errors with error replies, and keeps going', async () => {
    const s = await start();
    client = await ControlClient.connect(s.path);
    assert.deepEqual(await client.rawRequest('[1, 2]'), {
      id: null,
      ok: false,
      error: 'malformed request: expected an object {id, verb, args}',
    });
    assert.deepEqual(await client.rawRequest('{"id": "a", "verb": "echo", "args": 3}'), {
      id: 'a',
      ok: false,
      error: 'malformed request: expected "args" to be an object when given',
    });
    await assert.rejects(client.request('nope'), (e: ControlError) =>
      /unknown verb "nope" \(known: echo, fail, slow, subscribe, unsubscribe\)/.test(e.message),
    );
    await assert.rejects(client.request('fail'), /x: expected y, found z/);
    assert.deepEqual(await client.request('echo', { still: 'alive' }), { still: 'alive' });
    assert.equal(s.stats.badRequests, 3);
  });

  it('streams published events to subscribers until they unsubscribe', async () => {
    const s = await start();
    client = await ControlClient.connect(s.path);
    const seen: DaemonEvent[] = [];
    await client.subscribe((e) => seen.push(e));
    const event = (n: number): DaemonEvent => ({ t: 'now', node: '02:00:00:00:00:01', type: 'test', n });
    s.publish(event(1));
    s.publish(event(2));
    await client.request('echo'); // a round trip: the events were written before its reply
    assert.deepEqual(
      seen.map((e) => e.n),
      [1, 2],
    );
    await client.request('unsubscribe');
    s.publish(event(3));
    await client.request('echo');
    assert.equal(seen.length, 2);
  });

  it('replaces a stale socket file, refuses a live one and anything that is not a socket', async () => {
    const path = join(dir, 'stale.sock');
    // A socket file nobody listens on: what a SIGKILLed vrrd leaves behind (a clean close would unlink it).
    const child = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.equal(child.signal, 'SIGKILL');
    assert.ok(existsSync(path), 'the killed listener left its socket file');
    await start(path);
    client = await ControlClient.connect(path);
    assert.deepEqual(await client.request('echo', { ok: 1 }), { ok: 1 });

    await assert.rejects(
      ControlServer.preparePath(path),
      /another vrrd is already listening on .*stale.sock/,
    );
    const file = join(dir, 'file.sock');
    writeFileSync(file, 'not a socket');
    await assert.rejects(
      ControlServer.preparePath(file),
      /exists and is not a socket: refusing to replace it/,
    );
  });

  it('removes its socket file on close', async () => {
    const s = await start();
    await s.close();
    server = undefined;
    assert.equal(existsSync(s.path), false);
  });
});
