// vrrd's control socket: a Unix stream socket (mode 0600: it can change link settings and write to the DHT)
// speaking newline-delimited JSON (src/control/protocol.ts). A bad request gets an error reply and the connection,
// and the daemon, carry on. A stale socket file left by a crashed vrrd is replaced; a live one is not.
//
// Bounded (values: src/control/limits.ts, docs/vrrd.md "Limits"), so that no client can make the daemon hold
// more than connections × (one request line + in-flight replies + an event backlog):
//  - a connection beyond maxConnections gets an error line and is closed (counted: refused);
//  - a request line beyond maxRequestBytes gets an error naming both sizes and the connection is closed
//    (counted: oversize);
//  - at most maxInFlight requests of a connection are answered at once; the rest stay unread in the socket, so
//    the kernel's buffers push back on a client that pipelines more (backpressure, not buffering);
//  - once a write to a connection is refused (its client is not reading), nothing more is read from it until it
//    drains; events to it are skipped beyond eventBacklogBytes (counted, and the next event says how many); a
//    connection that takes none of its queued bytes for stallTimeoutMs is dropped (counted: dropped);
//  - a reply line beyond maxReplyBytes is replaced by an error saying so (tables are paged: paging.ts).
// Invariants: every open connection is in #connections (refused and closing ones are in #lingering until they
// close); a connection has at most maxInFlight requests started and unanswered; it is read from only while it
// has fewer and no refused write; each connection has at most one subscription.

import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { CONTROL_LIMITS, type ControlLimits } from '../control/limits.ts';
import type {
  ControlEventLine,
  ControlReply,
  ControlRequest,
  DaemonEvent,
  RequestId,
} from '../control/protocol.ts';
import type { Logger } from './logger.ts';
import { Page } from './paging.ts';

/** Answers one verb; a thrown Error becomes an error reply carrying its message, a Page a reply with `next`. */
export type VerbHandler = (args: Record<string, unknown>) => unknown | Promise<unknown>;

/** One client connection and what bounds it. */
interface Connection {
  readonly socket: Socket;
  /** Text received and not yet handled: complete lines held back by the in-flight bound, then a partial line. */
  buffered: string;
  /** Requests started and not yet answered. */
  inFlight: number;
  /** A write was refused (the client is not reading): nothing more is read until the socket drains. */
  blocked: boolean;
  /** Bytes the socket has taken from its queue (completed writes): the progress the stall check looks for. */
  taken: number;
  stallTimer: NodeJS.Timeout | null;
  /** An error line was sent before closing: nothing more is read or answered. */
  closing: boolean;
  /** The client has finished sending: the connection ends once every request it sent is answered. */
  ended: boolean;
}

/** A connection that asked for events. */
interface Subscriber {
  conn: Connection;
  id: RequestId;
  missed: number;
}

/** The control server's counters (all since start, but `open`, `subscribers` and the peaks). */
export interface ControlStats {
  /** Connections accepted. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Connections refused for being over maxConnections. */
  refused: number;
  /** Connections closed for a request line over maxRequestBytes. */
  oversize: number;
  /** Connections dropped for taking none of their queued bytes for stallTimeoutMs. */
  dropped: number;
  requests: number;
  badRequests: number;
  errors: number;
  /** Replies replaced by an error for being over maxReplyBytes. */
  oversizeReplies: number;
  eventsMissed: number;
  subscribers: number;
  /** Times reading from a connection stopped: in-flight bound reached or a write refused. */
  readPauses: number;
  /** Most requests one connection had in flight at once. */
  peakInFlight: number;
  /** Most bytes queued to one connection at once. */
  peakBacklogBytes: number;
}

/** The control socket server. */
export class ControlServer {
  readonly path: string;
  readonly limits: ControlLimits;
  readonly #handlers: Map<string, VerbHandler>;
  readonly #logger: Logger;
  readonly #subscribers = new Map<Connection, Subscriber>();
  readonly #connections = new Set<Connection>();
  /** Sockets closing after an error line (refused or oversize), given closeGraceMs to read it. */
  readonly #lingering = new Set<Socket>();
  #server: Server | null = null;
  readonly #stats = {
    connections: 0,
    refused: 0,
    oversize: 0,
    dropped: 0,
    requests: 0,
    badRequests: 0,
    errors: 0,
    oversizeReplies: 0,
    eventsMissed: 0,
    readPauses: 0,
    peakInFlight: 0,
    peakBacklogBytes: 0,
  };

  /** Handlers by verb; `subscribe` and `unsubscribe` are the server's own. Tests pass smaller limits. */
  constructor(
    path: string,
    handlers: Record<string, VerbHandler>,
    logger: Logger,
    limits: Partial<ControlLimits> = {},
  ) {
    this.path = path;
    this.#handlers = new Map(Object.entries(handlers));
    this.#logger = logger;
    this.limits = { ...CONTROL_LIMITS, ...limits };
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
    // Half-open allowed: a client may send its requests and end its side (`nc -U`), and still get the replies.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    this.#server = server;
    // The umask is the process's: it is restored as soon as listen() returns, before anything else can run
    // (bind() happens inside listen(), synchronously), so a vrrd hosting many nodes never creates another
    // node's directory or file under it while one node's socket is being bound.
    const oldMask = process.umask(0o177);
    let listening: Promise<void>;
    try {
      listening = new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    await listening;
    chmodSync(this.path, 0o600);
    server.on('error', (error) => this.#logger.error('control socket error', { error }));
  }

  /** Counters, how many connections and subscribers there are now, and the peaks the bounds held to. */
  get stats(): ControlStats {
    return { ...this.#stats, open: this.#connections.size, subscribers: this.#subscribers.size };
  }

  /** Streams an event to every subscriber; one that is not reading skips it (counted). */
  publish(event: DaemonEvent): void {
    for (const s of this.#subscribers.values()) {
      const { socket } = s.conn;
      if (socket.destroyed || s.conn.closing) continue; // its 'close' removes it
      if (socket.writableLength > this.limits.eventBacklogBytes) {
        s.missed++;
        this.#stats.eventsMissed++;
        continue;
      }
      const line: ControlEventLine = { id: s.id, event };
      if (s.missed > 0) line.missed = s.missed;
      const text = JSON.stringify(line) + '\n';
      if (Buffer.byteLength(text) > this.limits.maxReplyBytes) {
        s.missed++;
        this.#stats.eventsMissed++;
        continue;
      }
      s.missed = 0;
      this.#write(s.conn, text);
    }
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    for (const conn of this.#connections) {
      if (conn.stallTimer) clearTimeout(conn.stallTimer);
      conn.socket.destroy();
    }
    for (const socket of this.#lingering) socket.destroy();
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
    socket.on('error', () => socket.destroy());
    const { maxConnections } = this.limits;
    if (this.#connections.size >= maxConnections) {
      this.#stats.refused++;
      // Logged at 1, 10, 100, ... refusals: a flood of connections must not become a flood of log lines.
      if (/^10*$/.test(String(this.#stats.refused))) {
        this.#logger.warn('control connections refused: too many open', {
          refused: this.#stats.refused,
          maxConnections,
        });
      }
      this.#closeWith(socket, {
        id: null,
        ok: false,
        error: `too many connections: vrrd serves at most ${maxConnections} at once; try again later`,
      });
      return;
    }
    this.#stats.connections++;
    const conn: Connection = {
      socket,
      buffered: '',
      inFlight: 0,
      blocked: false,
      taken: 0,
      stallTimer: null,
      closing: false,
      ended: false,
    };
    this.#connections.add(conn);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (conn.closing) return;
      conn.buffered += chunk;
      this.#pump(conn);
    });
    socket.on('end', () => {
      conn.ended = true;
      this.#pump(conn);
    });
    socket.on('drain', () => {
      conn.blocked = false;
      this.#pump(conn);
    });
    socket.on('close', () => {
      if (conn.stallTimer) clearTimeout(conn.stallTimer);
      conn.stallTimer = null;
      this.#connections.delete(conn);
      this.#subscribers.delete(conn);
    });
  }

  /**
   * Starts the complete lines the bounds allow, checks the partial one's size, and reads on only when another
   * request could be started: otherwise the socket stays paused and the client's writes wait in the kernel.
   */
  #pump(conn: Connection): void {
    const { maxInFlight, maxRequestBytes } = this.limits;
    while (!conn.closing && !conn.blocked && conn.inFlight < maxInFlight) {
      const nl = conn.buffered.indexOf('\n');
      if (nl < 0) break;
      const line = conn.buffered.slice(0, nl);
      conn.buffered = conn.buffered.slice(nl + 1);
      const bytes = utf8Length(line, maxRequestBytes);
      if (bytes > maxRequestBytes) return this.#oversize(conn, `found a line of ${bytes} bytes`);
      if (line.trim() !== '') this.#start(conn, line);
    }
    if (conn.closing) return;
    const partial = conn.buffered.slice(conn.buffered.lastIndexOf('\n') + 1);
    const partialBytes = utf8Length(partial, maxRequestBytes);
    if (partialBytes > maxRequestBytes) {
      return this.#oversize(conn, `found ${partialBytes} bytes and no end of line yet`);
    }
    const idle = conn.inFlight === 0 && partial.length === conn.buffered.length;
    if (conn.ended) {
      if (idle && !this.#subscribers.has(conn)) conn.socket.end();
      return;
    }
    const canRead = !conn.blocked && conn.inFlight < maxInFlight && partial.length === conn.buffered.length;
    if (canRead) conn.socket.resume();
    else if (!conn.socket.isPaused()) {
      conn.socket.pause();
      this.#stats.readPauses++;
    }
  }

  #start(conn: Connection, line: string): void {
    conn.inFlight++;
    if (conn.inFlight > this.#stats.peakInFlight) this.#stats.peakInFlight = conn.inFlight;
    void this.#handleLine(conn, line).finally(() => {
      conn.inFlight--;
      this.#pump(conn);
    });
  }

  #oversize(conn: Connection, found: string): void {
    this.#stats.oversize++;
    this.#stats.badRequests++;
    conn.closing = true;
    conn.buffered = '';
    this.#closeWith(conn.socket, {
      id: null,
      ok: false,
      error: `request too long: expected a line of at most ${this.limits.maxRequestBytes} bytes, ${found}; closing`,
    });
  }

  /** Sends a last error line and closes, reading (and discarding) until the client has had closeGraceMs. */
  #closeWith(socket: Socket, reply: ControlReply): void {
    this.#lingering.add(socket);
    const timer = setTimeout(() => socket.destroy(), this.limits.closeGraceMs);
    timer.unref();
    socket.on('close', () => {
      clearTimeout(timer);
      this.#lingering.delete(socket);
    });
    socket.removeAllListeners('data');
    socket.on('data', () => {});
    socket.end(JSON.stringify(reply) + '\n');
    socket.resume();
  }

  async #handleLine(conn: Connection, line: string): Promise<void> {
    this.#stats.requests++;
    const request = parseRequest(line);
    if ('error' in request) {
      this.#stats.badRequests++;
      this.#reply(conn, { id: request.id, ok: false, error: request.error });
      return;
    }
    const { id, verb, args = {} } = request;
    if (verb === 'subscribe') {
      const already = this.#subscribers.get(conn);
      if (already) {
        this.#stats.badRequests++;
        this.#reply(conn, {
          id,
          ok: false,
          error: `already subscribed on this connection (request id ${JSON.stringify(already.id)}): one stream each`,
        });
        return;
      }
      this.#subscribers.set(conn, { conn, id, missed: 0 });
      this.#reply(conn, { id, ok: true, result: { subscribed: true } });
      return;
    }
    if (verb === 'unsubscribe') {
      const removed = this.#subscribers.delete(conn) ? 1 : 0;
      this.#reply(conn, { id, ok: true, result: { unsubscribed: removed } });
      return;
    }
    const handler = this.#handlers.get(verb);
    if (!handler) {
      this.#stats.badRequests++;
      const known = ['subscribe', 'unsubscribe', ...this.#handlers.keys()].sort().join(', ');
      this.#reply(conn, { id, ok: false, error: `unknown verb ${JSON.stringify(verb)} (known: ${known})` });
      return;
    }
    try {
      const result = await handler(args);
      if (result instanceof Page) {
        const reply: ControlReply = { id, ok: true, result: result.result };
        if (result.next !== null) reply.next = result.next;
        this.#reply(conn, reply);
      } else {
        this.#reply(conn, { id, ok: true, result: result ?? null });
      }
    } catch (error) {
      this.#stats.errors++;
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof RangeError)) this.#logger.warn('control request failed', { verb, error });
      this.#reply(conn, { id, ok: false, error: message });
    }
  }

  /** Writes a reply line, or an error in its place when it is over maxReplyBytes. */
  #reply(conn: Connection, reply: ControlReply): void {
    if (conn.closing || conn.socket.destroyed || !conn.socket.writable) return;
    let text = JSON.stringify(reply) + '\n';
    const bytes = Buffer.byteLength(text);
    if (bytes > this.limits.maxReplyBytes) {
      this.#stats.oversizeReplies++;
      this.#logger.warn('control reply over the line limit', { bytes, limit: this.limits.maxReplyBytes });
      const error = `reply too long: ${bytes} bytes, the limit is ${this.limits.maxReplyBytes} (ask for smaller pages)`;
      text = JSON.stringify({ id: reply.id, ok: false, error }) + '\n';
    }
    this.#write(conn, text);
  }

  /** Queues text; a refused write stops reading from the connection and starts the stall watch. */
  #write(conn: Connection, text: string): void {
    const bytes = Buffer.byteLength(text);
    const accepted = conn.socket.write(text, (error) => {
      if (!error) conn.taken += bytes;
    });
    const backlog = conn.socket.writableLength;
    if (backlog > this.#stats.peakBacklogBytes) this.#stats.peakBacklogBytes = backlog;
    if (!accepted && !conn.blocked) {
      conn.blocked = true;
      this.#watchStall(conn, conn.taken);
    }
  }

  /** Drops the connection if it has taken none of its queued bytes stallTimeoutMs after takenBefore. */
  #watchStall(conn: Connection, takenBefore: number): void {
    if (conn.stallTimer) return;
    conn.stallTimer = setTimeout(() => {
      conn.stallTimer = null;
      if (conn.socket.destroyed || conn.socket.writableLength === 0) return;
      if (conn.taken > takenBefore) return this.#watchStall(conn, conn.taken); // slow, but reading
      this.#stats.dropped++;
      this.#logger.warn('control client dropped: not reading its replies', {
        queuedBytes: conn.socket.writableLength,
        stallTimeoutMs: this.limits.stallTimeoutMs,
      });
      conn.socket.destroy();
    }, this.limits.stallTimeoutMs);
    conn.stallTimer.unref();
  }
}

/**
 * UTF-8 length of text when it could exceed limit; otherwise its length in UTF-16 units, which is no more than
 * limit either (a unit is at most 3 bytes), so a long line costs one count and a short one none.
 */
function utf8Length(text: string, limit: number): number {
  return text.length * 3 <= limit ? text.length : Buffer.byteLength(text);
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
