// The control socket's protocol, shared by vrrd (src/daemon/control-server.ts) and vrrctl (src/control/client.ts):
// newline-delimited JSON over a Unix stream socket. Each request is one line {id, verb, args}; each gets one
// reply line {id, ok: true, result} or {id, ok: false, error}. After a `subscribe` reply, event lines
// {id, event} follow on the same connection until it closes (or `unsubscribe`). docs/vrrd.md documents it.

/** Control socket path when vrrd is given no --socket: /run/vrrd/<name>.sock with --name, else /run/vrrd.sock. */
export function defaultSocketPath(name: string | null | undefined): string {
  return name ? `/run/vrrd/${name}.sock` : '/run/vrrd.sock';
}

/** Longest line either side accepts (a request or reply larger than this is refused). */
export const MAX_LINE_BYTES = 1024 * 1024;

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
  'subscribe',
  'unsubscribe',
] as const;

/** One of VERBS. */
export type Verb = (typeof VERBS)[number];
