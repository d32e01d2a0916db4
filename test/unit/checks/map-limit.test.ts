// mapLimit: bounded concurrency, results in item order, the first error rejects.

import assert from 'node:assert/strict';
import { mapLimit } from '../../../src/checks/map-limit.ts';

describe('mapLimit', () => {
  it('keeps at most limit calls in flight and returns results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30]);
    assert.equal(peak, 2);
  });

  it('rejects with the first error', async () => {
    await assert.rejects(
      mapLimit([1, 2, 3], 3, async (x) => {
        if (x === 2) throw new Error('two');
        return x;
      }),
      /two/,
    );
  });
});
