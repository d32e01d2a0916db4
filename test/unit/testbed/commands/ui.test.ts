// `testbed ui --replay` as a user runs it: it prints one JSON line with the URL (127.0.0.1, a free port, the
// token), serves the replay behind that token, and exits 0 on SIGINT.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '../../../../src/sim/run-sim.ts';
import { loadTopology } from '../../../../src/checks/topology.ts';
import { SimTimelineRecorder } from '../../../../src/testbed/ui/sim-timeline.ts';
import { writeTimelineEvents } from '../../../../src/testbed/report/html-report.ts';

describe('testbed ui (the verb)', function () {
  this.timeout(120_000);
  let dir = '';

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the URL with its token, serves the replay behind it, and stops on SIGINT', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrr-ui-verb-'));
    const topology = loadTopology('topologies/grid-3x3.yaml');
    const recorder = new SimTimelineRecorder(topology, 42, 'topologies/grid-3x3.yaml');
    runSimulation(topology, { seed: 42, recorder });
    const timeline = writeTimelineEvents(dir, recorder.events);

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/testbed/cli.ts', 'ui', '--replay', timeline, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`testbed ui exited ${code}: ${stderr}`)));
    });
    const result = JSON.parse(line) as { ok: boolean; url: string; port: number; token: string };
    assert.equal(result.ok, true);
    assert.equal(result.url, `http://127.0.0.1:${result.port}/?token=${result.token}`);

    const base = `http://127.0.0.1:${result.port}`;
    assert.equal((await fetch(`${base}/api/topology`)).status, 403);
    const topo = (await (
      await fetch(`${base}/api/topology`, { headers: { 'x-vrr-token': result.token } })
    ).json()) as {
      mode: string;
      nodes: unknown[];
    };
    assert.equal(topo.mode, 'replay');
    assert.equal(topo.nodes.length, 9);
    assert.equal((await fetch(`${base}/`)).status, 200);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
  });
});
