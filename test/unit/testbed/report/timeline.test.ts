import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimelineWriter, type TimelineEvent } from '../../../../src/testbed/report/timeline.ts';

const START = Date.parse('2025-01-02T03:04:05.000Z');
const iso = (ms: number): string => new Date(START + ms).toISOString();

describe('testbed report: timeline.jsonl', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (path: string): TimelineEvent[] =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TimelineEvent);

  it('merges events of several daemons and the controller in time order', () => {
    const w = new TimelineWriter(dir, { startedAtMs: START });
    w.addDaemonEvent({ t: iso(120), node: 'n1', type: 'link', neighbor: 'aa' });
    w.addDaemonEvent({ t: iso(100), node: 'n2', type: 'active', why: 'joined' });
    w.addController(110, 'link-down', { a: 'n1', b: 'n2' });
    w.addDaemonEvent({ t: iso(105), node: 'n1', type: 'vset-add', member: 'bb' });
    const summary = w.close();
    assert.equal(summary.events, 4);
    assert.equal(summary.late, 0);
    const events = read(join(dir, 'timeline.jsonl'));
    assert.deepEqual(
      events.map((e) => [e.t, e.source, e.type]),
      [
        [100, 'n2', 'active'],
        [105, 'n1', 'vset-add'],
        [110, 'controller', 'link-down'],
        [120, 'n1', 'link'],
      ],
    );
    assert.deepEqual(events[0], { t: 100, at: iso(100), source: 'n2', type: 'active', why: 'joined' });
    assert.deepEqual(Object.keys(events[2]), ['t', 'source', 'type', 'a', 'b']);
  });

  it('writes while the run runs, holding events back for the reorder window', () => {
    const w = new TimelineWriter(dir, { startedAtMs: START, reorderWindowMs: 1000 });
    w.addController(0, 'up');
    w.addController(500, 'a');
    assert.equal(readFileSync(w.path, 'utf8'), '');
    w.addController(1600, 'b'); // 0 and 500 are now more than a window behind the newest
    assert.deepEqual(
      read(w.path).map((e) => e.type),
      ['up', 'a'],
    );
    w.addController(900, 'c'); // within the window of 1600: still placed in order
    w.close();
    assert.deepEqual(
      read(w.path).map((e) => e.type),
      ['up', 'a', 'c', 'b'],
    );
  });

  it('sorts the whole file at close when an event came later than the window', () => {
    const w = new TimelineWriter(dir, { startedAtMs: START, reorderWindowMs: 100 });
    w.addController(0, 'first');
    w.addController(1000, 'second');
    w.addController(2000, 'third');
    w.addDaemonEvent({ t: iso(50), node: 'n9', type: 'slow' }); // its subscription lagged by 2 s
    const summary = w.close();
    assert.equal(summary.late, 1);
    assert.deepEqual(
      read(w.path).map((e) => e.type),
      ['first', 'slow', 'second', 'third'],
    );
  });

  it('keeps arrival order for equal times and refuses an ISO time without a start', () => {
    const w = new TimelineWriter(dir);
    w.addController(5, 'x');
    w.add({ t: 5, source: 'n1', type: 'y' });
    assert.throws(() => w.add({ t: iso(1), source: 'n1', type: 'z' }), /no startedAtMs/);
    w.close();
    assert.deepEqual(
      read(w.path).map((e) => e.type),
      ['x', 'y'],
    );
    assert.throws(() => w.addController(6, 'late'), /closed/);
  });
});
