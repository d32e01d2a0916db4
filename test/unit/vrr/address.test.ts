import assert from 'node:assert/strict';
import {
  BROADCAST,
  closerTo,
  clockwise,
  compareCloseness,
  counterClockwise,
  formatAddress,
  isGroupAddress,
  isNodeAddress,
  parseAddress,
  readAddress,
  RING_SIZE,
  ringDistance,
  writeAddress,
} from '../../../src/vrr/address.ts';

describe('vrr/address', () => {
  it('formats and parses 48-bit addresses without losing the upper bits', () => {
    for (const text of ['02:00:00:00:00:0b', 'fe:dc:ba:98:76:54', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00']) {
      assert.equal(formatAddress(parseAddress(text)), text);
    }
    assert.equal(parseAddress('ff:ff:ff:ff:ff:ff'), RING_SIZE - 1);
    assert.equal(BROADCAST, RING_SIZE - 1);
  });

  it('rejects malformed addresses with what was expected and found', () => {
    assert.throws(
      () => parseAddress('02:00:00:00:0b'),
      /expected a 48-bit address like .* found "02:00:00:00:0b"/,
    );
    assert.throws(() => parseAddress('zz:00:00:00:00:00'), /found "zz:00:00:00:00:00"/);
  });

  it('reads and writes big-endian addresses', () => {
    const buf = new Uint8Array(8);
    writeAddress(buf, 1, parseAddress('12:34:56:78:9a:bc'));
    assert.deepEqual([...buf], [0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0]);
    assert.equal(formatAddress(readAddress(buf, 1)), '12:34:56:78:9a:bc');
  });

  it('measures distances around the ring, across the wrap', () => {
    const top = RING_SIZE - 2;
    assert.equal(clockwise(top, 3), 5);
    assert.equal(counterClockwise(3, top), 5);
    assert.equal(ringDistance(top, 3), 5);
    assert.equal(ringDistance(3, top), 5);
    assert.equal(ringDistance(10, 10), 0);
    assert.equal(ringDistance(0, RING_SIZE / 2), RING_SIZE / 2);
  });

  it('orders candidates totally: distance first, then the one clockwise of the target', () => {
    assert.ok(compareCloseness(100, 103, 90) < 0);
    assert.ok(compareCloseness(100, 90, 103) > 0);
    // 95 and 105 are both 5 away from 100: the clockwise one (105) wins, whichever is asked first.
    assert.ok(compareCloseness(100, 105, 95) < 0);
    assert.ok(compareCloseness(100, 95, 105) > 0);
    assert.equal(compareCloseness(100, 95, 95), 0);
    // Across the wrap: target 1, candidates 2^48-1 and 3 are both 2 away; 3 is clockwise of 1.
    assert.ok(compareCloseness(1, 3, RING_SIZE - 1) < 0);
  });

  it('classifies node and group addresses', () => {
    assert.ok(isNodeAddress(parseAddress('02:00:00:00:00:01')));
    assert.ok(!isNodeAddress(parseAddress('00:00:00:00:00:01')), 'not locally administered');
    assert.ok(isGroupAddress(parseAddress('01:00:5e:01:01:01')));
    assert.ok(isGroupAddress(BROADCAST));
    assert.ok(!isNodeAddress(parseAddress('03:00:00:00:00:01')), 'group bit set');
  });
});

describe('vrr/address boundaries', () => {
  // Pins that the distance from an address to itself is 0 both ways round, not a full turn of the ring.
  it('measures zero from an address to itself, both ways round', () => {
    for (const a of [0, 5, RING_SIZE - 1]) {
      assert.equal(clockwise(a, a), 0);
      assert.equal(counterClockwise(a, a), 0);
      assert.equal(ringDistance(a, a), 0);
    }
    assert.equal(clockwise(5, 4), RING_SIZE - 1);
    assert.equal(counterClockwise(4, 5), RING_SIZE - 1);
  });

  // Pins closerTo as the strict form of compareCloseness: an address is not closer than itself, and the halfway
  // tie goes clockwise, as everywhere else.
  it('closerTo is strict and agrees with compareCloseness', () => {
    assert.equal(closerTo(100, 103, 90), true);
    assert.equal(closerTo(100, 90, 103), false);
    assert.equal(closerTo(100, 95, 95), false, 'not closer than itself');
    assert.equal(closerTo(100, 105, 95), true, 'the halfway tie goes clockwise');
    assert.equal(closerTo(100, 95, 105), false);
    assert.equal(closerTo(1, 3, RING_SIZE - 1), true, 'across the wrap');
  });

  // Pins that only integers inside the ring are node addresses: a fraction or a value past 2^48 with the local bit
  // pattern would otherwise pass.
  it('refuses fractions and values beyond the ring as node addresses', () => {
    const node = parseAddress('02:00:00:00:00:01');
    assert.equal(isNodeAddress(node), true);
    assert.equal(isNodeAddress(node + 0.5), false);
    assert.equal(isNodeAddress(RING_SIZE + node), false);
    assert.equal(isNodeAddress(-node), false);
  });

  // Pins that the address pattern is anchored at both ends: extra characters before or after are refused.
  it('refuses addresses with extra characters before or after', () => {
    assert.throws(() => parseAddress('102:00:00:00:00:0b'), /found "102:00:00:00:00:0b"/);
    assert.throws(() => parseAddress('02:00:00:00:00:0b1'), /found "02:00:00:00:00:0b1"/);
    assert.throws(() => parseAddress(' 02:00:00:00:00:0b'), RangeError);
  });
});
