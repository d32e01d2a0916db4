// The dht check on a real lab (testbed.md, "What each check means"): K keys put from seeded random alive
// nodes through their vrrd's control socket, then each read back from a different random alive node. Key
// names carry the seed (`check-<seed>-<i>`) so a re-run with another seed never reads an older run's keys,
// and values carry the key, so a value found under the wrong key shows as a wrong value, not as found.

import type { DhtCheckSpec } from '../../topology/types.ts';
import { createRng, deriveSeed } from '../../vrr/rng.ts';
import type { LabAccess } from '../lab/lab-access.ts';
import { mapLimit } from '../lab/pool.ts';
import { capProblems, checkResult, round3, type CheckResult } from './check-result.ts';

/** Tuning of the dht check. */
export interface DhtCheckOptions {
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Lifetime of the check's keys in the lab's DHT (they are not deleted: a TTL cleans up). Default 10 min. */
  ttl?: string;
  /** Problem lines kept. Default 50. */
  maxProblems?: number;
}

interface PutReply {
  ok: boolean;
  error?: string;
}

interface GetReply {
  ok: boolean;
  found?: boolean;
  value?: string | null;
  hops?: number;
  error?: string;
}

/** One key's journey, kept in details.keys. */
interface KeyTrial {
  key: string;
  putFrom: string;
  getFrom: string;
  outcome: 'found' | 'wrong-value' | 'missing' | 'put-failed';
  hops?: number;
  latencyMs?: number;
}

/** The key names a check with this seed uses. */
export function dhtCheckKey(seed: number, index: number): string {
  return `check-${seed}-${index}`;
}

/** Puts spec.keys keys and gets each from another node; passes when foundPct >= spec.expect.foundPct. */
export async function runDhtCheck(
  lab: LabAccess,
  spec: DhtCheckSpec,
  seed: number,
  options: DhtCheckOptions = {},
): Promise<CheckResult> {
  const alive = lab.aliveNodes();
  const concurrency = options.concurrency ?? 8;
  const ttl = options.ttl ?? '600s';
  if (alive.length === 0) {
    return checkResult('dht', spec.keys === 0, emptyFigures(spec.keys), ['no alive node to put keys from']);
  }
  const rng = createRng(deriveSeed(seed, 'dht-check'));
  const plan = Array.from({ length: spec.keys }, (_, i) => {
    const putFrom = rng.pick(alive);
    const others = alive.filter((n) => n !== putFrom);
    const getFrom = others.length > 0 ? rng.pick(others) : putFrom;
    const key = dhtCheckKey(seed, i);
    return { key, value: `${key}:${rng.u32().toString(16)}`, putFrom, getFrom };
  });

  const problems: string[] = [];
  const puts = await mapLimit(plan, concurrency, async (p) => {
    try {
      const reply = await lab.ctl<PutReply>(p.putFrom, 'dht.put', { key: p.key, value: p.value, ttl });
      return reply.ok ? null : (reply.error ?? 'the daemon said not ok');
    } catch (error) {
      return (error as Error).message;
    }
  });

  const trials = await mapLimit(plan, concurrency, async (p, i): Promise<KeyTrial> => {
    const base = { key: p.key, putFrom: p.putFrom, getFrom: p.getFrom };
    if (puts[i] !== null) {
      problems.push(`key ${p.key}: put from ${p.putFrom} failed: ${puts[i]}`);
      return { ...base, outcome: 'put-failed' };
    }
    const startedAt = lab.now();
    let reply: GetReply;
    try {
      reply = await lab.ctl<GetReply>(p.getFrom, 'dht.get', { key: p.key });
    } catch (error) {
      reply = { ok: false, error: (error as Error).message };
    }
    const latencyMs = lab.now() - startedAt;
    const where = `key ${p.key} (put from ${p.putFrom}): get from ${p.getFrom}`;
    if (!reply.ok) {
      problems.push(
        `${where} failed: ${reply.error ?? 'the daemon said not ok'}, expected ${JSON.stringify(p.value)}`,
      );
      return { ...base, outcome: 'missing', latencyMs };
    }
    const hops = reply.hops;
    if (!reply.found) {
      problems.push(`${where} found nothing, expected ${JSON.stringify(p.value)}`);
      return { ...base, outcome: 'missing', latencyMs, ...(hops !== undefined ? { hops } : {}) };
    }
    if (reply.value !== p.value) {
      problems.push(`${where} found ${JSON.stringify(reply.value)}, expected ${JSON.stringify(p.value)}`);
      return { ...base, outcome: 'wrong-value', latencyMs, ...(hops !== undefined ? { hops } : {}) };
    }
    return { ...base, outcome: 'found', latencyMs, ...(hops !== undefined ? { hops } : {}) };
  });

  const found = trials.filter((t) => t.outcome === 'found');
  const withHops = found.filter((t) => t.hops !== undefined);
  const foundPct = spec.keys === 0 ? 100 : round3((100 * found.length) / spec.keys);
  const figures = {
    keys: spec.keys,
    found: found.length,
    wrongValue: trials.filter((t) => t.outcome === 'wrong-value').length,
    missing: trials.filter((t) => t.outcome === 'missing').length,
    putFailed: trials.filter((t) => t.outcome === 'put-failed').length,
    foundPct,
    meanHops: withHops.length === 0 ? 0 : round3(withHops.reduce((s, t) => s + t.hops!, 0) / withHops.length),
    meanLatencyMs:
      found.length === 0 ? 0 : round3(found.reduce((s, t) => s + (t.latencyMs ?? 0), 0) / found.length),
  };
  // Lines in key order, whatever order the concurrent requests finished in.
  const order = new Map(plan.map((p, i) => [p.key, i]));
  const keyOf = (line: string): number => order.get(line.split(' ')[1]) ?? 0;
  problems.sort((a, b) => keyOf(a) - keyOf(b));
  if (foundPct < spec.expect.foundPct) {
    problems.unshift(`found ${foundPct}% of ${spec.keys} keys, expected at least ${spec.expect.foundPct}%`);
  }
  return checkResult(
    'dht',
    foundPct >= spec.expect.foundPct,
    figures,
    capProblems(problems, options.maxProblems ?? 50),
    { keys: trials },
  );
}

function emptyFigures(keys: number): Record<string, number> {
  return {
    keys,
    found: 0,
    wrongValue: 0,
    missing: keys,
    putFailed: 0,
    foundPct: keys === 0 ? 100 : 0,
    meanHops: 0,
    meanLatencyMs: 0,
  };
}
