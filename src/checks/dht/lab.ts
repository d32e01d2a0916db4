// The dht check's lab half (testbed.md, "What each check means"): the seed's keys (sample.ts) put through the
// putting node's vrrd control socket, then each read back through another node's, judged by verdict.ts.

import type { LabProbe } from '../lab-probe.ts';
import { mapLimit } from '../map-limit.ts';
import { checkResult, type CheckResult } from '../report.ts';
import { planDhtKeys } from './sample.ts';
import type { DhtCheckSpec } from './spec.ts';
import { judgeDht, judgeKey, noAliveNode, type GetAnswer } from './verdict.ts';

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

const NOT_OK = 'the daemon said not ok';

/** Puts spec.keys keys and gets each from another node; passes when foundPct >= spec.expect.foundPct. */
export async function runDhtCheck(
  lab: LabProbe,
  spec: DhtCheckSpec,
  seed: number,
  options: DhtCheckOptions = {},
): Promise<CheckResult> {
  const alive = lab.aliveNodes();
  const concurrency = options.concurrency ?? 8;
  const ttl = options.ttl ?? '600s';
  if (alive.length === 0) {
    const none = noAliveNode(spec);
    return checkResult('dht', none.passed, none.figures, none.problems);
  }
  const plan = planDhtKeys(seed, alive, spec.keys);

  const puts = await mapLimit(plan, concurrency, async (p) => {
    try {
      const reply = await lab.ctl<PutReply>(p.putFrom, 'dht.put', { key: p.key, value: p.value, ttl });
      return reply.ok ? null : (reply.error ?? NOT_OK);
    } catch (error) {
      return (error as Error).message;
    }
  });

  const judged = await mapLimit(plan, concurrency, async (p, i) => {
    if (puts[i] !== null) return judgeKey(p, puts[i], { ok: false }, 0);
    const startedAt = lab.now();
    let reply: GetAnswer;
    try {
      reply = await lab.ctl<GetAnswer>(p.getFrom, 'dht.get', { key: p.key });
    } catch (error) {
      reply = { ok: false, error: (error as Error).message };
    }
    const latencyMs = lab.now() - startedAt;
    return judgeKey(p, null, reply.ok ? reply : { ...reply, error: reply.error ?? NOT_OK }, latencyMs);
  });

  const verdict = judgeDht(spec, judged, options.maxProblems ?? 50);
  return checkResult('dht', verdict.passed, verdict.figures, verdict.problems, {
    keys: judged.map((j) => j.trial),
  });
}
