// The RunRecorder on partition-heal-12: recording changes nothing in the run (the report's JSON is byte for byte
// the unrecorded one's, event counts included), and the events hold what report.html draws: ring health every
// hello period with the dip the partition causes, both faults, the ping-all rounds and the multicast streams
// second by second, the eastern members' outage included.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runSimulation } from '../../../src/sim/run-sim.ts';
import { RunRecorder } from '../../../src/sim/scenario/run-recorder.ts';
import type { TimelineEvent } from '../../../src/testbed/report/timeline.ts';
import { loadTopology } from '../../../src/checks/topology.ts';
import { topologiesDir } from '../../unit/topology/topology-test-kit.ts';

describe('RunRecorder: a simulated run over time', function () {
  this.timeout(360_000);
  const topology = loadTopology(join(topologiesDir, 'partition-heal-12.yaml'));
  const plain = runSimulation(topology, { seed: 12 });
  const recorder = new RunRecorder();
  const recorded = runSimulation(topology, { seed: 12, recorder });
  const events = recorder.events;
  const ofType = (type: string): TimelineEvent[] => events.filter((e) => e.type === type);

  it('leaves the run unchanged: the same report, byte for byte', () => {
    assert.equal(JSON.stringify(recorded), JSON.stringify(plain));
  });

  it('writes events in time order, each with t, source and type first', () => {
    for (let i = 1; i < events.length; i++) assert.ok(events[i].t >= events[i - 1].t, `event ${i} goes back`);
    for (const e of events) assert.deepEqual(Object.keys(e).slice(0, 3), ['t', 'source', 'type']);
  });

  it('samples ring health every hello period, and the partition makes it dip', () => {
    const health = ofType('ring-health');
    assert.deepEqual(
      health.slice(0, 3).map((e) => e.t),
      [0, 1000, 2000],
    );
    assert.equal(health[health.length - 1].t, Math.floor(plain.figures.simulatedMs / 1000) * 1000);
    const [partition, heal] = ofType('fault');
    assert.equal(partition.action, 'partition');
    assert.equal(heal.action, 'heal');
    const during = health.filter((e) => e.t > partition.t && e.t <= heal.t);
    assert.ok(
      during.some((e) => (e.right as number) < 12),
      'no node had a wrong vset after the partition',
    );
    assert.ok(during.every((e) => e.partitions === 2));
    assert.deepEqual(
      health.filter((e) => e.t > heal.t + 5000).map((e) => e.right),
      health.filter((e) => e.t > heal.t + 5000).map(() => 12),
    );
  });

  it('keeps every ping-all round with its pairs, per step', () => {
    const rounds = ofType('ping-matrix');
    assert.deepEqual(
      rounds.map((r) => String(r.where).replace(/.*\//, '')),
      ['partition-heal-12.yaml:20', 'partition-heal-12.yaml:30', 'closing checks'],
    );
    for (const r of rounds) {
      assert.equal((r.pairs as unknown[]).length, 132);
      assert.equal((r.nodes as string[]).length, 12);
    }
  });

  it('counts each stream’s datagrams per second of sending: the east is cut off for the partition', () => {
    const [first, second] = ofType('stream-series');
    const members = first.members as Record<string, number[]>;
    const sent = first.sentPerBucket as number[];
    assert.equal(
      sent.reduce((a, b) => a + b, 0),
      1600,
    );
    const [partition, heal] = ofType('fault');
    const second0 = (t: number): number => Math.floor((t - (first.startedAt as number)) / 1000);
    for (const east of ['r1c4', 'r2c4', 'r3c3']) {
      const cut = members[east].slice(second0(partition.t) + 1, second0(heal.t) - 1);
      assert.ok(cut.length > 20 && cut.every((c) => c === 0), `${east} got datagrams during the partition`);
    }
    assert.deepEqual(members.r1c2, sent, 'r1c2, on the source’s side, got everything');
    assert.ok(
      Object.values(second.members as Record<string, number[]>).every((row) => row.some((c) => c > 0)),
    );
  });
});
