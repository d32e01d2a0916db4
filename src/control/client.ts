// A client of vrrd's control socket (protocol: src/control/protocol.ts): one connection, requests
// matched to replies by id, and an event stream for `subscribe`. A paged table (PAGED_VERBS) is fetched page
// after page and handed back whole, so callers (vrrctl, the testbed's lab access, tests) never see pages.
// Used by vrrctl, the tests and the testbed.

import { createConnection, type Socket } from 'node:net';
import { CONTROL_LIMITS } from './limits.ts';
import { PAGED_VERBS, type ControlEventLine, type ControlReply, type DaemonEvent } from './protocol.ts';

/** The daemon answered with ok: false. */
export class ControlError extends Error {
  override readonly name = 'ControlError';

  constructor(
    readonly verb: string,
    message: string,
  ) {
    super(message);
  }
}

/** The socket could not be reached (missing, refused, permission). */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    readonly path: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(`cannot reach vrrd at ${path}: ${code} — is vrrd running?`, { cause });
  }
}

/** One page of a table as the daemon sent it. */
export interface PageReply<T = unknown> {
  result: T;
  /** The cursor of the next page; absent on the last. */
  next?: string;
}

interface Pending {
  verb: string;
  resolve: (reply: PageReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One connection to a vrrd. */
export class ControlClient {
  readonly path: string;
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #eventListeners = new Map<number, (event: DaemonEvent, missed: number) => void>();
  /** Callers of rawRequest, answered in order by replies whose id is not one of ours. */
  readonly #rawWaiters: ((reply: ControlReply) => void)[] = [];
  #nextId = 1;
  #buffered = '';
  #closed: Error | null = null;
  readonly #timeoutMs: number;

  private constructor(path: string, socket: Socket, timeoutMs: number) {
    this.path = path;
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('close', () => this.#fail(new Error(`vrrd at ${path} closed the connection`)));
    socket.on('error', (error) => this.#fail(error));
  }

  /** Connects; rejects with a ConnectError that says which path and why. */
  static connect(path: string, opts: { timeoutMs?: number } = {}): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const onError = (error: NodeJS.ErrnoException): void => {
        socket.destroy();
        reject(new ConnectError(path, error.code ?? error.message, error));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new ControlClient(path, socket, opts.timeoutMs ?? 30_000));
      });
    });
  }

  /**
   * Sends one request; resolves with its result, rejects with a ControlError carrying the daemon's message.
   * A paged table comes whole: the pages are fetched one after the other and joined (see PAGED_VERBS).
   */
  async request<T = unknown>(verb: string, args: Record<string, unknown> = {}): Promise<T> {
    let page = await this.requestPage(verb, args);
    const field = Object.hasOwn(PAGED_VERBS, verb) ? PAGED_VERBS[verb] : undefined;
    if (field === undefined || page.next === undefined) return page.result as T;
    const rows: unknown[][] = [rowsOf(page.result, field, verb)];
    while (page.next !== undefined) {
      const cursor: string = page.next;
      page = await this.requestPage(verb, { ...args, cursor });
      if (page.next === cursor) {
        throw new Error(`vrrd at ${this.path}: ${verb} answered cursor ${cursor} with the same cursor`);
      }
      rows.push(rowsOf(page.result, field, verb));
    }
    const all = rows.flat();
    return (field === null ? all : { ...(page.result as object), [field]: all }) as T;
  }

  /** Sends one request and resolves with the reply as it came: for a paged table, one page and its `next`. */
  requestPage<T = unknown>(verb: string, args: Record<string, unknown> = {}): Promise<PageReply<T>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const line = JSON.stringify({ id, verb, args }) + '\n';
    const bytes = Buffer.byteLength(line);
    if (bytes > CONTROL_LIMITS.maxRequestBytes) {
      return Promise.reject(
        new RangeError(
          `${verb}: request of ${bytes} bytes, vrrd accepts at most ${CONTROL_LIMITS.maxRequestBytes}`,
        ),
      );
    }
    return new Promise<PageReply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`vrrd at ${this.path} did not answer ${verb} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { verb, resolve: resolve as (r: PageReply) => void, reject, timer });
      this.#socket.write(line);
    });
  }

  /** Sends a raw line (tests use it to send malformed requests); resolves with the next reply line. */
  rawRequest(line: string): Promise<ControlReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply to the raw line')), this.#timeoutMs);
      this.#rawWaiters.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#socket.write(line.endsWith('\n') ? line : line + '\n');
    });
  }

  /** Subscribes to the daemon's events; listener gets each event (and how many were skipped before it). */
  async subscribe(listener: (event: DaemonEvent, missed: number) => void): Promise<void> {
    const id = this.#nextId; // request() takes this id
    this.#eventListeners.set(id, listener);
    try {
      await this.request('subscribe');
    } catch (error) {
      this.#eventListeners.delete(id);
      throw error;
    }
  }

  /** Resolves when the connection closes (for `vrrctl events`). */
  closed(): Promise<Error> {
    if (this.#closed) return Promise.resolve(this.#closed);
    return new Promise((resolve) =>
      this.#socket.once('close', () => resolve(this.#closed ?? new Error('closed'))),
    );
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.end();
    this.#socket.destroy();
  }

  #onData(chunk: string): void {
    this.#buffered += chunk;
    let nl: number;
    while ((nl = this.#buffered.indexOf('\n')) >= 0) {
      const line = this.#buffered.slice(0, nl);
      this.#buffered = this.#buffered.slice(nl + 1);
      if (line.trim() !== '') this.#onLine(line);
    }
    // Characters, not bytes: cheaper to count, and a line of more characters than the limit is over it in bytes.
    if (this.#buffered.length > CONTROL_LIMITS.maxReplyBytes) {
      this.#fail(
        new Error(`vrrd at ${this.path} sent a line longer than ${CONTROL_LIMITS.maxReplyBytes} bytes`),
      );
      this.#socket.destroy();
    }
  }

  #onLine(line: string): void {
    let msg: ControlReply | ControlEventLine;
    try {
      msg = JSON.parse(line) as ControlReply | ControlEventLine;
    } catch {
      return; // not ours to fix; the request it belonged to times out with a clear message
    }
    if ('event' in msg) {
      this.#eventListeners.get(msg.id as number)?.(msg.event, msg.missed ?? 0);
      return;
    }
    const pending = typeof msg.id === 'number' ? this.#pending.get(msg.id) : undefined;
    if (!pending) {
      const waiter = this.#rawWaiters.shift();
      if (waiter) waiter(msg);
      // No id and nobody waiting for raw lines: the daemon is closing this connection (too many connections,
      // a request too long) and says why; every request waiting fails with that reason.
      else if (msg.id === null && !msg.ok)
        this.#fail(new ControlError('connection', `vrrd at ${this.path}: ${msg.error}`));
      return;
    }
    this.#pending.delete(msg.id as number);
    clearTimeout(pending.timer);
    if (msg.ok)
      pending.resolve(
        msg.next === undefined ? { result: msg.result } : { result: msg.result, next: msg.next },
      );
    else pending.reject(new ControlError(pending.verb, msg.error));
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.#pending.clear();
  }
}

/** The rows of one page: the result itself, or its field holding them (PAGED_VERBS); an error if not a list. */
function rowsOf(result: unknown, field: string | null, verb: string): unknown[] {
  const rows = field === null ? result : (result as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(rows)) {
    throw new Error(
      `${verb}: expected a page of rows${field === null ? '' : ` in "${field}"`}, found ${JSON.stringify(rows)}`,
    );
  }
  return rows;
}

/** Connects, sends one request (all pages of a table), closes: for one-shot callers. */
export async function requestOnce<T = unknown>(
  path: string,
  verb: string,
  args: Record<string, unknown> = {},
  timeoutMs?: number,
): Promise<T> {
  const client = await ControlClient.connect(path, { timeoutMs });
  try {
    return await client.request<T>(verb, args);
  } finally {
    client.close();
  }
}
