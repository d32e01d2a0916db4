// Record versions of the RVP's membership records (src/vrr/multicast/membership.ts): a u16 count that skips 0.

import assert from 'node:assert/strict';
import { nextVersion } from '../../../../src/vrr/multicast/membership.ts';

describe('multicast membership record versions', () => {
  // Pins the wrap: a version fits the u16 field of a copy, and never becomes 0 (a Seen of 0 means "none").
  it('count up to 0xffff, then wrap to 1, never 0', () => {
    assert.equal(nextVersion(0), 1);
    assert.equal(nextVersion(0xfffe), 0xffff);
    assert.equal(nextVersion(0xffff), 1);
  });
});
