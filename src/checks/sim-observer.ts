// What a simulated run may watch of a check's round as it happens (report.html's ping matrix and stream
// series): the simulator half tells its observer, if it was given one, and only reads to do so, so a round's
// result and the run's report are the same with or without one. The lab half has no observer: a real lab's
// report.html reads the daemons' timeline.

/** One pair of a ping-all round: the hops its probe travelled, or null when it was not delivered. */
export interface PairHops {
  from: string;
  to: string;
  hops: number | null;
}

/** A stream as its source starts sending: who sends, who should get it, and how many datagrams over how long. */
export interface StreamStart {
  group: string;
  source: string;
  members: string[];
  durationMs: number;
  /** Datagrams the source sends, numbered 1..sent and spaced evenly over durationMs. */
  sent: number;
}

/** Told of a simulated round as it happens; every member optional (a check tells what it has). */
export interface SimObserver {
  /** A ping-all round ended: every pair asked, delivered or not. */
  pairs?(pairs: readonly PairHops[]): void;
  /** A stream's source starts sending (not told for a stream that cannot start). */
  streamStarted?(info: StreamStart): void;
  /** A member got datagram `id` (1..sent) for the first time, at virtual time t. */
  streamArrival?(member: string, id: number, t: number): void;
}
