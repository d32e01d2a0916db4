// Link shaping arguments: netem's and vrrd's --emulate flag from the same LinkParams.

import assert from 'node:assert/strict';
import { emulationFlag, netemArguments, shapedBy } from '../../../../src/testbed/links/shaping.ts';
import { DEFAULT_LINK } from '../../../../src/topology/index.ts';

const none = { ...DEFAULT_LINK, delayMs: 0 };

describe('link shaping', () => {
  it('writes netem arguments for every impairment', () => {
    assert.deepEqual(
      netemArguments({
        delayMs: 10,
        jitterMs: 2,
        lossPct: 1,
        rateBps: 1_000_000,
        duplicatePct: 0.5,
        reorderPct: 3,
        corruptPct: 0.1,
      }),
      [
        'delay',
        '10ms',
        '2ms',
        'loss',
        '1%',
        'duplicate',
        '0.5%',
        'reorder',
        '3%',
        'corrupt',
        '0.1%',
        'rate',
        '1000000bit',
      ],
    );
    assert.deepEqual(netemArguments({ ...none, delayMs: 2 }), ['delay', '2ms']);
  });

  it('writes the --emulate flag vrrd parses, and nothing for an unimpaired direction', () => {
    assert.deepEqual(emulationFlag('eth1', { ...none, delayMs: 2, lossPct: 1 }), [
      '--emulate',
      'eth1:delay=2ms,jitter=0s,loss=1%,rate=unlimited,duplicate=0%,reorder=0%,corrupt=0%',
    ]);
    assert.deepEqual(emulationFlag('eth1', none), []);
  });

  it('says "none" for a direction with nothing to shape', () => {
    assert.equal(shapedBy(none, 'netem'), 'none');
    assert.equal(shapedBy(DEFAULT_LINK, 'vrrd-emulation'), 'vrrd-emulation');
  });
});
