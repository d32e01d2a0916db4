// resolveConfig: defaults relative to helloMs, and the checks that refuse a bad value with an error naming the
// field, what was expected and what was found (a node must not start on a config it cannot run).

import assert from 'node:assert/strict';
import { resolveConfig, type VrrConfig } from '../../../src/vrr/config.ts';

const ADDRESS = 0x020000000001;

/** resolveConfig with the given overrides. */
const resolve = (over: Partial<VrrConfig>) => resolveConfig({ address: ADDRESS, ...over });

describe('vrr/config', () => {
  // Pins the helloMs-relative defaults and that an undefined field takes the default.
  it('derives the hello-relative defaults from helloMs', () => {
    const c = resolve({ helloMs: 400, vsetSize: undefined });
    assert.deepEqual([c.setupRetryMs, c.fastHelloMs, c.minHelloGapMs, c.vsetSize], [400, 100, 20, 4]);
  });

  // Pins each bound at its edge: the last good value is accepted, the first bad one refused.
  it('accepts the values at the edge of each range', () => {
    for (const over of [
      { vsetSize: 2 },
      { vsetSize: 32 },
      { helloMs: 0.5, fastHelloMs: 0.5, minHelloGapMs: 0.5 },
      { fastHelloMs: 1000 },
      { fastHelloMs: 100, minHelloGapMs: 100 },
      { minHelloGapMs: 0 },
      { hopLimit: 1 },
      { hopLimit: 255 },
    ]) {
      assert.doesNotThrow(() => resolve(over), JSON.stringify(over));
    }
  });

  // Pins the message of each refusal: field, expected range, value found.
  const refused: [Partial<VrrConfig>, string][] = [
    [{ vsetSize: 3 }, 'vsetSize: expected an even integer >= 2, found 3'],
    [{ vsetSize: 0 }, 'vsetSize: expected an even integer >= 2, found 0'],
    [{ vsetSize: -2 }, 'vsetSize: expected an even integer >= 2, found -2'],
    [{ vsetSize: 2.5 }, 'vsetSize: expected an even integer >= 2, found 2.5'],
    [{ vsetSize: NaN }, 'vsetSize: expected an even integer >= 2, found NaN'],
    // A numeric string (from an untyped config file) is not a number, even if it looks even.
    [{ vsetSize: '4' as unknown as number }, 'vsetSize: expected an even integer >= 2, found 4'],
    [{ helloMs: 0 }, 'helloMs: expected a positive number, found 0'],
    [{ helloMs: -5 }, 'helloMs: expected a positive number, found -5'],
    [{ helloMs: NaN }, 'helloMs: expected a positive number, found NaN'],
    [{ fastHelloMs: 0 }, 'fastHelloMs: expected a number in (0, helloMs], found 0'],
    [{ fastHelloMs: -1 }, 'fastHelloMs: expected a number in (0, helloMs], found -1'],
    [{ fastHelloMs: 1001 }, 'fastHelloMs: expected a number in (0, helloMs], found 1001'],
    [{ minHelloGapMs: -1 }, 'minHelloGapMs: expected a number in [0, fastHelloMs], found -1'],
    [
      { fastHelloMs: 100, minHelloGapMs: 101 },
      'minHelloGapMs: expected a number in [0, fastHelloMs], found 101',
    ],
    [{ minHelloGapMs: NaN }, 'minHelloGapMs: expected a number in [0, fastHelloMs], found NaN'],
    [{ hopLimit: 0 }, 'hopLimit: expected 1..255, found 0'],
    [{ hopLimit: 256 }, 'hopLimit: expected 1..255, found 256'],
  ];
  for (const [over, message] of refused) {
    it(`refuses: ${message}`, () => {
      assert.throws(() => resolve(over), { name: 'RangeError', message });
    });
  }
});
