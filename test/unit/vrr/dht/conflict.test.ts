import assert from 'node:assert/strict';
import { compareBytes, compareCopies, type Versioned } from '../../../../src/vrr/dht/index.ts';

const copy = (version: number, origin: number, value: number[], tombstone = false): Versioned => ({
  version,
  origin,
  tombstone,
  value: Uint8Array.from(value),
});

describe('conflict resolution (compareCopies)', () => {
  it('prefers the higher version, then the larger origin, then a tombstone, then the larger value', () => {
    const ordered = [
      copy(1, 9, [9]),
      copy(2, 1, [0]),
      copy(2, 1, [0, 0]), // a longer value beats its own prefix
      copy(2, 1, [1]),
      copy(2, 1, [], true),
      copy(2, 5, []),
      copy(3, 0, []),
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const c = Math.sign(compareCopies(ordered[i], ordered[j]));
        assert.equal(c, Math.sign(i - j), `copies ${i} and ${j}`);
      }
    }
  });

  it('is antisymmetric and calls only identical copies equal', () => {
    assert.equal(compareCopies(copy(4, 2, [1, 2]), copy(4, 2, [1, 2])), 0);
    assert.ok(compareCopies(copy(4, 2, [1, 3]), copy(4, 2, [1, 2])) > 0);
    assert.ok(compareCopies(copy(4, 2, [1, 2]), copy(4, 2, [1, 3])) < 0);
  });

  it('orders byte strings lexicographically', () => {
    assert.ok(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)) < 0);
    assert.ok(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9)) > 0);
    assert.equal(compareBytes(new Uint8Array(0), new Uint8Array(0)), 0);
  });
});
