// The dht check's verdict, shared by the lab half (answers of every vrrd's control socket) and the simulator
// half (answers of every simulated node's DHT): each key's outcome with a problem line naming the key, both
// nodes and the step of the journey that failed, then the figures and the pass against expect.found.

import { capProblems, round3 } from '../report.ts';
import type { PlannedKey } from './sample.ts';
import type { DhtCheckSpec } from './spec.ts';

/** What became of one key (kept per key in a lab's details.keys). */
export interface KeyTrial {
  key: string;
  putFrom: string;
  getFrom: string;
  outcome: 'found' | 'wrong-value' | 'missing' | 'put-failed';
  latencyMs?: number;
  hops?: number;
}

/** A get's answer, as vrrd's dht.get reply or the simulated DHT's result gives it (value as text). */
export interface GetAnswer {
  ok: boolean;
  found?: boolean;
  value?: string | null;
  hops?: number;
  error?: string;
}

/** One key judged: its trial, and its problem line (null: found). */
export interface JudgedKey {
  trial: KeyTrial;
  problem: string | null;
}

/**
 * Judges one key from its put's failure (null: the put was acknowledged) and its get's answer; a failed get's
 * `error` is printed as it is, so callers fill it in (vrrd's error, or who said no).
 */
export function judgeKey(
  p: PlannedKey,
  putError: string | null,
  get: GetAnswer,
  latencyMs: number,
): JudgedKey {
  const base = { key: p.key, putFrom: p.putFrom, getFrom: p.getFrom };
  if (putError !== null) {
    return {
      trial: { ...base, outcome: 'put-failed' },
      problem: `key ${p.key}: put from ${p.putFrom} failed: ${putError}`,
    };
  }
  const where = `key ${p.key} (put from ${p.putFrom}): get from ${p.getFrom}`;
  const expected = JSON.stringify(p.value);
  if (!get.ok) {
    return {
      trial: { ...base, outcome: 'missing', latencyMs },
      problem: `${where} failed: ${get.error}, expected ${expected}`,
    };
  }
  const hops = get.hops !== undefined ? { hops: get.hops } : {};
  if (!get.found) {
    return {
      trial: { ...base, outcome: 'missing', latencyMs, ...hops },
      problem: `${where} found nothing, expected ${expected}`,
    };
  }
  if (get.value !== p.value) {
    return {
      trial: { ...base, outcome: 'wrong-value', latencyMs, ...hops },
      problem: `${where} found ${JSON.stringify(get.value)}, expected ${expected}`,
    };
  }
  return { trial: { ...base, outcome: 'found', latencyMs, ...hops }, problem: null };
}

/** The check's verdict over every key (in plan order): figures, pass, problem lines (at most maxProblems). */
export function judgeDht(
  spec: DhtCheckSpec,
  judged: readonly JudgedKey[],
  maxProblems: number,
): { passed: boolean; figures: Record<string, number>; problems: string[] } {
  const trials = judged.map((j) => j.trial);
  const problems = judged.flatMap((j) => (j.problem === null ? [] : [j.problem]));
  const figures = dhtFigures(spec.keys, trials);
  const passed = figures.foundPct >= spec.expect.foundPct;
  if (!passed) {
    problems.unshift(
      `found ${figures.foundPct}% of ${spec.keys} keys, expected at least ${spec.expect.foundPct}%`,
    );
  }
  return { passed, figures, problems: capProblems(problems, maxProblems) };
}

/** The verdict when no node is alive to put keys from. */
export function noAliveNode(spec: DhtCheckSpec): {
  passed: boolean;
  figures: Record<string, number>;
  problems: string[];
} {
  return {
    passed: spec.keys === 0,
    figures: dhtFigures(spec.keys, []),
    problems: ['no alive node to put keys from'],
  };
}

// The figures: counts by outcome, found %, mean hops (of found keys that said) and mean latency of found keys.
function dhtFigures(keys: number, trials: readonly KeyTrial[]): Record<string, number> {
  const count = (o: KeyTrial['outcome']): number => trials.filter((t) => t.outcome === o).length;
  const found = trials.filter((t) => t.outcome === 'found');
  const withHops = found.filter((t) => t.hops !== undefined);
  return {
    keys,
    found: found.length,
    wrongValue: count('wrong-value'),
    // With no trial at all (no alive node), every key is missing.
    missing: trials.length === 0 ? keys : count('missing'),
    putFailed: count('put-failed'),
    foundPct: keys === 0 ? 100 : round3((100 * found.length) / keys),
    meanHops: withHops.length === 0 ? 0 : round3(withHops.reduce((s, t) => s + t.hops!, 0) / withHops.length),
    meanLatencyMs:
      found.length === 0 ? 0 : round3(found.reduce((s, t) => s + (t.latencyMs ?? 0), 0) / found.length),
  };
}
