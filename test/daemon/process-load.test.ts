import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ProcessLoad } from '../../src/daemon/process-load.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('daemon/process-load (how far behind a vrrd process runs)', () => {
  it('reports a blocked event loop and the collections since the last look, then starts a new window', async () => {
    const load = new ProcessLoad();
    try {
      await tick(100);
      const busyUntil = performance.now() + 300;
      while (performance.now() < busyUntil) {
        // the loop is blocked: what a host of hundreds of nodes does when a burst of frames arrives
      }
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      await tick(100); // the GC entries reach the observer asynchronously
      const first = load.sample();
      assert.ok(first.windowMs >= 450, `window ${first.windowMs} ms`);
      assert.ok(first.loopDelayMs.max >= 200, `max delay ${first.loopDelayMs.max} ms after blocking 300 ms`);
      assert.ok(first.gc.count >= 1 && first.gc.totalMs > 0, JSON.stringify(first.gc));
      await tick(100);
      const second = load.sample();
      assert.ok(second.loopDelayMs.max < 200, `a new window: ${second.loopDelayMs.max} ms`);
      assert.ok(second.windowMs < first.windowMs);
    } finally {
      load.stop();
    }
  });
});
