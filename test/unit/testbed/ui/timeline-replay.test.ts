// Replaying a timeline: the state at any time is every event up to it applied in order (forwards and backwards
// alike); faults are read from their fields or, in older timelines, from their `did` line; and a simulator run
// recorded with --report-dir replays to the same consistent ring the run ended with, the run itself unchanged.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '../../../../src/sim/run-sim.ts';
import { loadTopology } from '../../../../src/checks/topology.ts';
import type { RawEvent } from '../../../../src/testbed/ui/event-summary.ts';
import { loadReplay, ReplayBackend } from '../../../../src/testbed/ui/replay-backend.ts';
import { SimTimelineRecorder } from '../../../../src/testbed/ui/sim-timeline.ts';
import { writeTimelineEvents } from '../../../../src/testbed/report/html-report.ts';
import { faultOf, ReplayModel, type ReplayTopology } from '../../../../src/testbed/ui/timeline-replay.ts';

const A = '02:00:00:00:00:01';
const B = '02:00:00:00:00:02';
const C = '02:00:00:00:00:03';

const topo: ReplayTopology = {
  name: 'three',
  recordedBy: 'sim',
  nodes: [
    { name: 'a', address: A, vsetSize: 2 },
    { name: 'b', address: B, vsetSize: 2 },
    { name: 'c', address: C, vsetSize: 2 },
  ],
  links: [
    { a: 'a', b: 'b' },
    { a: 'b', b: 'c' },
  ],
};

const ev = (t: number, source: string, type: string, fields: Record<string, unknown> = {}): RawEvent => ({
  t,
  source,
  type,
  ...fields,
});

const events: RawEvent[] = [
  ev(0, 'controller', 'run-start'),
  ev(50, 'controller', 'tables', { nodes: { c: { active: true, vset: [A] } } }),
  ev(100, 'a', 'vset-add', { member: B }),
  ev(100, 'a', 'active', { why: 'x' }),
  ev(200, B, 'vset-add', { member: A }), // as vrrd stamps it: by address
  ev(300, 'controller', 'fault', { action: 'link-down', did: 'link a -- b down', a: 'a', b: 'b' }),
  ev(400, 'a', 'vset-remove', { member: B, why: 'gone' }),
  ev(500, 'controller', 'fault', {
    action: 'partition',
    did: 'partition into [c]: 1 link(s) cut',
    groups: [['c']],
  }),
  ev(600, 'controller', 'fault', { action: 'crash', did: 'crash b', node: 'b' }),
  ev(700, 'controller', 'fault', { action: 'heal', did: 'heal' }),
  ev(800, 'controller', 'fault', { action: 'restart', did: 'restart b', node: 'b' }),
];

describe('testbed ui replay', () => {
  it('rebuilds the state at a time from the events up to it, forwards and backwards', () => {
    const model = new ReplayModel(topo, events);
    const at = (t: number) => model.stateAt(t);
    assert.deepEqual([...at(250).vset.get('a')!], [B]);
    assert.deepEqual([...at(250).vset.get('b')!], [A]);
    assert.deepEqual([...at(250).vset.get('c')!], [A], 'from the tables line');
    assert.equal(at(250).active.get('c'), true);
    assert.equal(at(250).active.get('a'), true);
    assert.deepEqual([...at(350).down], [0]);
    assert.deepEqual([...at(450).vset.get('a')!], []);
    assert.deepEqual([...at(550).cut], [1]);
    assert.equal(at(650).alive.get('b'), false);
    assert.deepEqual([...at(650).vset.get('b')!], [], 'a crash loses the tables');
    assert.deepEqual([...at(750).cut], [], 'heal lifts the partition');
    assert.deepEqual([...at(750).down], [0], '... and leaves a downed link down');
    assert.equal(at(850).alive.get('b'), true);
    // Back again: the same answer as the first time.
    assert.deepEqual([...at(250).vset.get('a')!], [B]);
    assert.deepEqual([...at(250).down], []);
    assert.deepEqual(
      model.faults().map((f) => f.t),
      [300, 500, 600, 700, 800],
    );
  });

  it('reads faults of older timelines from their did line', () => {
    const old = (did: string) => faultOf(ev(0, 'controller', 'fault', { action: 'x', did }));
    assert.deepEqual(old('link r1c1 -- r1c2 down'), { action: 'link-down', a: 'r1c1', b: 'r1c2' });
    assert.deepEqual(old('kill r2c2: vrrd killed (SIGKILL)'), { action: 'kill', node: 'r2c2' });
    assert.deepEqual(old('partition into [a,b] [c]: 2 link(s) cut'), {
      action: 'partition',
      groups: [['a', 'b'], ['c']],
    });
    assert.equal(old('something else'), null);
  });

  it('replays a recorded simulator run: same report as without recording, a consistent ring at the end', async function () {
    // Two simulations of partition-heal-12: about 16 s on a shared machine.
    this.timeout(90_000);
    const topology = loadTopology('topologies/partition-heal-12.yaml');
    const plain = runSimulation(topology, { seed: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'vrr-ui-replay-'));
    try {
      const recorder = new SimTimelineRecorder(topology, 5, 'topologies/partition-heal-12.yaml');
      const recorded = runSimulation(topology, { seed: 5, recorder });
      const timeline = writeTimelineEvents(dir, recorder.events);
      assert.equal(JSON.stringify(recorded), JSON.stringify(plain), 'recording changes nothing');

      const first = JSON.parse(readFileSync(timeline, 'utf8').split('\n')[0]);
      assert.equal(first.type, 'run-start');
      assert.equal(first.nodes.length, 12);
      const backend = new ReplayBackend(loadReplay(timeline));
      const topo = backend.topology();
      assert.equal(topo.mode, 'replay');
      assert.deepEqual(
        topo.marks?.map((m) => m.label.split(' ')[0]),
        ['partition', 'heal'],
      );
      const end = await backend.state();
      assert.equal(end.ring.passed, true, end.ring.problems.join('\n'));
      assert.ok(end.links.every((s) => s === 'up'));
      const cutAt = topo.marks![0].t;
      const during = await backend.state(cutAt + 1);
      assert.ok(during.links.includes('cut'));
      assert.equal(during.ring.partitions, 2);
      await assert.rejects(backend.fault(), /read-only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
