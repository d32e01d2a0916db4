// The dht check's simulator half, with the lab half's semantics and figures: the seed's keys (sample.ts, the
// same plan as on a lab) put from their nodes and read back from others through the DHT every simulated node
// carries, judged by verdict.ts. Latency is in virtual ms.

import type { DhtResult } from '../../vrr/dht/index.ts';
import type { SimDht, SimProbe } from '../sim-probe.ts';
import { planDhtKeys } from './sample.ts';
import type { DhtCheckSpec } from './spec.ts';
import { judgeDht, judgeKey, noAliveNode } from './verdict.ts';

/** What the dht check needs from a network (SimNetwork provides it). */
export interface DhtNetwork extends Pick<SimProbe, 'nodeNames' | 'isAlive' | 'now' | 'runUntilTrue'> {
  node(name: string): { readonly dht?: SimDht } | null;
  readonly clock: Pick<SimProbe['clock'], 'schedule'>;
}

/** Tuning of the simulated dht check. */
export interface SimDhtCheckOptions {
  /** Requests in flight at once (as the real check). Default 8. */
  concurrency?: number;
  /** Lifetime of the check's keys (as the real check's TTL). Default 600,000 ms. */
  ttlMs?: number;
  /** A request unanswered this long (virtual ms) fails, as a control request to vrrd would. Default 20,000. */
  requestTimeoutMs?: number;
  /** Problem lines kept. Default 50. */
  maxProblems?: number;
}

/** The verdict, the real check's figures and problem lines naming key, nodes and step of the journey. */
export interface SimDhtCheckResult {
  passed: boolean;
  figures: Record<string, number>;
  problems: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Puts spec.keys keys and gets each from another node; passes when foundPct >= spec.expect.foundPct. */
export function simDhtCheck(
  network: DhtNetwork,
  spec: DhtCheckSpec,
  seed: number,
  options: SimDhtCheckOptions = {},
): SimDhtCheckResult {
  const ttlMs = options.ttlMs ?? 600_000;
  const alive = network.nodeNames().filter((n) => network.isAlive(n));
  if (alive.length === 0) return noAliveNode(spec);
  const plan = planDhtKeys(seed, alive, spec.keys);

  // Every get is issued, even after a failed put: the run's events (and so its report) depend on it.
  const puts = runRequests(network, plan.length, options, (i, done) => {
    const p = plan[i];
    dhtOf(network, p.putFrom).put(p.key, encoder.encode(p.value), { ttlMs }, done);
  });
  const gets = runRequests(network, plan.length, options, (i, done) => {
    const p = plan[i];
    dhtOf(network, p.getFrom).get(p.key, done);
  });

  const judged = plan.map((p, i) => {
    const put = puts[i].result;
    const get = gets[i].result;
    return judgeKey(
      p,
      put.ok ? null : (put.error ?? NOT_OK),
      get.ok
        ? {
            ok: true,
            found: get.found,
            value: get.found ? decoder.decode(get.value ?? new Uint8Array(0)) : null,
            hops: get.hops,
          }
        : { ok: false, error: get.error ?? NOT_OK },
      gets[i].latencyMs,
    );
  });
  return judgeDht(spec, judged, options.maxProblems ?? 50);
}

const NOT_OK = 'the DHT said not ok';

interface Answer {
  result: DhtResult;
  /** Virtual ms from the request to its answer. */
  latencyMs: number;
}

/**
 * Issues `count` requests, at most `concurrency` at once, and runs the clock until every one is answered (the
 * DHT answers each exactly once: a result, its own timeout, or 'node stopped'); a guard timer fails a request
 * that gets no answer at all. Answers in request order.
 */
function runRequests(
  network: DhtNetwork,
  count: number,
  options: SimDhtCheckOptions,
  issue: (i: number, done: (r: DhtResult) => void) => void,
): Answer[] {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const timeoutMs = options.requestTimeoutMs ?? 20_000;
  const answers: (Answer | null)[] = Array.from({ length: count }, () => null);
  let next = 0;
  let open = 0;
  let pumping = false;
  // A loop, not recursion: answers may come synchronously (a key owned by the asking node), and a chain of
  // those must not grow the stack.
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    while (open < concurrency && next < count) {
      const i = next++;
      open++;
      const startedAt = network.now();
      let guard: { cancel(): void } | null = null; // set before issue(), so a synchronous answer cancels it
      const settle = (result: DhtResult): void => {
        if (answers[i] !== null) return;
        answers[i] = { result, latencyMs: network.now() - startedAt };
        guard?.cancel();
        open--;
        pump();
      };
      guard = network.clock.schedule(timeoutMs, () =>
        settle({ ok: false, error: `no answer within ${timeoutMs} ms` }),
      );
      try {
        issue(i, settle);
      } catch (error) {
        settle({ ok: false, error: (error as Error).message });
      }
    }
    pumping = false;
  };
  pump();
  // Every request settles by its guard at the latest, so this ends; the bound is only a backstop.
  const deadlineMs = network.now() + (Math.ceil(count / concurrency) + 1) * (timeoutMs + 1);
  network.runUntilTrue(() => open === 0 && next >= count, { everyMs: 10, deadlineMs });
  return answers.map((a) => a ?? { result: { ok: false, error: 'never answered' }, latencyMs: 0 });
}

// The node's DHT, or a stand-in that fails every request saying why (a crashed node, a node without one).
function dhtOf(network: DhtNetwork, name: string): SimDht {
  const dht = network.node(name)?.dht;
  if (dht) return dht;
  const why = network.isAlive(name) ? `node ${name} has no DHT` : `node ${name} is not running`;
  const fail = (done: (r: DhtResult) => void): void => done({ ok: false, error: why });
  return { put: (_k, _v, _o, done) => fail(done), get: (_k, done) => fail(done) };
}
