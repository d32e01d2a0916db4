// A client of vrrd's control socket (protocol: src/control/protocol.ts): one connection, requests
// matched to replies by id, and an event stream for `subscribe`. Used by vrrctl, the tests and the testbed.

import { createConnection, type Socket } from 'node:net';
import { MAX_LINE_BYTES, type ControlEventLine, type ControlReply, type DaemonEvent } from './protocol.ts';

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

interface Pending {
  verb: string;
  resolve: (result: unknown) => void;
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

  /** Sends one request; resolves with its result, rejects with a ControlError carrying the daemon's message. */
  request<T = unknown>(verb: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`vrrd at ${this.path} did not answer ${verb} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { verb, resolve: resolve as (r: unknown) => void, reject, timer });
      this.#socket.write(JSON.stringify({ id, verb, args }) + '\n');
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
    if (this.#buffered.length > MAX_LINE_BYTES) {
      this.#fail(new Error(`vrrd at ${this.path} sent a line longer than ${MAX_LINE_BYTES} bytes`));
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
      this.#rawWaiters.shift()?.(msg);
      return;
    }
    this.#pending.delete(msg.id as number);
    clearTimeout(pending.timer);
    if (msg.ok) pending.resolve(msg.result);
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

/** Connects, sends one request, closes: for one-shot callers. */
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
