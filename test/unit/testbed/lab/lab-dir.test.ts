// Paths of a lab: built only from checked names, and a lab directory is removed only when its lab.json names
// that lab (and that run, when one is given); anything else is left, saying why.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDir, labPaths, labsRoot } from '../../../../src/testbed/lab/lab-dir.ts';
import { LabNameError } from '../../../../src/testbed/lab/lab-name.ts';
import { listLabDirs, removeLabDirectory } from '../../../../src/testbed/lab/lab-state.ts';

describe('testbed/lab/lab-dir', () => {
  let root = '';
  let saved: string | undefined;

  beforeEach(() => {
    saved = process.env.VRR_TESTBED_DIR;
    root = mkdtempSync(join(tmpdir(), 'vrr-labdir-'));
    process.env.VRR_TESTBED_DIR = root;
    mkdirSync(labsRoot(), { recursive: true });
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.VRR_TESTBED_DIR;
    else process.env.VRR_TESTBED_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  });

  function labWithState(name: string, doc: unknown): string {
    const dir = join(labsRoot(), name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'lab.json'), JSON.stringify(doc));
    return dir;
  }

  it('refuses names that would be paths, where the path is built', () => {
    for (const bad of ['..', '../x', 'a/b', '.hidden', 'a.b', '', 'x'.repeat(33)]) {
      assert.throws(() => labDir(bad), LabNameError, bad);
    }
    assert.throws(() => labPaths.socket(labDir('ok'), '../n2'), /node directory: expected a node name/);
    assert.equal(labPaths.socket(labDir('ok'), 'n1'), join(labsRoot(), 'ok', 'nodes', 'n1', 'vrrd.sock'));
  });

  it("removes a directory whose lab.json names the lab and run, and leaves another run's", () => {
    const dir = labWithState('lab1', {
      version: 1,
      plan: { lab: 'lab1', runId: 'r1', nodes: [], links: [] },
    });
    const other = removeLabDirectory('lab1', 'r2');
    assert.equal(other.removed, false);
    assert.match(other.left!, /of run r1, not r2/);
    assert.ok(existsSync(dir));
    assert.deepEqual(removeLabDirectory('lab1', 'r1'), { removed: true, left: null });
    assert.ok(!existsSync(dir));
  });

  it('leaves a directory whose lab.json names another lab, or that has none', () => {
    const dir = labWithState('lab1', {
      version: 1,
      plan: { lab: 'other', runId: 'r1', nodes: [], links: [] },
    });
    assert.match(removeLabDirectory('lab1', null).left!, /expected the state of lab lab1, found lab "other"/);
    mkdirSync(join(labsRoot(), 'lab2'));
    assert.match(removeLabDirectory('lab2', null).left!, /holds no lab.json/);
    assert.ok(existsSync(dir) && existsSync(join(labsRoot(), 'lab2')));
  });

  it('refuses a lab.json whose plan holds names that are not names (they would reach ip -batch lines)', () => {
    const node = { name: 'n1', interfaces: [{ ifname: 'eth1 up\nnetns exec x sh', link: 0, peer: 'n2' }] };
    labWithState('lab1', { version: 1, plan: { lab: 'lab1', runId: 'r1', nodes: [node], links: [] } });
    assert.match(
      removeLabDirectory('lab1', null).left!,
      /expected an interface name like eth1, found "eth1 up\\nnetns/,
    );
  });

  it('leaves a symlink in labs/ (and what it points at) alone', () => {
    const victim = join(root, 'victim');
    labWithState('real', { version: 1, plan: { lab: 'real', runId: 'r1', nodes: [], links: [] } });
    mkdirSync(victim);
    writeFileSync(
      join(victim, 'lab.json'),
      JSON.stringify({ version: 1, plan: { lab: 'link', runId: 'r1', nodes: [], links: [] } }),
    );
    symlinkSync(victim, join(labsRoot(), 'link'));
    assert.match(removeLabDirectory('link', null).left!, /not a directory/);
    assert.ok(existsSync(join(victim, 'lab.json')));
    assert.deepEqual(listLabDirs(), ['real']);
  });
});
