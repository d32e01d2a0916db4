// The frame fuzz (src/sim/fuzz/frame-fuzz.ts) in the suite: 30,000 frames (a few seconds) against one node with the
// DHT and multicast attached, invariants and caps checked every 1,000 frames. bench/frame-fuzz.ts runs the 200,000
// frames of issue 20 and prints the figures.

import assert from 'node:assert/strict';
import { runFrameFuzz } from '../../../src/sim/fuzz/frame-fuzz.ts';

describe('frame fuzz of VrrNode.receive', function () {
  this.timeout(120_000);

  it('holds every invariant and every cap over 30,000 frames, and nothing escapes or is caught inside', () => {
    const r = runFrameFuzz({ seed: 20, frames: 30_000 });
    assert.deepEqual(r.problems, []);
    assert.equal(r.checks, 30);
    assert.ok(r.malformed > 0, 'some frames were malformed');
    // The floods reach the caps they aim at (which ones depends on the seed's phases).
    assert.ok(Object.keys(r.capsHit).length > 0, `no cap was reached: ${JSON.stringify(r.largest)}`);
  });
});
