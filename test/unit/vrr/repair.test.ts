import assert from 'node:assert/strict';
import { RepTable } from '../../../src/vrr/repair.ts';

const ME = 500;

describe('vrr/repair (representatives)', () => {
  it('learns reps from neighbours, never itself, and refreshes only on a newer sequence', () => {
    const t = new RepTable(ME, 6000, 0);
    assert.deepEqual(
      t.learn(
        7,
        [
          { address: 100, seq: 5 },
          { address: ME, seq: 9 },
        ],
        0,
      ),
      [100],
    );
    assert.deepEqual(t.learn(8, [{ address: 100, seq: 5 }], 10), [], 'same sequence: nothing new');
    assert.equal(t.nextHopToward(100, 10), 7);
    assert.deepEqual(t.learn(8, [{ address: 100, seq: 6 }], 20), [100]);
    assert.equal(t.nextHopToward(100, 20), 8, 'the reverse path follows the freshest advertisement');
    assert.deepEqual(
      t.usable(20).map((r) => r.address),
      [100],
    );
  });

  it('handles sequence wrap-around', () => {
    const t = new RepTable(ME, 6000, 0);
    t.learn(7, [{ address: 100, seq: 0xffff }], 0);
    assert.deepEqual(t.learn(7, [{ address: 100, seq: 1 }], 1), [100]);
  });

  it('expires stale records and forgets those heard through a lost neighbour', () => {
    const t = new RepTable(ME, 6000, 0);
    t.learn(7, [{ address: 100, seq: 1 }], 0);
    t.learn(8, [{ address: 200, seq: 1 }], 0);
    t.forgetVia(8);
    assert.deepEqual(
      t.usable(0).map((r) => r.address),
      [100],
    );
    assert.equal(t.nextHopToward(100, 7000), null, 'unusable after the validity period');
    t.expire(7000);
    assert.deepEqual(t.usable(7000), []);
  });

  it('walks only records that may be usable: stale ones leave records() at the next expire, and come back when refreshed', () => {
    const t = new RepTable(ME, 6000, 0);
    for (let a = 1; a <= 50; a++) t.learn(7, [{ address: a, seq: 1 }], a * 1000);
    const walked = (): number[] => [...t.records()].map((r) => r.address).sort((x, y) => x - y);
    assert.equal(walked().length, 50);
    t.expire(52_000); // usable: refreshed at 46 s or later
    assert.deepEqual(walked(), [46, 47, 48, 49, 50]);
    assert.deepEqual(
      t.usable(52_000).map((r) => r.address),
      walked(),
      'records() holds every usable record',
    );
    assert.deepEqual(
      t.learn(8, [{ address: 3, seq: 2 }], 52_000),
      [3],
      'a newer sequence revives a stale record',
    );
    assert.deepEqual(walked(), [3, 46, 47, 48, 49, 50]);
    t.forgetVia(7);
    assert.deepEqual(walked(), [3], 'records through a lost neighbour leave at once');
    t.invalidateAll();
    assert.deepEqual(walked(), []);
  });

  it('never revives a stale record from a stale advertisement (no count to infinity)', () => {
    const t = new RepTable(ME, 6000, 0);
    t.learn(7, [{ address: 100, seq: 9 }], 0);
    t.expire(7000);
    assert.deepEqual(t.learn(8, [{ address: 100, seq: 9 }], 7000), [], 'same sequence: still stale');
    assert.equal(t.nextHopToward(100, 7000), null);
    t.forgetVia(7);
    assert.deepEqual(t.learn(8, [{ address: 100, seq: 8 }], 7001), [], 'an older sequence never revives it');
    assert.deepEqual(t.learn(8, [{ address: 100, seq: 10 }], 7002), [100], 'a newer one does');
    t.expire(7002 + 200 * 6000 + 1);
    assert.deepEqual([...t.records()], [], 'purged at last');
  });

  it('advertises itself while a rep, with a growing sequence, plus the smallest known, two at most', () => {
    const t = new RepTable(ME, 6000, 41);
    t.learn(
      7,
      [
        { address: 900, seq: 1 },
        { address: 300, seq: 1 },
      ],
      0,
    );
    t.learn(9, [{ address: 100, seq: 1 }], 0);
    const first = t.advertise(true, 0);
    assert.deepEqual(
      first.map((s) => s.address),
      [100, 300],
      'the two smallest win, even over myself',
    );
    const t2 = new RepTable(ME, 6000, 41);
    t2.learn(7, [{ address: 900, seq: 1 }], 0);
    const a = t2.advertise(true, 0);
    const b = t2.advertise(true, 0);
    assert.deepEqual(
      a.map((s) => s.address),
      [ME, 900],
    );
    assert.equal(b[0].seq, (a[0].seq + 1) & 0xffff);
  });
});

describe('vrr/repair (representative records after a loss)', () => {
  it('a record heard through a lost neighbour gives no next hop, until a newer sequence comes', () => {
    const t = new RepTable(ME, 6000, 0);
    t.learn(7, [{ address: 100, seq: 1 }], 0);
    t.learn(8, [{ address: 200, seq: 1 }], 0);
    t.forgetVia(8);
    assert.equal(t.nextHopToward(200, 0), null, 'no route toward 200 through the lost neighbour 8');
    assert.equal(t.nextHopToward(200, 10 ** 9), null, 'not later either');
    assert.equal(t.nextHopToward(100, 0), 7, 'records through other neighbours stay');
    assert.deepEqual(t.learn(9, [{ address: 200, seq: 2 }], 5), [200]);
    assert.equal(t.nextHopToward(200, 5), 9);
  });

  it('after invalidateAll no record gives a next hop or is advertised', () => {
    const t = new RepTable(ME, 6000, 0);
    t.learn(7, [{ address: 100, seq: 1 }], 0);
    t.learn(8, [{ address: 200, seq: 1 }], 0);
    t.invalidateAll();
    assert.equal(t.nextHopToward(100, 0), null);
    assert.equal(t.nextHopToward(200, 10 ** 9), null);
    assert.deepEqual(t.usable(0), []);
    assert.deepEqual(t.advertise(false, 0), [], 'nothing to advertise');
    assert.equal(t.size, 2, 'kept, unusable, so a stale advertisement cannot revive them');
  });

  it('advertises the two smallest usable records, whatever order they were learned in', () => {
    for (const order of [
      [100, 200, 300, 400],
      [400, 300, 200, 100],
      [300, 100, 400, 200],
      [200, 400, 100, 300],
    ]) {
      const t = new RepTable(ME, 6000, 0);
      for (const a of order) t.learn(7, [{ address: a, seq: 1 }], 0);
      assert.deepEqual(
        t.advertise(false, 0).map((s) => s.address),
        [100, 200],
        `learned in order ${order.join(',')}`,
      );
      assert.deepEqual(
        t.usable(0).map((r) => r.address),
        [100, 200, 300, 400],
        'usable() is sorted, smallest first',
      );
    }
  });

  it('leaves records that went stale out of the advertisement, even before expire()', () => {
    const t = new RepTable(ME, 6000, 0);
    t.learn(7, [{ address: 100, seq: 1 }], 0);
    t.learn(7, [{ address: 300, seq: 1 }], 5000);
    t.learn(7, [{ address: 200, seq: 1 }], 5000);
    assert.deepEqual(
      t.advertise(false, 7000).map((s) => [s.address, s.seq]),
      [
        [200, 1],
        [300, 1],
      ],
      '100 is past validMs at 7000',
    );
    assert.deepEqual(
      t.advertise(false, 6000).map((s) => s.address),
      [100, 200],
      'exactly validMs old is still usable',
    );
  });

  it("starts its own sequence at initialSeq (16 bits), so a restarted representative's next one is not stale", () => {
    const t = new RepTable(ME, 6000, 0x10029);
    const [self] = t.advertise(true, 0);
    assert.deepEqual(self, { address: ME, seq: 0x2a });
    const u = new RepTable(ME, 6000, 0xffff);
    assert.equal(u.advertise(true, 0)[0].seq, 0, 'wraps at 2^16');
    assert.deepEqual(u.advertise(false, 0), [], 'not a rep: only records, none here');
  });

  it('keeps long-unusable records until purgeMs, then forgets them', () => {
    const t = new RepTable(ME, 6000, 0, 60_000);
    t.learn(7, [{ address: 100, seq: 1 }], 0);
    t.expire(60_000);
    assert.equal(t.size, 1, 'exactly purgeMs old: kept');
    t.expire(60_001);
    assert.equal(t.size, 0);
    assert.deepEqual(
      t.learn(7, [{ address: 100, seq: 1 }], 60_001),
      [100],
      'forgotten: the same sequence is new',
    );
  });
});
