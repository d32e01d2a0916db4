import assert from 'node:assert/strict';
import { compareCloseness, RING_SIZE, type Address } from '../../../src/vrr/address.ts';
import { nextHop } from '../../../src/vrr/forwarding.ts';
import { Pset } from '../../../src/vrr/pset.ts';
import { RepTable } from '../../../src/vrr/repair.ts';
import { RouteTable } from '../../../src/vrr/routes.ts';
import { createRng, type Rng } from '../../../src/vrr/rng.ts';

const ME = 5 * 2 ** 44;
const VIA = 77;

/** The rule as the VRR paper states it (docs/protocol.md, Forwarding): every candidate weighed, the closest under the comparator wins. */
function closestByScan(candidates: Address[], dst: Address, exclude: Address | null): Address | null {
  let best: Address | null = null;
  for (const c of candidates) {
    if (c === exclude) continue;
    if (best === null || compareCloseness(dst, c, best) < 0) best = c;
  }
  return best;
}

/** An address near one of a few clusters or anywhere, so that dst, endpoints and the wrap often meet. */
function randomAddress(rng: Rng): Address {
  const anchors = [0, 1, RING_SIZE - 1, RING_SIZE / 2, ME];
  if (rng.next() < 0.5) return rng.u48();
  const a = rng.pick(anchors);
  return (((a + rng.int(9) - 4) % RING_SIZE) + RING_SIZE) % RING_SIZE;
}

describe('vrr/forwarding', () => {
  it('finds the closest endpoint by binary search exactly as a scan of every endpoint would', () => {
    const rng = createRng(20261202);
    for (let trial = 0; trial < 2000; trial++) {
      const routes = new RouteTable();
      const endpoints: Address[] = [];
      const count = rng.int(8);
      for (let i = 0; i < count; i++) {
        const e = randomAddress(rng);
        if (e === ME || endpoints.includes(e)) continue;
        endpoints.push(e);
        routes.add({ ea: ME, eb: e, pathId: i + 1, na: null, nb: VIA });
      }
      const pset = new Pset({ me: ME, qualityWindow: 10, qualityUp: 0.6, qualityDown: 0.3 });
      const reps = new RepTable(ME, 6000, 0);
      const dst = randomAddress(rng);
      const pick = rng.next();
      const exclude =
        pick < 0.3 && endpoints.length > 0 ? endpoints[trial % endpoints.length] : pick < 0.4 ? ME : null;
      const want = closestByScan([ME, ...endpoints], dst, exclude);
      const got = nextHop({ me: ME, pset, routes, reps, now: 0 }, dst, exclude);
      const context = `trial ${trial}: dst ${dst}, exclude ${exclude}, endpoints ${endpoints.join(',')}`;
      if (want === null) assert.deepEqual(got, { kind: 'none' }, context);
      else if (want === ME) assert.deepEqual(got, { kind: 'local' }, context);
      else assert.deepEqual(got, { kind: 'forward', via: VIA, endpoint: want }, context);
    }
  });

  it('weighs representatives only when withReps is true', () => {
    const routes = new RouteTable();
    const pset = new Pset({ me: ME, qualityWindow: 10, qualityUp: 0.6, qualityDown: 0.3 });
    const reps = new RepTable(ME, 6000, 0);
    const R = ME + 10;
    reps.learn(VIA, [{ address: R, seq: 1 }], 0);
    routes.add({ ea: ME, eb: ME + 30, pathId: 1, na: null, nb: 88 });
    const t = { me: ME, pset, routes, reps, now: 0 };
    assert.deepEqual(nextHop(t, ME + 11), { kind: 'forward', via: VIA, endpoint: R });
    assert.deepEqual(nextHop(t, ME + 11, null, false), { kind: 'local' });
    assert.deepEqual(nextHop(t, ME + 25, null, false), { kind: 'forward', via: 88, endpoint: ME + 30 });
  });
});
