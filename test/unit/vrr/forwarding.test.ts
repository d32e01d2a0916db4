import assert from 'node:assert/strict';
import { compareCloseness, RING_SIZE, type Address } from '../../../src/vrr/address.ts';
import { nextHop } from '../../../src/vrr/forwarding.ts';
import { Pset } from '../../../src/vrr/pset.ts';
import { RepTable } from '../../../src/vrr/repair.ts';
import { RouteTable } from '../../../src/vrr/routes.ts';
import { createRng, type Rng } from '../../../src/vrr/rng.ts';
import { NeighborState, OptionType } from '../../../src/vrr/wire/types.ts';

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

  describe('physical neighbours, the tie-break and representatives', () => {
    const N = ME + 100;
    /** A pset in which N was heard: linked or not, active or not (hellos listing ME as pending link it). */
    function psetWith(hellos: { active: boolean; listsMe: boolean }[]): Pset {
      const pset = new Pset({ me: ME, qualityWindow: 10, qualityUp: 0.6, qualityDown: 0.3 });
      hellos.forEach((h, i) =>
        pset.onHello(
          0,
          N,
          N,
          {
            type: OptionType.HELLO,
            active: h.active,
            helloSeq: i + 1,
            part: 0,
            parts: 1,
            reps: [],
            neighbors: h.listsMe ? [{ address: ME, state: NeighborState.PENDING, quality: 255 }] : [],
          },
          i * 1000,
        ),
      );
      return pset;
    }
    const tables = (pset: Pset, routes = new RouteTable(), reps = new RepTable(ME, 6000, 0), now = 0) => ({
      me: ME,
      pset,
      routes,
      reps,
      now,
    });

    it('a linked neighbour that has been active is a candidate of its own, with no path to it', () => {
      const t = tables(psetWith([{ active: true, listsMe: true }]));
      assert.deepEqual(nextHop(t, N + 1), { kind: 'forward', via: N, endpoint: N });
      assert.deepEqual(nextHop(t, N + 1, N), { kind: 'local' }, 'unless excluded');
      // A path and a representative farther from dst, weighed after it, do not replace it.
      const routes = new RouteTable();
      routes.add({ ea: ME, eb: N + 50, pathId: 1, na: null, nb: 31 });
      const reps = new RepTable(ME, 6000, 0);
      reps.learn(VIA, [{ address: N + 60, seq: 1 }], 0);
      const pset = psetWith([{ active: true, listsMe: true }]);
      assert.deepEqual(nextHop(tables(pset, routes, reps), N + 1), { kind: 'forward', via: N, endpoint: N });
      // The neighbour is also the endpoint of a path through another neighbour: it is reached directly.
      routes.add({ ea: ME, eb: N, pathId: 2, na: null, nb: 32 });
      assert.deepEqual(nextHop(tables(pset, routes, reps), N + 1), { kind: 'forward', via: N, endpoint: N });
    });

    it('a neighbour that is not linked, or never was active while linked, is no candidate', () => {
      assert.deepEqual(nextHop(tables(psetWith([{ active: true, listsMe: false }])), N + 1), {
        kind: 'local',
      });
      assert.deepEqual(nextHop(tables(psetWith([{ active: false, listsMe: true }])), N + 1), {
        kind: 'local',
      });
      const failed = psetWith([
        { active: true, listsMe: true },
        { active: true, listsMe: false },
      ]);
      assert.ok(
        failed.get(N)?.state === 'failed' && failed.get(N)?.everActive,
        'was active while linked, failed now',
      );
      assert.deepEqual(nextHop(tables(failed), N + 1), { kind: 'local' });
    });

    it('between two candidates as far from dst, the one clockwise from dst wins, in either order', () => {
      const dst = ME + 1000;
      for (const [first, second] of [
        [dst - 7, dst + 7],
        [dst + 7, dst - 7],
      ]) {
        const routes = new RouteTable();
        routes.add({ ea: ME, eb: first, pathId: 1, na: null, nb: 11 });
        routes.add({ ea: ME, eb: second, pathId: 2, na: null, nb: 12 });
        const hop = nextHop(tables(psetWith([]), routes), dst);
        assert.deepEqual(hop, { kind: 'forward', via: first === dst + 7 ? 11 : 12, endpoint: dst + 7 });
      }
      // The same with a representative and an endpoint: the tie-break is one comparator for every candidate.
      const routes = new RouteTable();
      routes.add({ ea: ME, eb: dst - 7, pathId: 1, na: null, nb: 11 });
      const reps = new RepTable(ME, 6000, 0);
      reps.learn(VIA, [{ address: dst + 7, seq: 1 }], 0);
      assert.deepEqual(nextHop(tables(psetWith([]), routes, reps), dst), {
        kind: 'forward',
        via: VIA,
        endpoint: dst + 7,
      });
    });

    it('a representative is a candidate until validMs after it was last refreshed, not after', () => {
      const reps = new RepTable(ME, 6000, 0);
      const R = ME + 500;
      reps.learn(VIA, [{ address: R, seq: 1 }], 1000);
      const at = (now: number) => nextHop(tables(psetWith([]), new RouteTable(), reps, now), R);
      assert.deepEqual(at(7000), { kind: 'forward', via: VIA, endpoint: R });
      assert.deepEqual(at(7001), { kind: 'local' });
      assert.deepEqual(
        nextHop(tables(psetWith([]), new RouteTable(), reps, 2000), R, R),
        { kind: 'local' },
        'excluded',
      );
    });

    it('an excluded endpoint is stepped over on both sides of dst', () => {
      const routes = new RouteTable();
      for (const [i, e] of [ME + 10, ME + 20, ME + 30, ME + 40].entries())
        routes.add({ ea: ME, eb: e, pathId: i + 1, na: null, nb: 20 + i });
      const t = tables(psetWith([]), routes);
      assert.deepEqual(nextHop(t, ME + 29, ME + 30), { kind: 'forward', via: 21, endpoint: ME + 20 });
      assert.deepEqual(nextHop(t, ME + 21, ME + 20), { kind: 'forward', via: 22, endpoint: ME + 30 });
    });
  });
});
