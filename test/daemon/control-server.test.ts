// The control socket on its own: request/reply by id, error replies that leave the connection (and the
// daemon) working, event streaming, mode 0600, stale socket files replaced and live ones refused; and its bounds
// (src/control/limits.ts): oversize lines, 1,000 connections against the cap, a client that never reads,
// pipelined requests, a subscriber that does not keep up. No root needed (as root, a non-root user is also
// shown the door by the socket's mode).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient, ControlError } from '../../src/control/client.ts';
import { CONTROL_LIMITS, type ControlLimits } from '../../src/control/limits.ts';
import { ControlServer } from '../../src/daemon/control-server.ts';
import { Logger } from '../../src/daemon/logger.ts';
import type { ControlReply, DaemonEvent } from '../../src/control/protocol.ts';
import { skipForMissing } from '../support/skip.ts';

const quiet = new Logger('error', () => {});

/** A raw connection to the socket that collects the lines it reads (for what ControlClient would not do). */
class RawPeer {
  readonly lines: string[] = [];
  closed = false;
  #partial = '';
  #changed: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      this.#notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#notify();
    });
    socket.on('error', () => {}); // a reset after the daemon closed: 'close' follows
  }

  static connect(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  /** The lines read so far, as replies. */
  replies(): ControlReply[] {
    return this.lines.map((l) => JSON.parse(l) as ControlReply);
  }

  /** Resolves once cond holds (looked at after every read and on close); rejects after ms saying what. */
  until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.#changed.push(check);
      };
      check();
    });
  }

  #notify(): void {
    for (const f of this.#changed.splice(0)) f();
  }
}

/** Polls cond every 20 ms until it holds; rejects after ms saying what it waited for. */
async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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

  /** Requests the `tick` handler is answering now, and the most it answered at once. */
  const ticks = { now: 0, most: 0 };
  const start = async (
    path = join(dir, 'd.sock'),
    limits: Partial<ControlLimits> = {},
  ): Promise<ControlServer> => {
    await ControlServer.preparePath(path);
    ticks.now = ticks.most = 0;
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
        big: (args) => 'x'.repeat(Number(args.bytes)),
        tick: async (args) => {
          ticks.most = Math.max(ticks.most, ++ticks.now);
          await new Promise((r) => setImmediate(r));
          ticks.now--;
          return { n: args.n };
        },
      },
      quiet,
      limits,
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
      /unknown verb "nope" \(known: big, echo, fail, slow, subscribe, tick, unsubscribe\)/.test(e.message),
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
  it('is closed to other users: a non-root user cannot connect (mode 0600)', async function () {
    if (process.getuid?.() !== 0)
      skipForMissing(this, 'connecting as another user', 'needs root to change user');
    const s = await start();
    chmodSync(dir, 0o755); // the directory open to all: only the socket's own mode keeps them out
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `require('net').createConnection(${JSON.stringify(s.path)})` +
          `.on('connect', () => { console.log('connected'); process.exit(0); })` +
          `.on('error', (e) => { console.log(e.code); process.exit(0); })`,
      ],
      { uid: 65534, gid: 65534, encoding: 'utf8' },
    );
    assert.equal(child.stdout.trim(), 'EACCES', `as nobody: ${child.stdout}${child.stderr}`);
  });

  it('answers a request line over the limit with an error naming both sizes, then closes', async () => {
    const s = await start(undefined, { maxRequestBytes: 1024 });
    // A complete line, its size counted in UTF-8 bytes: 400 euro signs are 1,200 bytes in 400 characters.
    const a = await RawPeer.connect(s.path);
    const line = JSON.stringify({ id: 1, verb: 'echo', args: { x: '\u20ac'.repeat(400) } });
    a.socket.write(line + '\n');
    await a.until(() => a.closed, 'the daemon to close the connection');
    assert.deepEqual(a.replies(), [
      {
        id: null,
        ok: false,
        error: `request too long: expected a line of at most 1024 bytes, found a line of ${Buffer.byteLength(line)} bytes; closing`,
      },
    ]);
    // A line that never ends: refused once it is over the limit, without waiting for its end.
    const b = await RawPeer.connect(s.path);
    b.socket.write('{"id": 2, "verb": "echo", "args": {"x": "' + 'y'.repeat(3000));
    await b.until(() => b.closed, 'the daemon to close the connection');
    assert.equal(b.lines.length, 1);
    assert.match(
      (b.replies()[0] as { error: string }).error,
      /^request too long: expected a line of at most 1024 bytes, found \d+ bytes and no end of line yet; closing$/,
    );
    assert.equal(s.stats.oversize, 2);
    // The daemon carries on, and a line at the limit is fine.
    client = await ControlClient.connect(s.path);
    const fits = 'z'.repeat(1024 - JSON.stringify({ id: 1, verb: 'echo', args: { x: '' } }).length - 1);
    assert.deepEqual(await client.request('echo', { x: fits }), { x: fits });
  });

  it('serves its cap of connections out of 1,000, refuses the rest with a reason, and stays responsive', async () => {
    const s = await start();
    const max = CONTROL_LIMITS.maxConnections;
    const peers: RawPeer[] = [];
    // In batches of 50, each seen by the daemon before the next: a thousand connects at once would overflow the
    // kernel's listen backlog (511) before the daemon could answer them, and fail in connect() (EAGAIN).
    for (let i = 0; i < 1000; i += 50) {
      peers.push(...(await Promise.all(Array.from({ length: 50 }, () => RawPeer.connect(s.path)))));
      await waitFor(() => s.stats.connections + s.stats.refused === peers.length, `${peers.length} accepted`);
    }
    await waitFor(() => s.stats.refused === 1000 - max, `${1000 - max} refusals (have ${s.stats.refused})`);
    const refused = peers.filter((p) => p.lines.length > 0 || p.closed);
    const served = peers.filter((p) => !refused.includes(p));
    assert.equal(served.length, max);
    assert.equal(s.stats.open, max);
    await Promise.all(refused.map((p) => p.until(() => p.closed, 'a refused connection to close')));
    for (const p of refused) {
      assert.deepEqual(p.replies(), [
        {
          id: null,
          ok: false,
          error: `too many connections: vrrd serves at most ${max} at once; try again later`,
        },
      ]);
    }
    // Every served connection is answered while the daemon is full.
    served.forEach((p, i) => p.socket.write(JSON.stringify({ id: i, verb: 'echo', args: { i } }) + '\n'));
    await Promise.all(served.map((p) => p.until(() => p.lines.length === 1, 'an answer')));
    served.forEach((p, i) => assert.deepEqual(p.replies(), [{ id: i, ok: true, result: { i } }]));
    // A freed place is taken by the next client.
    served[0].socket.destroy();
    await waitFor(() => s.stats.open === max - 1, 'the closed connection to be gone');
    client = await ControlClient.connect(s.path);
    assert.deepEqual(await client.request('echo', { after: 'full' }), { after: 'full' });
    for (const p of peers) p.socket.destroy();
  });

  it('stops reading from a client that never reads its replies, holds a bounded backlog, then drops it', async () => {
    const s = await start(undefined, { stallTimeoutMs: 500 });
    const reply = 64 * 1024;
    const peer = await RawPeer.connect(s.path);
    peer.socket.pause(); // never reads
    let sent = 0;
    // 20,000 pipelined requests for 64 KiB each (1.3 GB of replies, were they all answered).
    for (let i = 1; i <= 20_000; i++) {
      peer.socket.write(JSON.stringify({ id: i, verb: 'big', args: { bytes: reply } }) + '\n');
      sent++;
    }
    // Meanwhile another client is answered.
    client = await ControlClient.connect(s.path);
    assert.deepEqual(await client.request('echo', { still: 'here' }), { still: 'here' });
    // Dropped is counted when the socket is destroyed, open once its close event has come: wait for both.
    await waitFor(
      () => s.stats.dropped === 1 && s.stats.open === 1,
      'the silent client to be dropped and closed',
    );
    assert.equal(s.stats.open, 1, 'only the other client is left');
    // Reading stopped after a handful: in flight, plus what the kernel's socket buffer took before it filled.
    assert.ok(s.stats.requests < 100, `${s.stats.requests} of ${sent} requests were read`);
    const bound = CONTROL_LIMITS.maxInFlight * (reply + 100) + 16 * 1024;
    assert.ok(s.stats.peakBacklogBytes <= bound, `backlog peaked at ${s.stats.peakBacklogBytes} > ${bound}`);
    assert.ok(s.stats.readPauses >= 1);
    peer.socket.destroy();
  });

  it('keeps a client that reads slowly but steadily, however long it takes', async () => {
    const s = await start(undefined, { stallTimeoutMs: 1000 });
    const peer = await RawPeer.connect(s.path);
    peer.socket.pause();
    // Reads in short bursts every 100 ms: often stalled for a moment, never for the 1 s the daemon allows.
    const reader = setInterval(() => {
      peer.socket.resume();
      setTimeout(() => peer.socket.pause(), 5);
    }, 100);
    try {
      for (let i = 1; i <= 60; i++) {
        peer.socket.write(JSON.stringify({ id: i, verb: 'big', args: { bytes: 64 * 1024 } }) + '\n');
      }
      await peer.until(() => peer.lines.length === 60, 'all 60 replies', 60_000);
    } finally {
      clearInterval(reader);
    }
    assert.equal(s.stats.dropped, 0);
    assert.ok(peer.replies().every((r) => r.ok));
    peer.socket.destroy();
  });

  it('answers pipelined requests all, in order, with at most maxInFlight in flight', async () => {
    const s = await start();
    const peer = await RawPeer.connect(s.path);
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ id: i + 1, verb: 'tick', args: { n: i + 1 } }),
    );
    peer.socket.write(lines.join('\n') + '\n'); // all at once
    await peer.until(() => peer.lines.length === 1000, 'all 1,000 replies');
    assert.deepEqual(
      peer.replies(),
      Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, ok: true, result: { n: i + 1 } })),
    );
    assert.equal(ticks.most, CONTROL_LIMITS.maxInFlight, 'the handler saw maxInFlight at once, no more');
    assert.equal(s.stats.peakInFlight, CONTROL_LIMITS.maxInFlight);
    assert.ok(s.stats.readPauses >= 1, 'reading paused while the in-flight requests were answered');
    // The same through the client, which pipelines whatever it is given.
    client = await ControlClient.connect(s.path);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => client!.request('tick', { n: i })),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 500 }, (_, i) => ({ n: i })),
    );
    peer.socket.destroy();
  });

  it('answers a client that sends its requests and ends its side (nc -U)', async () => {
    const s = await start();
    const peer = await RawPeer.connect(s.path);
    peer.socket.end(
      [
        '{"id": 1, "verb": "slow", "args": {"ms": 30}}',
        '{"id": 2, "verb": "echo", "args": {"b": 2}}',
        '',
      ].join('\n'),
    );
    await peer.until(() => peer.closed, 'the daemon to close after answering');
    assert.deepEqual(
      peer.replies().sort((a, b) => Number(a.id) - Number(b.id)),
      [
        { id: 1, ok: true, result: { waited: 30 } },
        { id: 2, ok: true, result: { b: 2 } },
      ],
    );
  });

  it('replaces a reply over the line limit by an error that says so', async () => {
    const s = await start(undefined, { maxReplyBytes: 10_000 });
    client = await ControlClient.connect(s.path);
    await assert.rejects(
      client.request('big', { bytes: 20_000 }),
      /reply too long: 200\d\d bytes, the limit is 10000 \(ask for smaller pages\)/,
    );
    assert.equal((await client.request<string>('big', { bytes: 9000 })).length, 9000);
    assert.equal(s.stats.oversizeReplies, 1);
  });

  it('skips events to a subscriber that does not keep up, and says how many', async () => {
    const s = await start(undefined, { eventBacklogBytes: 64 * 1024, stallTimeoutMs: 60_000 });
    const peer = await RawPeer.connect(s.path);
    peer.socket.write('{"id": "ev", "verb": "subscribe"}\n');
    await peer.until(() => peer.lines.length === 1, 'the subscribe reply');
    peer.socket.pause();
    const event = (n: number): DaemonEvent => ({
      t: 'now',
      node: 'n',
      type: 'test',
      n,
      pad: 'p'.repeat(500),
    });
    for (let n = 1; n <= 5000; n++) s.publish(event(n));
    assert.ok(s.stats.eventsMissed > 0, 'events were skipped');
    const bound = 64 * 1024 + 1024 + 16 * 1024; // the backlog, one event line, the socket's own buffer
    assert.ok(s.stats.peakBacklogBytes <= bound, `backlog peaked at ${s.stats.peakBacklogBytes} > ${bound}`);
    peer.socket.resume();
    const delivered = 5000 - s.stats.eventsMissed;
    await peer.until(() => peer.lines.length === 1 + delivered, `${delivered} events`);
    s.publish(event(5001));
    await peer.until(() => peer.lines.length === 2 + delivered, 'the event after the gap');
    const lines = peer.lines.slice(1).map((l) => JSON.parse(l) as { event: DaemonEvent; missed?: number });
    const missed = lines.reduce((sum, l) => sum + (l.missed ?? 0), 0);
    assert.equal(missed, s.stats.eventsMissed, 'every skipped event is counted in a later line');
    assert.equal(lines.at(-1)!.event.n, 5001);
    assert.ok(lines.at(-1)!.missed! > 0, 'the line after the gap says how many were skipped');
    peer.socket.destroy();
  });

  it('allows one subscription per connection', async () => {
    const s = await start();
    client = await ControlClient.connect(s.path);
    await client.subscribe(() => {});
    await assert.rejects(
      client.request('subscribe'),
      /already subscribed on this connection \(request id 1\)/,
    );
    assert.equal(s.stats.subscribers, 1);
  });
});
