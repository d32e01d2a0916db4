// Server-sent events to every open page: `state` (a fresh UiState) and `event` (a daemon's or controller's
// event line). A comment line every 15 s keeps proxies and the browser from timing the stream out.

import type { ServerResponse } from 'node:http';

/** The open event streams. */
export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor() {
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), 15_000);
    this.#heartbeat.unref();
  }

  /** Number of open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /** Turns a response into an event stream and keeps it until the client goes. */
  add(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  /** Sends one named event with a JSON payload to every stream. */
  send(event: string, data: unknown): void {
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #write(text: string): void {
    for (const res of this.#clients) res.write(text);
  }
}
