// Every bound of vrrd's control socket in one place; docs/vrrd.md ("Limits") states the same values and why.
// The server (src/daemon/control-server.ts) enforces them, the client (client.ts) checks the two line limits on
// its side too, and tests pass smaller values to reach them quickly. Together they cap what one daemon can be
// made to hold for its clients: connections × (one request line + in-flight replies + a write backlog).

/** The control socket's bounds (all sizes in bytes of UTF-8, all times in ms). */
export interface ControlLimits {
  /** Longest request line; a longer one gets an error naming both sizes, then the connection is closed. */
  readonly maxRequestBytes: number;
  /** Longest reply or event line; tables are paged so that every page fits well below it. */
  readonly maxReplyBytes: number;
  /** Connections open at once; one more gets an error line and is closed (counted as refused). */
  readonly maxConnections: number;
  /** Requests of one connection being answered at once; pipelined requests beyond wait unread in the socket. */
  readonly maxInFlight: number;
  /** Bytes queued to a subscriber beyond which its events are skipped (counted, reported as `missed`). */
  readonly eventBacklogBytes: number;
  /** How long a connection may go without taking any of the bytes queued to it before it is dropped. */
  readonly stallTimeoutMs: number;
  /** How long a refused or oversize connection may stay open after its error line, to read it. */
  readonly closeGraceMs: number;
  /** Rows of a table page when the request gives no `limit`. */
  readonly defaultPageRows: number;
  /** Largest `limit` a table request may ask for. */
  readonly maxPageRows: number;
  /** A page stops before this many bytes of rows, whatever its `limit` (rows can be large: DHT values). */
  readonly pageBudgetBytes: number;
  /** Longest `cursor` argument (a DHT key's hex is the longest sort key: about 4 KiB). */
  readonly maxCursorChars: number;
}

/** The values vrrd runs with. */
export const CONTROL_LIMITS: ControlLimits = {
  maxRequestBytes: 64 * 1024,
  maxReplyBytes: 1024 * 1024,
  maxConnections: 64,
  maxInFlight: 8,
  eventBacklogBytes: 1024 * 1024,
  stallTimeoutMs: 30_000,
  closeGraceMs: 1000,
  defaultPageRows: 1000,
  maxPageRows: 5000,
  pageBudgetBytes: 256 * 1024,
  maxCursorChars: 8192,
};
