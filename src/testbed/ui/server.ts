// The UI's HTTP server: bound to 127.0.0.1 only, on a free port unless one is asked for, with a per-run random
// token (as Jupyter does) that every /api request must carry. Serves the page and its bundle (page-bundle.ts:
// everything from the project, nothing fetched from elsewhere) and pushes state and events over SSE.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi, sendJson } from './api.ts';
import type { UiBackend } from './backend.ts';
import type { PageAssets } from './page-bundle.ts';
import { SseHub } from './sse.ts';

/** The only address the server listens on. */
export const UI_HOST = '127.0.0.1';

/** Settings of the server. */
export interface UiServerOptions {
  backend: UiBackend;
  assets: PageAssets;
  /** 0 (default): a free port. */
  port?: number;
  /** Default: 24 random bytes, hex. */
  token?: string;
  /** State pushes are at most this often. Default 100 ms. */
  pushMs?: number;
}

/** A running server. */
export interface UiServer {
  readonly port: number;
  readonly token: string;
  /** The URL to open, token included. */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { backend, assets } = options;
  const token = options.token ?? randomBytes(24).toString('hex');
  const hub = new SseHub();
  let port = 0;

  const server = createServer((req, res) => {
    serve(req, res).catch((error: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: error.message });
      else res.end();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A page of another site that rebinds its own name to 127.0.0.1 still sends its own Host: refuse it.
    const host = String(req.headers.host ?? '');
    if (host !== `${UI_HOST}:${port}` && host !== `localhost:${port}`) {
      return sendJson(res, 403, { error: `unexpected Host ${JSON.stringify(host)}` });
    }
    const url = new URL(req.url ?? '/', `http://${UI_HOST}:${port}`);
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url, backend, hub, token);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' });
    const asset = assets.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (!asset) return sendJson(res, 404, { error: `nothing at ${url.pathname}` });
    res.writeHead(200, {
      'content-type': asset.type,
      'cache-control': 'no-store',
      // Nothing but this server: no script, style, font or image from anywhere else.
      'content-security-policy':
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  // State pushes: a change sets a flag; at most one state is computed per pushMs, and only with pages open.
  let pending = false;
  let pushing = false;
  const push = async (): Promise<void> => {
    if (pushing || !pending || hub.size === 0) return;
    pending = false;
    pushing = true;
    try {
      hub.send('state', await backend.state());
    } catch {
      // the next change tries again
    } finally {
      pushing = false;
    }
  };
  const pushTimer = setInterval(() => void push(), options.pushMs ?? 100);
  const offChange = backend.onChange(() => {
    pending = true;
  });
  const offEvent = backend.onEvent((event) => hub.send('event', event));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, UI_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${UI_HOST}:${port}/?token=${token}`,
    server,
    close: async () => {
      clearInterval(pushTimer);
      offChange();
      offEvent();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
