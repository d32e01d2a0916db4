// The `testbed sim` verb with its dependencies replaced: seed choice, output streams, exit codes.
// (It lives beside the simulator tests because the verb is the simulator's front door.)

import assert from 'node:assert/strict';
import { runSimCommand, summarize, type SimCommandDeps } from '../../src/testbed/commands/sim.ts';
import type { SimOptions, SimReport } from '../../src/sim/run-sim.ts';
import { TopologyError } from '../../src/topology/index.ts';
import { lineTopology } from './helpers/topologies.ts';

function report(passed: boolean, seed: number): SimReport {
  return {
    passed,
    seed,
    topology: 'line3',
    nodes: 3,
    links: 2,
    convergenceMs: passed ? 7000 : null,
    checks: [
      {
        name: 'ring-consistent',
        passed,
        figures: { nodes: 3 },
        ...(passed ? {} : { problems: ['n1 is not active'] }),
      },
      { name: 'ping-all', passed: true, figures: { pairs: 6, delivered: 6 } },
    ],
    figures: {
      events: 92,
      simulatedMs: 7010,
      controlBytesPerNodePerSec: 96.6,
      routesPerNode: { mean: 2.333, max: 3 },
    },
  };
}

function harness(opts: { passed?: boolean; fileSeed?: number | null; loadError?: Error } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: SimOptions[] = [];
  const deps: SimCommandDeps = {
    load: () => {
      if (opts.loadError) throw opts.loadError;
      return { ...lineTopology(3), seed: opts.fileSeed ?? null };
    },
    simulate: (_topology, options) => {
      calls.push(options);
      return report(opts.passed ?? true, options.seed);
    },
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    wallNow: () => 1_700_000_123_456,
    interactive: false,
  };
  return { deps, out, err, calls };
}

describe('testbed sim', () => {
  it('prints the seed and a summary, and exits 0 when every check passed', () => {
    const h = harness();
    assert.equal(runSimCommand('x.yaml', { seed: '1234' }, h.deps), 0);
    assert.equal(h.out[0], 'seed 1234, replay with --seed 1234');
    assert.ok(h.out.includes('ring converged in 7.0 s (simulated)'));
    assert.ok(h.out.includes('PASS ping-all: pairs 6, delivered 6'));
    assert.equal(h.out.at(-1), 'PASS');
    assert.match(h.err[0], /^wall time \d+\.\d s$/);
    assert.equal(h.calls[0].maxSimMs, 600_000);
  });

  it('takes the seed from the file, else from the time', () => {
    const fromFile = harness({ fileSeed: 42 });
    runSimCommand('x.yaml', {}, fromFile.deps);
    assert.equal(fromFile.calls[0].seed, 42);
    const fromTime = harness();
    runSimCommand('x.yaml', {}, fromTime.deps);
    const seed = fromTime.calls[0].seed;
    assert.equal(seed, 1_700_000_123_456 % 2 ** 32);
    assert.equal(fromTime.out[0], `seed ${seed}, replay with --seed ${seed}`);
  });

  it('with --json prints exactly one JSON object on stdout and the rest on stderr', () => {
    const h = harness();
    assert.equal(runSimCommand('x.yaml', { json: true, seed: '9' }, h.deps), 0);
    assert.equal(h.out.length, 1);
    assert.deepEqual(JSON.parse(h.out[0]), report(true, 9));
    assert.equal(h.err[0], 'seed 9, replay with --seed 9');
  });

  it('exits 1 when a check failed and lists its problems', () => {
    const h = harness({ passed: false });
    assert.equal(runSimCommand('x.yaml', { seed: '1' }, h.deps), 1);
    assert.ok(h.out.includes('FAIL ring-consistent: nodes 3'));
    assert.ok(h.out.includes('     n1 is not active'));
    assert.ok(h.out.includes('ring did not converge (simulated time ran out)'));
    assert.equal(h.out.at(-1), 'FAIL');
  });

  it('exits 2 on a bad option or topology, with a one-line message', () => {
    const badSeed = harness();
    assert.equal(runSimCommand('x.yaml', { seed: '-3' }, badSeed.deps), 2);
    assert.deepEqual(badSeed.err, ['error: --seed expects a non-negative integer, found "-3"']);

    const badTime = harness();
    assert.equal(runSimCommand('x.yaml', { maxSimTime: '10' }, badTime.deps), 2);
    assert.match(badTime.err[0], /^error: --max-sim-time: expected a duration like/);

    const badFile = harness({
      loadError: new TopologyError('x.yaml', 3, 5, 'links[0]', 'a node name', 'zz'),
    });
    assert.equal(runSimCommand('x.yaml', {}, badFile.deps), 2);
    assert.deepEqual(badFile.err, ['error: x.yaml:3:5: links[0]: expected a node name, found zz']);
    assert.equal(badFile.calls.length, 0);
  });

  it('passes --max-sim-time through in ms', () => {
    const h = harness();
    runSimCommand('x.yaml', { maxSimTime: '2m' }, h.deps);
    assert.equal(h.calls[0].maxSimMs, 120_000);
  });

  it('summarizes a report in a few lines', () => {
    assert.deepEqual(summarize(report(true, 1)), [
      'topology line3: 3 nodes, 2 links',
      'ring converged in 7.0 s (simulated)',
      'PASS ring-consistent: nodes 3',
      'PASS ping-all: pairs 6, delivered 6',
      '92 events, 7.0 s simulated, 96.6 control bytes/node/s, routes/node mean 2.333 max 3',
      'PASS',
    ]);
  });
});
