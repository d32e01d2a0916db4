// The UI's HTTP API (docs/testbed.md, `testbed ui`): JSON over a UiBackend. Every /api request carries the run's
// token (header x-vrr-token, or ?token= for the event stream, which EventSource cannot give headers); a fault
// must also be a POST of application/json, which a page of another site cannot send without the token anyway.
//
//   GET  /api/topology              UiTopology
//   GET  /api/state[?t=ms]          UiState (t: replay time)
//   GET  /api/node/NAME[?t=ms]      UiNodeTables
//   GET  /api/path?from=A&to=B      UiPath
//   GET  /api/events                text/event-stream: `state` and `event`
//   POST /api/fault                 UiFault -> {ok: true, did}

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageError } from '../commands/context.ts';
import { UiRequestError, type UiBackend } from './backend.ts';
import type { SseHub } from './sse.ts';
import type { UiFault } from './ui-types.ts';

/** Largest fault body read. */
const MAX_BODY = 64 * 1024;

/** True when the request carries the token (header or query), compared in constant time. */
export function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const given = String(req.headers['x-vrr-token'] ?? url.searchParams.get('token') ?? '');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers one /api request. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  backend: UiBackend,
  hub: SseHub,
  token: string,
): Promise<void> {
  if (!hasToken(req, url, token)) {
    return sendJson(res, 403, { error: 'missing or wrong token: open the URL `testbed ui` printed' });
  }
  const route = url.pathname.replace(/^\/api\//, '');
  const t = url.searchParams.has('t') ? Number(url.searchParams.get('t')) : undefined;
  try {
    if (route === 'fault') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'fault: use POST' });
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { error: 'fault: expected a body of content-type application/json' });
      }
      const did = await backend.fault(parseFault(await readBody(req)));
      return sendJson(res, 200, { ok: true, did });
    }
    if (req.method !== 'GET') return sendJson(res, 405, { error: `${route}: use GET` });
    if (t !== undefined && !Number.isFinite(t))
      throw new UiRequestError(`t: expected ms, found ${url.searchParams.get('t')}`);
    if (route === 'topology') return sendJson(res, 200, backend.topology());
    if (route === 'state') return sendJson(res, 200, await backend.state(t));
    if (route.startsWith('node/'))
      return sendJson(res, 200, await backend.node(decodeURIComponent(route.slice(5)), t));
    if (route === 'path') {
      const from = url.searchParams.get('from');
      const to = url.searchParams.get('to');
      if (!from || !to) throw new UiRequestError('path: expected ?from=NODE&to=NODE');
      return sendJson(res, 200, await backend.path(from, to, t));
    }
    if (route === 'events') return hub.add(res);
    return sendJson(res, 404, { error: `no API route ${url.pathname}` });
  } catch (error) {
    const known = error instanceof UiRequestError || error instanceof UsageError;
    return sendJson(res, known ? 400 : 500, { error: (error as Error).message });
  }
}

/** Checks a fault body's shape; the backend checks the names. */
export function parseFault(body: string): UiFault {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new UiRequestError('fault: the body is not JSON');
  }
  const str = (k: string): string => {
    if (typeof doc[k] !== 'string' || doc[k] === '')
      throw new UiRequestError(`fault ${String(doc.kind)}: expected ${k} (a node name)`);
    return doc[k] as string;
  };
  switch (doc?.kind) {
    case 'link':
      if (typeof doc.up !== 'boolean') throw new UiRequestError('fault link: expected up: true or false');
      return { kind: 'link', a: str('a'), b: str('b'), up: doc.up };
    case 'partition': {
      const groups = doc.groups;
      const ok =
        Array.isArray(groups) &&
        groups.length > 0 &&
        groups.every((g) => Array.isArray(g) && g.length > 0 && g.every((n) => typeof n === 'string'));
      if (!ok) throw new UiRequestError('fault partition: expected groups: [[node, ...], ...]');
      return { kind: 'partition', groups: groups as string[][] };
    }
    case 'heal':
      return { kind: 'heal' };
    case 'kill':
    case 'restart':
      return { kind: doc.kind, node: str('node') };
    default:
      throw new UiRequestError(
        `fault: expected kind link, partition, heal, kill or restart, found ${JSON.stringify(doc?.kind)}`,
      );
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new UiRequestError(`fault: body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
