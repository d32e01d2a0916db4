// A long phase's progress: a bar redrawn in place on a terminal (at most every 100 ms, always at the end), plain
// lines elsewhere only at each quarter, and one closing line with the count and the duration.

import assert from 'node:assert/strict';
import { formatBar, PhaseCounter } from '../../../../src/testbed/lab/phase-counter.ts';
import type { ProgressSink } from '../../../../src/testbed/runtime/runtime.ts';

function sinks(tty: boolean): { sink: ProgressSink; lines: string[]; live: string[] } {
  const lines: string[] = [];
  const live: string[] = [];
  const sink: ProgressSink = (line) => lines.push(line);
  if (tty) sink.live = (line) => live.push(line);
  return { sink, lines, live };
}

describe('testbed/lab/phase-counter', () => {
  it('prints a plain line at each quarter and one at the end (no terminal)', () => {
    let t = 0;
    const { sink, lines } = sinks(false);
    const c = new PhaseCounter(sink, 'vrrd nodes up', 100, () => t);
    for (let i = 0; i < 100; i++) c.tick();
    t = 2500;
    c.end();
    c.end();
    assert.deepEqual(lines, [
      '  vrrd nodes up 25/100',
      '  vrrd nodes up 50/100',
      '  vrrd nodes up 75/100',
      '  vrrd nodes up 100/100 in 2.5 s',
    ]);
  });

  it('redraws a bar in place on a terminal, throttled, and always shows the last step', () => {
    let t = 1000;
    const { sink, lines, live } = sinks(true);
    const c = new PhaseCounter(sink, 'created', 4, () => t);
    c.tick(); // drawn
    c.tick(); // same instant: skipped
    t += 150;
    c.set(3);
    c.set(2); // never goes back
    c.tick(); // the last: drawn although within 100 ms
    c.end();
    assert.deepEqual(live, [
      formatBar('created', 1, 4),
      formatBar('created', 3, 4),
      formatBar('created', 4, 4),
    ]);
    assert.deepEqual(lines, ['  created 4/4 in 0.1 s']);
    assert.equal(formatBar('x', 12, 24), `  x [${'#'.repeat(12)}${'.'.repeat(12)}] 12/24`);
  });
});
