// MemoryTrimmer: its checks ride on poke() (called after every timer of the process's nodes) once TRIM_CHECK_MS
// (5 s) have passed, never before start() nor after stop(); a quiet check after traffic (or after start-up) trims.

import assert from 'node:assert/strict';
import { MemoryTrimmer } from '../../src/daemon/memory-trim.ts';

describe('MemoryTrimmer', () => {
  /** A trimmer over a fake clock and frame count; checks counts the frame-count reads (one per check). */
  function setup(): {
    trimmer: MemoryTrimmer;
    at: (ms: number) => void;
    frames: (n: number) => void;
    checks: () => number;
  } {
    let now = 1000;
    let frames = 0;
    let reads = 0;
    const trimmer = new MemoryTrimmer(
      () => {
        reads++;
        return frames;
      },
      () => now,
    );
    return {
      trimmer,
      at: (ms) => (now = 1000 + ms),
      frames: (n) => (frames = n),
      checks: () => reads,
    };
  }

  it('checks on a poke once 5 s have passed since start or the last check, and only then', () => {
    const { trimmer, at, checks } = setup();
    trimmer.start();
    try {
      at(1000);
      trimmer.poke();
      at(4999);
      trimmer.poke();
      assert.equal(checks(), 0, 'no check within 5 s of start');
      at(5000);
      trimmer.poke();
      assert.equal(checks(), 1);
      at(6000);
      trimmer.poke();
      assert.equal(checks(), 1, 'no check within 5 s of the last one');
      at(10_000);
      trimmer.poke();
      assert.equal(checks(), 2);
    } finally {
      trimmer.stop();
    }
  });

  it('a poke before start() or after stop() checks nothing', () => {
    const { trimmer, at, checks } = setup();
    at(60_000);
    trimmer.poke();
    assert.equal(checks(), 0);
    trimmer.start();
    at(70_000);
    trimmer.stop();
    trimmer.poke();
    assert.equal(checks(), 0);
  });

  it('counts a burst as traffic and trims at the first quiet check after it (no error where nothing can be trimmed)', () => {
    const { trimmer, at, frames, checks } = setup();
    trimmer.start();
    try {
      at(5000);
      frames(10);
      trimmer.poke(); // quiet: the start-up trim
      at(10_000);
      frames(50_000);
      trimmer.poke(); // busy
      at(15_000);
      trimmer.poke(); // quiet again: trims
      assert.equal(checks(), 3);
    } finally {
      trimmer.stop();
    }
  });
});
