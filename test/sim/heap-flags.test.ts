// The simulator's heap setting: when a process counts as having one, and the relaunch that gives it one.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { hasSemiSpaceFlag, SIM_HEAP_FLAGS } from '../../src/sim/heap-flags.ts';

describe('sim/heap-flags', () => {
  it('sees a semi-space size given on the command line or in NODE_OPTIONS, in either spelling', () => {
    assert.ok(!hasSemiSpaceFlag([], ''));
    assert.ok(!hasSemiSpaceFlag(['--max-old-space-size=4096'], '--max-old-space-size=2048'));
    assert.ok(hasSemiSpaceFlag(['--max-semi-space-size=16'], ''));
    assert.ok(hasSemiSpaceFlag([], '--inspect --max_semi_space_size=32'));
    assert.ok(hasSemiSpaceFlag([...SIM_HEAP_FLAGS], ''));
  });

  it('relaunches a script without the flag with it, passing arguments and the exit status through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrr-heap-flags-'));
    try {
      const script = join(dir, 'entry.ts');
      const module = new URL('../../src/sim/heap-flags.ts', import.meta.url).pathname;
      writeFileSync(
        script,
        `import { relaunchWithSimHeap } from ${JSON.stringify(module)};\n` +
          `relaunchWithSimHeap();\n` +
          `console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2) }));\n` +
          `process.exit(Number(process.argv[2]));\n`,
      );
      const env = { ...process.env, NODE_OPTIONS: '' };
      const r = await execa(process.execPath, ['--import', 'tsx', script, '3', 'x y'], {
        env,
        reject: false,
      });
      assert.equal(r.exitCode, 3, `exit status passed through (stderr: ${r.stderr})`);
      const seen = JSON.parse(r.stdout) as { execArgv: string[]; argv: string[] };
      assert.ok(
        seen.execArgv.includes(SIM_HEAP_FLAGS[0]),
        `relaunched with the flag: ${seen.execArgv.join(' ')}`,
      );
      assert.deepEqual(seen.argv, ['3', 'x y']);
      assert.equal(
        r.stdout.trim().split('\n').length,
        1,
        'the script body ran once, in the relaunched process',
      );

      const given = await execa(
        process.execPath,
        ['--max-semi-space-size=8', '--import', 'tsx', script, '0'],
        {
          env,
        },
      );
      const kept = JSON.parse(given.stdout) as { execArgv: string[] };
      assert.ok(!kept.execArgv.includes(SIM_HEAP_FLAGS[0]), 'a size the user gave is kept: no relaunch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
