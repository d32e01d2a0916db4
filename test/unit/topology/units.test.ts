import assert from 'node:assert/strict';
import {
  formatDuration,
  parseDurationMs,
  parsePercent,
  parseRateBps,
  UnitError,
} from '../../../src/topology/units.ts';

function unitError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UnitError);
    return error.message;
  }
  return assert.fail('expected a UnitError');
}

describe('units', () => {
  describe('durations', () => {
    it('reads us, ms, s and m into milliseconds', () => {
      assert.equal(parseDurationMs('500us'), 0.5);
      assert.equal(parseDurationMs('2ms'), 2);
      assert.equal(parseDurationMs('1.5s'), 1500);
      assert.equal(parseDurationMs('1.1s'), 1100);
      assert.equal(parseDurationMs('1m'), 60_000);
      assert.equal(parseDurationMs('0s'), 0);
    });

    it('accepts a bare 0 and refuses other bare numbers', () => {
      assert.equal(parseDurationMs(0), 0);
      assert.equal(
        unitError(() => parseDurationMs(5)),
        'expected a duration like 500us, 2ms, 1.5s or 1m (with its unit), found 5',
      );
      assert.equal(
        unitError(() => parseDurationMs('5')),
        'expected a duration like 500us, 2ms, 1.5s or 1m, found "5"',
      );
    });

    it('refuses spaces, unknown units and negative values', () => {
      assert.equal(
        unitError(() => parseDurationMs('2 ms')),
        'expected a duration like 500us, 2ms, 1.5s or 1m, found "2 ms"',
      );
      assert.equal(
        unitError(() => parseDurationMs('1h')),
        'expected a duration like 500us, 2ms, 1.5s or 1m, found "1h"',
      );
      assert.equal(
        unitError(() => parseDurationMs('-1ms')),
        'expected a non-negative duration, found "-1ms"',
      );
    });

    it('formats milliseconds back in the largest fitting unit', () => {
      assert.equal(formatDuration(0), '0s');
      assert.equal(formatDuration(0.5), '500us');
      assert.equal(formatDuration(2), '2ms');
      assert.equal(formatDuration(1500), '1.5s');
      assert.equal(formatDuration(120_000), '2m');
    });
  });

  describe('percentages', () => {
    it('reads 0% to 100%, decimals allowed, and a bare 0', () => {
      assert.equal(parsePercent('1%'), 1);
      assert.equal(parsePercent('0.5%'), 0.5);
      assert.equal(parsePercent('100%'), 100);
      assert.equal(parsePercent('0%'), 0);
      assert.equal(parsePercent(0), 0);
    });

    it('refuses more than 100%, missing % signs and bare numbers', () => {
      const format = 'a percentage from 0% to 100%, like 0.5% or 1%';
      assert.equal(
        unitError(() => parsePercent('101%')),
        `expected ${format}, found "101%"`,
      );
      assert.equal(
        unitError(() => parsePercent('1')),
        `expected ${format}, found "1"`,
      );
      assert.equal(
        unitError(() => parsePercent(1)),
        `expected ${format} (with its unit), found 1`,
      );
      assert.equal(
        unitError(() => parsePercent('-1%')),
        `expected ${format}, found "-1%"`,
      );
    });
  });

  describe('rates', () => {
    it('reads bit, kbit, mbit and gbit (decimal prefixes, case-insensitive) into bits per second', () => {
      assert.equal(parseRateBps('800bit'), 800);
      assert.equal(parseRateBps('160kbit'), 160_000);
      assert.equal(parseRateBps('1mbit'), 1_000_000);
      assert.equal(parseRateBps('1Mbit'), 1_000_000);
      assert.equal(parseRateBps('1.5mbit'), 1_500_000);
      assert.equal(parseRateBps('1gbit'), 1_000_000_000);
    });

    it('refuses byte units with a hint, bare numbers and zero', () => {
      const format = 'a rate in bits per second like 800bit, 160kbit, 1mbit or 1gbit';
      assert.equal(
        unitError(() => parseRateBps('10kbps')),
        `expected ${format} (byte units such as kbps are not accepted), found "10kbps"`,
      );
      assert.equal(
        unitError(() => parseRateBps('1000')),
        `expected ${format}, found "1000"`,
      );
      assert.equal(
        unitError(() => parseRateBps(1000)),
        `expected ${format} (with its unit), found 1000`,
      );
      assert.equal(
        unitError(() => parseRateBps('0bit')),
        'expected a rate of at least 1bit, found "0bit"',
      );
    });
  });
});
