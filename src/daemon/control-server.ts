// vrrd's control socket: a Unix stream socket (mode 0600: it can change link settings and write to the DHT)
// speaking newline-delimited JSON (src/control/protocol.ts). A bad request gets an error reply and the connection,
// and the daemon, carry on. A stale socket file left by a crashed vrrd is replaced; a live one is not.

import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import {
  MAX_LINE_BYTES,
  type ControlEventLine,
  type ControlReply,
  type ControlRequest,
  type DaemonEvent,
  type RequestId,
} from '../control/protocol.ts';
import type { Logger } from './logger.ts';

/** Answers one verb; a thrown Error becomes an error reply carrying its message. */
export type VerbHandler = (args: Record<string, unknown>) => unknown | Promise<unknown>;

/** A client that asked for events. */
interface Subscriber {
  socket: Socket;
  id: RequestId;
  missed: number;
}

/** Bytes queued to a subscriber beyond which its events are skipped (and counted) instead of buffered. */
const SUBSCRIBER_BACKLOG_BYTES = 4 * 1024 * 1024;

/** The control socket server. */
export class ControlServer {
  readonly path: string;
  readonly #handlers: Map<string, VerbHandler>;
  readonly #logger: Logger;
  readonly #subscribers = new Set<Subscriber>();
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  readonly #stats = { connections: 0, requests: 0, badRequests: 0, errors: 0, eventsMissed: 0 };

  /** Handlers by verb; `subscribe` and `unsubscribe` are the server's own. */
  constructor(path: string, handlers: Record<string, VerbHandler>, logger: Logger) {
    this.path = path;
    this.#handlers = new Map(Object.entries(handlers));
    this.#logger = logger;
  }

  /**
   * Makes the path usable: creates its directory, and removes a socket file no daemon answers on any more.
   * Throws when another daemon is listening there, or when the path is something other than a socket.
   */
  static async preparePath(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    let isSocket: boolean;
    try {
      isSocket = lstatSync(path).isSocket();
    } catch {
      return; // nothing there
    }
    if (!isSocket) {
      throw new Error(`control socket path ${path} exists and is not a socket: refusing to replace it`);
    }
    if (await answers(path)) {
      throw new Error(
        `another vrrd is already listening on ${path} (use --socket or --name to run a second one)`,
      );
    }
    unlinkSync(path); // stale: left by a vrrd that was killed
  }

  /** Listens on the path with mode 0600 (created under umask 0177, so it is never briefly open to others). */
  async listen(): Promise<void> {
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    chmodSync(this.path, 0o600);
    server.on('error', (error) => this.#logger.error('control socket error', { error }));
  }

  /** Counters, and how many subscribers are listening now. */
  get stats(): {
    connections: number;
    requests: number;
    badRequests: number;
    errors: number;
    eventsMissed: number;
    subscribers: number;
  } {
    return { ...this.#stats, subscribers: this.#subscribers.size };
  }

  /** Streams an event to every subscriber. */
  publish(event: DaemonEvent): void {
    for (const s of this.#subscribers) {
      if (s.socket.destroyed) {
        this.#subscribers.delete(s);
        continue;
      }
      if (s.socket.writableLength > SUBSCRIBER_BACKLOG_BYTES) {
        s.missed++;
        this.#stats.eventsMissed++;
        continue;
      }
      const line: ControlEventLine = { id: s.id, event };
      if (s.missed > 0) line.missed = s.missed;
      s.missed = 0;
      s.socket.write(JSON.stringify(line) + '\n');
    }
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#subscribers.clear();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone (server.close removes it on some platforms)
    }
  }

  #accept(socket: Socket): void {
    this.#stats.connections++;
    this.#sockets.add(socket);
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '') void this.#handleLine(socket, line);
      }
      if (Buffer.byteLength(buffered) > MAX_LINE_BYTES) {
        this.#stats.badRequests++;
        this.#reply(socket, {
          id: null,
          ok: false,
          error: `request line longer than ${MAX_LINE_BYTES} bytes`,
        });
        socket.end();
        buffered = '';
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#sockets.delete(socket);
      for (const s of this.#subscribers) if (s.socket === socket) this.#subscribers.delete(s);
    });
  }

  async #handleLine(socket: Socket, line: string): Promise<void> {
    this.#stats.requests++;
    const request = parseRequest(line);
    if ('error' in request) {
      this.#stats.badRequests++;
      this.#reply(socket, { id: request.id, ok: false, error: request.error });
      return;
    }
    const { id, verb, args = {} } = request;
    if (verb === 'subscribe') {
      this.#subscribers.add({ socket, id, missed: 0 });
      this.#reply(socket, { id, ok: true, result: { subscribed: true } });
      return;
    }
    if (verb === 'unsubscribe') {
      let removed = 0;
      for (const s of this.#subscribers) {
        if (s.socket === socket) {
          this.#subscribers.delete(s);
          removed++;
        }
      }
      this.#reply(socket, { id, ok: true, result: { unsubscribed: removed } });
      return;
    }
    const handler = this.#handlers.get(verb);
    if (!handler) {
      this.#stats.badRequests++;
      const known = ['subscribe', 'unsubscribe', ...this.#handlers.keys()].sort().join(', ');
      this.#reply(socket, { id, ok: false, error: `unknown verb ${JSON.stringify(verb)} (known: ${known})` });
      return;
    }
    try {
      const result = await handler(args);
      this.#reply(socket, { id, ok: true, result: result ?? null });
    } catch (error) {
      this.#stats.errors++;
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof RangeError)) this.#logger.warn('control request failed', { verb, error });
      this.#reply(socket, { id, ok: false, error: message });
    }
  }

  #reply(socket: Socket, reply: ControlReply): void {
    if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(reply) + '\n');
  }
}

/** Reads and checks one request line; on failure, what was wrong (and the id, if one could be read). */
export function parseRequest(line: string): ControlRequest | { id: RequestId | null; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { id: null, error: `malformed request: not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: null, error: 'malformed request: expected an object {id, verb, args}' };
  }
  const r = value as Record<string, unknown>;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : null;
  if (id === null) return { id: null, error: 'malformed request: expected "id" to be a string or a number' };
  if (typeof r.verb !== 'string') return { id, error: 'malformed request: expected "verb" to be a string' };
  if (r.args !== undefined && (typeof r.args !== 'object' || r.args === null || Array.isArray(r.args))) {
    return { id, error: 'malformed request: expected "args" to be an object when given' };
  }
  return { id, verb: r.verb, args: r.args as Record<string, unknown> | undefined };
}

/** True when something accepts connections on the Unix socket at path. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    setTimeout(() => done(false), 1000).unref();
  });
}
