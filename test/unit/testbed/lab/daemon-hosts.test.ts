// Shared mode's pure parts: nodes sliced into one host per core (never more hosts than nodes, contiguous, every
// node once), and --daemons auto resolved by runtime.

import assert from 'node:assert/strict';
import { sliceNodes } from '../../../../src/testbed/lab/daemon-hosts.ts';
import { resolveDaemons } from '../../../../src/testbed/commands/up.ts';

describe('testbed/lab/daemon-hosts', () => {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`);

  it('slices nodes into one contiguous slice per core, every node exactly once', () => {
    assert.deepEqual(sliceNodes(names(9), 2), [names(9).slice(0, 5), names(9).slice(5)]);
    assert.deepEqual(
      sliceNodes(names(100), 4).map((s) => s.length),
      [25, 25, 25, 25],
    );
    assert.deepEqual(sliceNodes(names(2), 8), [['n0'], ['n1']], 'never more hosts than nodes');
    assert.deepEqual(sliceNodes(names(5), 1), [names(5)]);
    assert.deepEqual(sliceNodes(names(7), 3).flat(), names(7));
  });

  it('auto means shared for netns labs and per-node for containers', () => {
    assert.equal(resolveDaemons('auto', 'netns'), 'shared');
    assert.equal(resolveDaemons('auto', 'docker'), 'per-node');
    assert.equal(resolveDaemons('per-node', 'netns'), 'per-node');
    assert.equal(resolveDaemons('shared', 'netns'), 'shared');
  });
});
