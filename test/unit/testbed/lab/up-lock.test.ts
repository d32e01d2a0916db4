// The lock of one lab name: taken once, refused to a second taker while its owner runs, taken over when the
// owner is gone or its PID now belongs to a process that started at another time, released exactly once.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identify } from '../../../../src/testbed/lab/host-process.ts';
import { upLockFile } from '../../../../src/testbed/lab/lab-dir.ts';
import { LabBusyError, removeStaleLock, UpLock } from '../../../../src/testbed/lab/up-lock.ts';

describe('testbed/lab/up-lock', () => {
  let root = '';
  let saved: string | undefined;

  beforeEach(() => {
    saved = process.env.VRR_TESTBED_DIR;
    root = mkdtempSync(join(tmpdir(), 'vrr-lock-'));
    process.env.VRR_TESTBED_DIR = root;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.VRR_TESTBED_DIR;
    else process.env.VRR_TESTBED_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  });

  function plant(holder: unknown): void {
    mkdirSync(join(root, 'labs'), { recursive: true });
    writeFileSync(upLockFile('lab1'), JSON.stringify(holder));
  }

  it('is taken once; a second taker is told who holds it; release frees it', () => {
    const lock = UpLock.acquire('lab1');
    assert.ok(existsSync(upLockFile('lab1')));
    assert.throws(
      () => UpLock.acquire('lab1'),
      (e: Error) =>
        e instanceof LabBusyError &&
        new RegExp(`lab lab1 is being brought up by PID ${process.pid} `).test(e.message),
    );
    lock.release();
    lock.release();
    assert.ok(!existsSync(upLockFile('lab1')));
    UpLock.acquire('lab1').release();
  });

  it('takes over a lock whose owner PID runs nothing', () => {
    plant({ pid: 2 ** 22 + 12345, startTime: 1 }); // above pid_max's default range: no such process
    UpLock.acquire('lab1').release();
  });

  it('takes over a lock whose PID is now another process (another start time)', () => {
    const me = identify(process.pid)!;
    plant({ pid: me.pid, startTime: me.startTime - 1 });
    UpLock.acquire('lab1').release();
  });

  it('takes over a half-written lock', () => {
    mkdirSync(join(root, 'labs'), { recursive: true });
    writeFileSync(upLockFile('lab1'), '');
    UpLock.acquire('lab1').release();
  });

  it("down's removeStaleLock removes a dead owner's lock and keeps a live one's", () => {
    plant({ pid: 2 ** 22 + 12345, startTime: 1 });
    removeStaleLock('lab1');
    assert.ok(!existsSync(upLockFile('lab1')));
    const lock = UpLock.acquire('lab1');
    removeStaleLock('lab1');
    assert.ok(existsSync(upLockFile('lab1')));
    lock.release();
    removeStaleLock('lab1'); // none at all: nothing happens
  });

  it('locks names, never paths', () => {
    assert.throws(() => UpLock.acquire('../x'), /lab lock: expected a lab name of .*found "\.\.\/x"/);
  });
});
