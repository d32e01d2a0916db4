// A lab name is a name, never a path: `up --name ../../x` and `down ../../x` are refused with exit 2 and one
// line saying what was expected, what was found and where, and the directory the name points at (with a
// lab.json in it, for `down`) is left as it was. On the code before the check, `up` wrote its lab.json into
// that directory, failed on the namespace name and removed the directory recursively; `down` removed it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../../../src/daemon/daemon-bundle.ts';

/** Runs the CLI as a user would, with the given state root; never throws on the exit code. */
async function cli(
  state: string,
  args: string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, ['--import', 'tsx', 'src/testbed/cli.ts', ...args], {
    cwd: REPO_ROOT,
    reject: false,
    timeout: 120_000,
    env: { VRR_TESTBED_DIR: state },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('testbed: lab names that would be paths', function () {
  this.timeout(540_000);
  let root = '';
  let state = '';

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'vrr-lab-name-'));
    state = join(root, 'state');
    mkdirSync(join(state, 'labs'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A directory outside the state root with a file in it (and a lab.json when asked), and its name as seen from labs/. */
  function victim(withLabJson: boolean): { dir: string; name: string; files: string[] } {
    const dir = join(root, 'victim');
    mkdirSync(dir);
    const files = [join(dir, 'precious.txt')];
    writeFileSync(files[0], 'keep me\n');
    if (withLabJson) {
      files.push(join(dir, 'lab.json'));
      writeFileSync(files[1], JSON.stringify({ version: 1, plan: { lab: 'victim', runId: 'x' } }));
    }
    return { dir, name: relative(join(state, 'labs'), dir), files };
  }

  it('up --name ../../victim: exit 2, one line naming --name, the rule and the name; the directory survives', async () => {
    const v = victim(false);
    assert.match(v.name, /^\.\.\//);
    const r = await cli(state, ['up', 'topologies/line-3.yaml', '--runtime', 'netns', '--name', v.name]);
    assert.equal(r.exitCode, 2, `exit code; stderr:\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^testbed: --name: expected a lab name of /);
    assert.ok(lines[0].includes(`found ${JSON.stringify(v.name)}`), lines[0]);
    for (const f of v.files) assert.ok(existsSync(f), `${f} survives`);
    assert.ok(!existsSync(join(v.dir, 'lab.json')), 'no lab.json was written into it');
  });

  it('down ../../victim (a directory holding a lab.json): exit 2, and the directory survives', async () => {
    const v = victim(true);
    const r = await cli(state, ['down', v.name]);
    assert.equal(r.exitCode, 2, `exit code; stderr:\n${r.stderr}`);
    assert.match(r.stderr.trim(), /^testbed: down: expected a lab name of .*found "\.\.\/\.\.\/victim"$/);
    for (const f of v.files) assert.ok(existsSync(f), `${f} survives`);
  });

  it('status, run and the fault verbs refuse such a name the same way', async () => {
    const v = victim(true);
    for (const args of [
      ['status', v.name],
      ['kill', v.name, 'n1'],
      ['run', 'topologies/line-3.yaml', '--runtime', 'netns', '--name', v.name],
    ]) {
      const r = await cli(state, args);
      assert.equal(r.exitCode, 2, `${args[0]}: exit code; stderr:\n${r.stderr}`);
      assert.match(r.stderr, /expected a lab name of /, args[0]);
    }
    for (const f of v.files) assert.ok(existsSync(f), `${f} survives`);
  });
});
