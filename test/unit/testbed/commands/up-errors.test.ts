// `testbed up` on ten kinds of broken topology file: each is refused with exit 2 and ONE line that names the
// file, line and column, what was expected and what was found, before anything is created (no lab
// directory, no namespace, no container).

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { mapLimit } from '../../../../src/testbed/lab/pool.ts';
import { REPO_ROOT } from '../../../../src/daemon/daemon-bundle.ts';

const base = ['name: broken', 'nodes:', '  a: {}', '  b: {}', 'links:', '  - [a, b]'];

const cases: { what: string; lines: string[]; at: string; says: RegExp }[] = [
  { what: 'an unknown key', lines: [...base, 'nodez: {}'], at: '7:1', says: /found unknown key "nodez"/ },
  {
    what: 'a link to a missing node',
    lines: ['name: broken', 'nodes: { a: {}, b: {} }', 'links:', '  - [a, x]'],
    at: '4:9',
    says: /expected the name of a node in this topology, found "x"/,
  },
  {
    what: 'a duplicate node',
    lines: ['name: broken', 'nodes:', '  a: {}', '  a: {}'],
    at: '4:3',
    says: /found "a" again/,
  },
  {
    what: 'a bad duration',
    lines: ['name: broken', 'nodes: { a: {}, b: {} }', 'links:', '  - { ends: [a, b], delay: 2 ms }'],
    at: '4:28',
    says: /expected a duration like 500us.*found "2 ms"/,
  },
  {
    what: 'a bad percentage',
    lines: [
      'name: broken',
      'defaults:',
      '  link: { loss: 101% }',
      'nodes: { a: {}, b: {} }',
      'links: [[a, b]]',
    ],
    at: '3:17',
    says: /expected a percentage from 0% to 100%.*found "101%"/,
  },
  {
    what: 'a self-link',
    lines: ['name: broken', 'nodes: { a: {}, b: {} }', 'links:', '  - [a, a]'],
    at: '4:9',
    says: /expected a link between two different nodes/,
  },
  {
    what: 'a rate in bytes',
    lines: ['name: broken', 'nodes: { a: {}, b: {} }', 'links:', '  - { ends: [a, b], rate: 10kbps }'],
    at: '4:27',
    says: /byte units such as kbps are not accepted/,
  },
  {
    what: 'an odd vset size',
    lines: [
      'name: broken',
      'defaults:',
      '  vrr: { vsetSize: 3 }',
      'nodes: { a: {}, b: {} }',
      'links: [[a, b]]',
    ],
    at: '3:20',
    says: /expected an even integer >= 2, found 3/,
  },
  {
    what: 'a misspelt check in the scenario',
    lines: [...base, 'scenario:', '  - at: 0s', '    verify: [ring-consistant]'],
    at: '9:14',
    says: /expected a check name .* found "ring-consistant"/,
  },
  {
    what: 'a YAML syntax error',
    lines: ['name: broken', 'nodes: { a: {}, b: {}', 'links: [[a, b]]'],
    at: '',
    says: /.+/,
  },
];

describe('testbed up: broken topology files', function () {
  this.timeout(180_000); // ten CLI runs, three at a time: measured 8-24 s
  let dir = '';
  let state = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vrr-broken-'));
    state = mkdtempSync(join(tmpdir(), 'vrr-broken-state-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });

  it('refuses each of ten kinds with one line naming file:line:col, and creates nothing', async () => {
    const outcomes = await mapLimit(cases, 3, async (c, i) => {
      const file = join(dir, `broken-${i}.yaml`);
      writeFileSync(file, `${c.lines.join('\n')}\n`);
      const r = await execa(
        process.execPath,
        ['--import', 'tsx', 'src/testbed/cli.ts', 'up', file, '--runtime', 'netns'],
        { cwd: REPO_ROOT, reject: false, env: { VRR_TESTBED_DIR: state } },
      );
      return { c, file, r };
    });
    for (const { c, file, r } of outcomes) {
      const lines = String(r.stderr).trim().split('\n');
      assert.equal(r.exitCode, 2, `${c.what}: exit code (stderr: ${r.stderr})`);
      assert.equal(lines.length, 1, `${c.what}: one line, found:\n${r.stderr}`);
      const at = c.at === '' ? String.raw`\d+:\d+` : c.at.replace(':', String.raw`:`);
      assert.match(lines[0], new RegExp(`^testbed: ${file.replaceAll('.', String.raw`\.`)}:${at}: `), c.what);
      assert.match(lines[0], c.says, c.what);
      assert.equal(String(r.stdout), '', `${c.what}: nothing on stdout`);
    }
    assert.ok(
      !existsSync(join(state, 'labs')) || readdirSync(join(state, 'labs')).length === 0,
      'no lab directory',
    );
    const ns = await execa('ip', ['netns', 'list'], { reject: false });
    assert.ok(!String(ns.stdout).includes('vrrlab-broken.'), 'no namespace of the lab');
  });
});
