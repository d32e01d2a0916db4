import assert from 'node:assert/strict';
import { runDhtCheck } from '../../../../src/checks/dht/lab.ts';
import { dhtCheckKey } from '../../../../src/checks/dht/sample.ts';
import { fakeLab } from '../fake-probe.ts';

interface Trial {
  key: string;
  putFrom: string;
  getFrom: string;
  outcome: string;
}

/** A DHT that works: one shared store, every get 2 hops. */
function workingDht(store = new Map<string, string>()) {
  const calls: { node: string; verb: string; args: Record<string, unknown> }[] = [];
  return {
    calls,
    store,
    ctl: (node: string, verb: string, args: Record<string, unknown>) => {
      calls.push({ node, verb, args });
      if (verb === 'dht.put') {
        store.set(String(args.key), String(args.value));
        return { ok: true, hops: 1 };
      }
      if (verb === 'dht.get') {
        const value = store.get(String(args.key));
        return value === undefined
          ? { ok: true, found: false, hops: 2 }
          : { ok: true, found: true, value, hops: 2 };
      }
      throw new Error(`unexpected verb ${verb}`);
    },
  };
}

describe('testbed verify: dht', () => {
  it('puts K seeded keys and gets each from a different alive node', async () => {
    const dht = workingDht();
    const lab = fakeLab(4, { ctl: dht.ctl });
    const result = await runDhtCheck(lab, { keys: 20, expect: { foundPct: 100 } }, 42);
    assert.equal(result.passed, true, JSON.stringify(result.problems));
    assert.deepEqual(
      { ...result.figures, meanLatencyMs: 0 },
      {
        keys: 20,
        found: 20,
        wrongValue: 0,
        missing: 0,
        putFailed: 0,
        foundPct: 100,
        meanHops: 2,
        meanLatencyMs: 0,
      },
    );
    const puts = dht.calls.filter((c) => c.verb === 'dht.put');
    assert.deepEqual(
      puts.map((c) => c.args.key),
      Array.from({ length: 20 }, (_, i) => dhtCheckKey(42, i)),
    );
    assert.equal(dhtCheckKey(42, 3), 'check-42-3');
    assert.ok(puts.every((c) => typeof c.args.ttl === 'string'));
    const trials = result.details!.keys as Trial[];
    assert.ok(trials.every((t) => t.putFrom !== t.getFrom));
    // More than one node puts: the choice is random, not always the first.
    assert.ok(new Set(trials.map((t) => t.putFrom)).size > 1);
  });

  it('is the same plan for the same seed and another for another seed', async () => {
    const plan = async (seed: number) =>
      (
        (
          await runDhtCheck(
            fakeLab(5, { ctl: workingDht().ctl }),
            { keys: 10, expect: { foundPct: 100 } },
            seed,
          )
        ).details!.keys as Trial[]
      ).map((t) => `${t.putFrom}>${t.getFrom}`);
    assert.deepEqual(await plan(1), await plan(1));
    assert.notDeepEqual(await plan(1), await plan(2));
  });

  it('names the key, who put it, who looked, what was expected and found', async () => {
    const dht = workingDht();
    const lab = fakeLab(3, {
      ctl: (node, verb, args) => {
        const key = String(args.key);
        if (verb === 'dht.put' && key === 'check-5-1') return { ok: false, error: 'no route to the owner' };
        if (verb === 'dht.get' && key === 'check-5-2')
          return { ok: true, found: true, value: 'stale', hops: 1 };
        if (verb === 'dht.get' && key === 'check-5-3') return { ok: true, found: false };
        if (verb === 'dht.get' && key === 'check-5-4') throw new Error('vrrd: timeout after 20000 ms');
        return dht.ctl(node, verb, args);
      },
    });
    const result = await runDhtCheck(lab, { keys: 6, expect: { foundPct: 100 } }, 5);
    const trials = result.details!.keys as Trial[];
    const t = (i: number) => trials[i];
    assert.equal(result.passed, false);
    assert.deepEqual(result.problems, [
      'found 33.333% of 6 keys, expected at least 100%',
      `key check-5-1: put from ${t(1).putFrom} failed: no route to the owner`,
      `key check-5-2 (put from ${t(2).putFrom}): get from ${t(2).getFrom} found "stale", expected ${JSON.stringify(dht.store.get('check-5-2'))}`,
      `key check-5-3 (put from ${t(3).putFrom}): get from ${t(3).getFrom} found nothing, expected ${JSON.stringify(dht.store.get('check-5-3'))}`,
      `key check-5-4 (put from ${t(4).putFrom}): get from ${t(4).getFrom} failed: vrrd: timeout after 20000 ms, expected ${JSON.stringify(dht.store.get('check-5-4'))}`,
    ]);
    assert.equal(result.figures.found, 2);
    assert.equal(result.figures.wrongValue, 1);
    assert.equal(result.figures.missing, 2);
    assert.equal(result.figures.putFailed, 1);
    assert.equal(result.figures.foundPct, 33.333);
    assert.equal(result.figures.meanHops, 2);
  });

  it('passes when the found share meets expect.foundPct', async () => {
    const dht = workingDht();
    const lab = fakeLab(3, {
      ctl: (node, verb, args) =>
        verb === 'dht.get' && args.key === 'check-9-0'
          ? { ok: true, found: false }
          : dht.ctl(node, verb, args),
    });
    const result = await runDhtCheck(lab, { keys: 10, expect: { foundPct: 90 } }, 9);
    assert.equal(result.passed, true);
    assert.equal(result.figures.foundPct, 90);
    assert.equal(result.problems?.length, 1);
  });
});
