// The dht check in the simulator, with the real lab's semantics and figures (src/testbed/verify/dht-check.ts):
// K keys put from seeded random alive nodes, then each read back from a different seeded random alive node,
// through the DHT every simulated node carries. The plan (keys, values, nodes) is drawn exactly as the real
// check draws it, so a seed puts the same keys from the same nodes in both. Latency is in virtual ms.

import { createRng, deriveSeed } from '../../vrr/rng.ts';
import type { DhtResult } from '../../vrr/dht/index.ts';
import type { DhtCheckSpec } from '../../topology/types.ts';
import { dhtCheckKey } from '../../testbed/verify/dht-check.ts';
import { capProblems, round3 } from '../../testbed/verify/check-result.ts';
import type { SimDht } from '../sim-node.ts';

/** What the dht check needs from a network (SimNetwork provides it). */
export interface DhtNetwork {
  nodeNames(): string[];
  isAlive(name: string): boolean;
  node(name: string): { readonly dht?: SimDht } | null;
  now(): number;
  readonly clock: { schedule(delayMs: number, fire: () => void): { cancel(): void } };
  runUntilTrue(predicate: () => boolean, opts: { everyMs: number; deadlineMs: number }): number | null;
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

interface PlannedKey {
  key: string;
  value: string;
  putFrom: string;
  getFrom: string;
}

type Outcome = 'found' | 'wrong-value' | 'missing' | 'put-failed';

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
  if (alive.length === 0) {
    const figures = figuresOf(spec.keys, [], []);
    return { passed: spec.keys === 0, figures, problems: ['no alive node to put keys from'] };
  }
  // The real check's draws, in its order: same seed, same plan.
  const rng = createRng(deriveSeed(seed, 'dht-check'));
  const plan: PlannedKey[] = Array.from({ length: spec.keys }, (_, i) => {
    const putFrom = rng.pick(alive);
    const others = alive.filter((n) => n !== putFrom);
    const getFrom = others.length > 0 ? rng.pick(others) : putFrom;
    const key = dhtCheckKey(seed, i);
    return { key, value: `${key}:${rng.u32().toString(16)}`, putFrom, getFrom };
  });

  const puts = runRequests(network, plan.length, options, (i, done) => {
    const p = plan[i];
    dhtOf(network, p.putFrom).put(p.key, encoder.encode(p.value), { ttlMs }, done);
  });
  const gets = runRequests(network, plan.length, options, (i, done) => {
    const p = plan[i];
    dhtOf(network, p.getFrom).get(p.key, done);
  });

  const problems: string[] = [];
  const outcomes: Outcome[] = [];
  const hops: number[] = [];
  const latencies: number[] = [];
  plan.forEach((p, i) => {
    const put = puts[i].result;
    if (!put.ok) {
      problems.push(`key ${p.key}: put from ${p.putFrom} failed: ${put.error ?? 'the DHT said not ok'}`);
      outcomes.push('put-failed');
      return;
    }
    const get = gets[i].result;
    const where = `key ${p.key} (put from ${p.putFrom}): get from ${p.getFrom}`;
    const expected = JSON.stringify(p.value);
    if (!get.ok) {
      problems.push(`${where} failed: ${get.error ?? 'the DHT said not ok'}, expected ${expected}`);
      outcomes.push('missing');
    } else if (!get.found) {
      problems.push(`${where} found nothing, expected ${expected}`);
      outcomes.push('missing');
    } else {
      const value = decoder.decode(get.value ?? new Uint8Array(0));
      if (value !== p.value) {
        problems.push(`${where} found ${JSON.stringify(value)}, expected ${expected}`);
        outcomes.push('wrong-value');
      } else {
        outcomes.push('found');
        if (get.hops !== undefined) hops.push(get.hops);
        latencies.push(gets[i].latencyMs);
      }
    }
  });

  const figures = figuresOf(spec.keys, outcomes, hops, latencies);
  const passed = figures.foundPct >= spec.expect.foundPct;
  if (!passed) {
    problems.unshift(
      `found ${figures.foundPct}% of ${spec.keys} keys, expected at least ${spec.expect.foundPct}%`,
    );
  }
  return { passed, figures, problems: capProblems(problems, options.maxProblems ?? 50) };
}

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

// The real check's figures (dht-check.ts), from the outcomes so far.
function figuresOf(
  keys: number,
  outcomes: readonly Outcome[],
  hops: readonly number[],
  latencies: readonly number[] = [],
): Record<string, number> {
  const count = (o: Outcome): number => outcomes.filter((x) => x === o).length;
  const found = count('found');
  const foundPct = keys === 0 ? 100 : round3((100 * found) / keys);
  return {
    keys,
    found,
    wrongValue: count('wrong-value'),
    missing: outcomes.length === 0 ? keys : count('missing'),
    putFailed: count('put-failed'),
    foundPct,
    meanHops: hops.length === 0 ? 0 : round3(hops.reduce((s, h) => s + h, 0) / hops.length),
    meanLatencyMs:
      latencies.length === 0 ? 0 : round3(latencies.reduce((s, l) => s + l, 0) / latencies.length),
  };
}
