import assert from 'node:assert/strict';
import { pathPrecedes, RouteTable, type Route } from '../../../src/vrr/routes.ts';

const ME = 50;

/** Checks the invariants stated at the top of src/vrr/routes.ts (those that do not need the pset). */
function assertInvariants(t: RouteTable): void {
  const keys = new Set<string>();
  const endpoints = new Set<number>();
  for (const r of t.all()) {
    const key = `${r.ea}/${r.pathId}`;
    assert.ok(!keys.has(key), 'unique (ea, pathId)');
    keys.add(key);
    if (r.na === null) assert.equal(r.ea, ME, 'na is null only at ea');
    if (r.nb === null) assert.equal(r.eb, ME, 'nb is null only at eb');
    if (r.na !== null) endpoints.add(r.ea);
    if (r.nb !== null) endpoints.add(r.eb);
  }
  assert.deepEqual(new Set(t.endpoints()), endpoints, 'the endpoint index matches the entries');
  assert.deepEqual(
    t.sortedEndpoints(),
    [...endpoints].sort((a, b) => a - b),
    'the sorted endpoints are the same addresses, ascending',
  );
  t.sortedEndpoints().forEach((e, i) => {
    assert.equal(t.nextHopTowardAt(i), t.nextHopToward(e), `the entry at index ${i} is ${e}'s`);
  });
}

describe('vrr/routes', () => {
  const relay: Route = { ea: 10, eb: 90, pathId: 1, na: 40, nb: 60 };
  const mine: Route = { ea: ME, eb: 70, pathId: 2, na: null, nb: 60 };
  const toMe: Route = { ea: 20, eb: ME, pathId: 3, na: 40, nb: null };

  it('adds entries keyed by (ea, pathId) and refuses a duplicate key', () => {
    const t = new RouteTable();
    assert.ok(t.add(relay));
    assert.ok(t.add(mine));
    assert.ok(!t.add({ ...relay, eb: 91 }), 'same (ea, pathId)');
    assert.ok(t.add({ ...relay, ea: 11 }), 'same pathId, other ea: another path');
    assert.equal(t.size, 3);
    assertInvariants(t);
  });

  it('keeps apart pathIds that agree in their low 30 bits (the slot key), with the same ea or not', () => {
    const t = new RouteTable();
    const ids = [5, 5 + 2 ** 30, 5 + 2 ** 31, 5 + 3 * 2 ** 30];
    for (const pathId of ids) assert.ok(t.add({ ea: 10, eb: 90, pathId, na: 40, nb: 60 }), `add ${pathId}`);
    assert.ok(t.add({ ea: 11, eb: 90, pathId: 5 + 2 ** 31, na: 40, nb: 60 }), 'same pathId, other ea');
    assert.ok(!t.add({ ea: 10, eb: 91, pathId: 5 + 2 ** 30, na: 40, nb: 60 }), 'a duplicate (ea, pathId)');
    assert.equal(t.size, 5);
    for (const pathId of ids) assert.equal(t.get(10, pathId)?.pathId, pathId);
    assert.equal(t.get(10, 6), undefined);
    assert.equal(t.remove(10, 5 + 2 ** 31)?.pathId, 5 + 2 ** 31);
    assert.equal(t.get(10, 5 + 2 ** 31), undefined);
    assert.equal(t.get(11, 5 + 2 ** 31)?.ea, 11, 'the other ea stays');
    for (const pathId of [5, 5 + 2 ** 30, 5 + 3 * 2 ** 30]) assert.ok(t.remove(10, pathId));
    assert.ok(t.remove(11, 5 + 2 ** 31));
    assert.equal(t.size, 0);
    assertInvariants(t);
  });

  it('indexes endpoints with their next hops, and forgets them on removal', () => {
    const t = new RouteTable();
    t.add(relay);
    t.add(mine);
    t.add(toMe);
    assert.deepEqual(new Set(t.endpoints()), new Set([10, 90, 70, 20]));
    assert.equal(t.nextHopToward(10), 40);
    assert.equal(t.nextHopToward(90), 60);
    assert.equal(t.nextHopToward(ME), null, 'this node is never its own endpoint candidate');
    assert.equal(t.remove(10, 1), relay);
    assert.equal(t.remove(10, 1), undefined);
    assert.deepEqual(new Set(t.endpoints()), new Set([70, 20]));
    assertInvariants(t);
  });

  it('finds the entries through a neighbour and the paths between two endpoints', () => {
    const t = new RouteTable();
    t.add(relay);
    t.add(mine);
    t.add(toMe);
    assert.deepEqual(new Set(t.via(60)), new Set([relay, mine]));
    assert.deepEqual(t.via(40).length, 2);
    assert.deepEqual(t.between(ME, 70), [mine]);
    assert.deepEqual(t.between(ME, 20), [toMe]);
    assert.deepEqual(t.between(ME, 10), []);
  });

  it('picks among parallel paths by path, not by local order, so crossing paths cannot loop', () => {
    const t = new RouteTable();
    t.add({ ea: ME, eb: 70, pathId: 9, na: null, nb: 61 });
    t.add({ ea: 70, eb: ME, pathId: 6, na: 62, nb: null });
    assert.equal(t.nextHopToward(70), 62, 'path 6 beats path 9 although added later');
    t.remove(70, 6);
    assert.equal(t.nextHopToward(70), 61);
    // Two relays on both paths P1 (id 3) and P2 (id 4) to endpoint 99, traversed in opposite directions:
    const x = new RouteTable();
    const y = new RouteTable();
    x.add({ ea: 10, eb: 99, pathId: 3, na: 1, nb: 200 }); // P1 at x: toward 99 via y (200)
    x.add({ ea: 11, eb: 99, pathId: 4, na: 200, nb: 2 }); // P2 at x: toward 99 via 2
    y.add({ ea: 10, eb: 99, pathId: 3, na: 100, nb: 5 }); // P1 at y: toward 99 via 5
    y.add({ ea: 11, eb: 99, pathId: 4, na: 6, nb: 100 }); // P2 at y: toward 99 via x (100)
    assert.equal(x.nextHopToward(99), 200, 'x follows P1 to y');
    assert.equal(y.nextHopToward(99), 5, 'y follows P1 too, not back to x');
  });

  describe('the best of parallel paths, kept up to date', () => {
    it('when the best path goes, the smallest pathId of the rest takes over, whatever the insertion order', () => {
      for (const order of [
        [9, 6, 7],
        [7, 9, 6],
        [6, 7, 9],
      ]) {
        const t = new RouteTable();
        for (const id of order) t.add({ ea: 70, eb: ME, pathId: id, na: 60 + id, nb: null });
        assert.equal(t.nextHopToward(70), 66, `order ${order}: path 6`);
        t.remove(70, 6);
        assert.equal(t.nextHopToward(70), 67, `order ${order}: path 7 after path 6`);
        t.remove(70, 9);
        assert.equal(
          t.nextHopToward(70),
          67,
          `order ${order}: path 7 still (a path that was not the best went)`,
        );
        t.remove(70, 7);
        assert.equal(t.nextHopToward(70), null);
        assertInvariants(t);
      }
    });

    it('ties on pathId go to the smaller ea, in either order', () => {
      const fromMe: Route = { ea: ME, eb: 70, pathId: 5, na: null, nb: 61 };
      const toMe: Route = { ea: 70, eb: ME, pathId: 5, na: 62, nb: null };
      for (const [first, second] of [
        [fromMe, toMe],
        [toMe, fromMe],
      ]) {
        const t = new RouteTable();
        t.add(first);
        t.add(second);
        assert.equal(t.nextHopToward(70), 61, 'ea 50 precedes ea 70');
        t.remove(ME, 5);
        assert.equal(t.nextHopToward(70), 62);
      }
      assert.ok(pathPrecedes({ ...toMe, pathId: 4 }, fromMe), 'the pathId decides first');
      assert.ok(!pathPrecedes(fromMe, fromMe), 'a path does not precede itself');
    });

    it('an endpoint stays indexed while any of its paths remains, and removing an absent path changes nothing', () => {
      const t = new RouteTable();
      t.add({ ea: 10, eb: 90, pathId: 1, na: 40, nb: 60 });
      t.add({ ea: 10, eb: 80, pathId: 2, na: 41, nb: 61 });
      assert.equal(t.remove(10, 3), undefined);
      assert.equal(t.remove(11, 1), undefined, 'the pathId exists, with another ea');
      t.remove(10, 1);
      assert.deepEqual([...t.endpoints()], [10, 80]);
      assert.equal(t.nextHopToward(10), 41);
      assert.equal(t.nextHopToward(90), null);
      assertInvariants(t);
    });
  });
});
