// The control socket's protocol, shared by vrrd (src/daemon/control-server.ts) and vrrctl (src/control/client.ts):
// newline-delimited JSON over a Unix stream socket. Each request is one line {id, verb, args}; each gets one
// reply line {id, ok: true, result} or {id, ok: false, error}. After a `subscribe` reply, event lines
// {id, event} follow on the same connection until it closes (or `unsubscribe`). Tables that grow with the lab
// come in pages: the reply carries `next` while rows remain, and the same request with `cursor: next` gets the
// following page. docs/vrrd.md documents it; limits.ts holds every bound.

/** Control socket path when vrrd is given no --socket: /run/vrrd/<name>.sock with --name, else /run/vrrd.sock. */
export function defaultSocketPath(name: string | null | undefined): string {
  return name ? `/run/vrrd/${name}.sock` : '/run/vrrd.sock';
}

/** Request ids: chosen by the client, echoed in the reply. */
export type RequestId = string | number;

/** One request line. */
export interface ControlRequest {
  id: RequestId;
  verb: string;
  args?: Record<string, unknown>;
}

/** A successful reply line. */
export interface ControlSuccess {
  id: RequestId;
  ok: true;
  result: unknown;
  /** Present on a page of a table when rows remain: send it back as `cursor` for the next page. */
  next?: string;
}

/** A failed reply line (id is null when the request line could not even be read). */
export interface ControlFailure {
  id: RequestId | null;
  ok: false;
  error: string;
}

/** One reply line. */
export type ControlReply = ControlSuccess | ControlFailure;

/** An event line, streamed after `subscribe` (id = the subscribe request's id). */
export interface ControlEventLine {
  id: RequestId;
  event: DaemonEvent;
  /** Events skipped for this subscriber since the last line, because it was not reading fast enough. */
  missed?: number;
}

/**
 * An event as the daemon streams and logs it: the core's VrrEvent with addresses written as text, stamped with
 * the time and the node, plus the daemon's own (port-up, port-down).
 */
export interface DaemonEvent {
  /** ISO 8601 time. */
  t: string;
  node: string;
  type: string;
  [field: string]: unknown;
}

/**
 * The paged verbs, each with the field of its result that holds the rows (null: the result is the rows). Their
 * requests take `cursor` (a reply's `next`) and `limit` (rows); every other field of a page is the whole value,
 * so a client joins pages by concatenating the rows and keeping the last page's other fields.
 */
export const PAGED_VERBS: Readonly<Record<string, string | null>> = {
  neighbors: null,
  routes: null,
  'dht.entries': null,
  vset: 'members',
  'mcast.groups': 'trees',
};

/** Paging arguments of a table request. */
export interface PageArgs {
  /** Where to start: the `next` of the previous page (omitted: the first page). Opaque to clients. */
  cursor?: string;
  /** Most rows wanted in this page (the daemon may send fewer; see limits.ts). */
  limit?: number;
}

/** Every verb vrrd answers. */
export const VERBS = [
  'status',
  'neighbors',
  'vset',
  'routes',
  'stats',
  'dht.put',
  'dht.get',
  'dht.del',
  'dht.entries',
  'link.show',
  'link.set',
  'mcast.join',
  'mcast.leave',
  'mcast.send',
  'mcast.groups',
  'subscribe',
  'unsubscribe',
] as const;

/** One of VERBS. */
export type Verb = (typeof VERBS)[number];
