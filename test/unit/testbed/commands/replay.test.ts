// `testbed replay REPORT` as a user types it: a simulator report replays byte for byte (its report.json and its
// --json output), with the seed the report holds rather than the file's; a missing, unreadable or incomplete
// report, or one whose topology file is gone, is refused with exit 2 and one line saying what was wrong.
// Needs no root: the simulator only. (The replay of a real lab's report: test/integration/lab-docker.test.ts.)

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../../../src/daemon/daemon-bundle.ts';

/** The testbed CLI in a child process, as typed; never throws on exit codes. */
async function testbed(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, ['--import', 'tsx', 'src/testbed/cli.ts', ...args], {
    cwd: REPO_ROOT,
    reject: false,
    timeout: 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('testbed replay', function () {
  // Measured on a loaded 2-core machine: one CLI run (tsx start, a line-3 simulation) 2-3.5 s, the slowest
  // test (five refusals) 12 s; 5x.
  this.timeout(180_000);
  let dir = '';
  const file = (name: string): string => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vrr-replay-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // The file by its absolute path, as `testbed run` and `replay` name it: the steps' locations (file:line)
  // are in the report as the file was named.
  const LINE3 = resolve(REPO_ROOT, 'topologies/line-3.yaml');

  it('re-runs a simulator report byte for byte, with the seed the report holds', async () => {
    const sim = await testbed('sim', LINE3, '--seed', '9', '--report-dir', file('sim'));
    assert.equal(sim.exitCode, 0, sim.stderr);
    const report = JSON.parse(readFileSync(file('sim/report.json'), 'utf8'));
    assert.equal(report.seed, 9);
    assert.equal(report.topologyFile, LINE3);

    const replay = await testbed('replay', file('sim/report.json'), '--report-dir', file('replay'));
    assert.equal(replay.exitCode, 0, replay.stderr);
    assert.match(replay.stderr, /^replaying the sim run of \S+line-3\.yaml with seed 9 in the simulator$/m);
    assert.match(replay.stdout, /^seed 9, replay with --seed 9$/m);
    assert.match(replay.stdout, /^PASS/m);
    assert.equal(
      readFileSync(file('replay/report.json'), 'utf8'),
      readFileSync(file('sim/report.json'), 'utf8'),
      'report.json byte for byte',
    );
    assert.equal(
      readFileSync(file('replay/junit.xml'), 'utf8'),
      readFileSync(file('sim/junit.xml'), 'utf8'),
      'junit.xml byte for byte',
    );
  });

  it('--json prints the same report as sim --json with that seed', async () => {
    const [replay, sim] = await Promise.all([
      testbed('replay', file('sim/report.json'), '--json'),
      testbed('sim', LINE3, '--seed', '9', '--json'),
    ]);
    assert.equal(replay.exitCode, 0, replay.stderr);
    assert.equal(sim.exitCode, 0, sim.stderr);
    assert.equal(replay.stdout, sim.stdout);
    assert.equal(JSON.parse(replay.stdout).seed, 9);
  });

  it('a report of a file named relatively replays the same figures and verdicts (locations become absolute)', async () => {
    const sim = await testbed('sim', 'topologies/line-3.yaml', '--report-dir', file('relative'));
    assert.equal(sim.exitCode, 0, sim.stderr);
    const replay = await testbed('replay', file('relative/report.json'), '--json');
    assert.equal(replay.exitCode, 0, replay.stderr);
    const original = JSON.parse(readFileSync(file('relative/report.json'), 'utf8'));
    const again = JSON.parse(replay.stdout);
    assert.deepEqual(
      again.steps.map((s: { where: string }) => s.where),
      original.steps.map((s: { where: string }) => resolve(REPO_ROOT, s.where)),
    );
    const figures = (r: {
      passed: boolean;
      seed: number;
      convergenceMs: number;
      checks: unknown[];
      steps: { figures: unknown; passed: boolean }[];
    }) => ({
      passed: r.passed,
      seed: r.seed,
      convergenceMs: r.convergenceMs,
      checks: r.checks,
      steps: r.steps.map((s) => [s.passed, s.figures]),
    });
    assert.deepEqual(figures(again), figures(original));
  });

  const refusals: { what: string; content: string | null; says: RegExp }[] = [
    {
      what: 'a missing report',
      content: null,
      says: /expected a report\.json written by testbed run, found ENOENT/,
    },
    {
      what: 'a report that is not JSON',
      content: 'seed: 3\n',
      says: /expected a report\.json written by testbed run, found .*JSON/,
    },
    {
      what: 'a report without a seed',
      content: JSON.stringify({ topologyFile: resolve(REPO_ROOT, 'topologies/line-3.yaml') }),
      says: /expected a "seed" integer, found undefined/,
    },
    {
      what: 'a report without its topology file',
      content: JSON.stringify({ seed: 3 }),
      says: /expected a "topologyFile" path, found undefined/,
    },
    {
      what: 'a report whose topology file is gone',
      content: JSON.stringify({ seed: 3, topologyFile: '/nonexistent/gone.yaml' }),
      says: /its topology file \/nonexistent\/gone\.yaml is gone/,
    },
  ];
  it(`refuses ${refusals.map((r) => r.what).join(', ')}: exit 2, one line, nothing on stdout`, async () => {
    for (const [i, r] of refusals.entries()) {
      const path = file(`refused-${i}.json`);
      if (r.content !== null) writeFileSync(path, r.content);
      const out = await testbed('replay', path);
      assert.equal(out.exitCode, 2, `${r.what}: exit code (stderr: ${out.stderr})`);
      const lines = out.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${r.what}: one line, found:\n${out.stderr}`);
      assert.ok(lines[0].startsWith(`testbed: replay ${path}: `), `${r.what}: ${lines[0]}`);
      assert.match(lines[0], r.says, r.what);
      assert.equal(out.stdout, '', `${r.what}: nothing on stdout`);
    }
  });
});
