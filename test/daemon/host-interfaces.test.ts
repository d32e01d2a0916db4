// OperStateReader keeps an interface's operstate file open while it reads "up" (one pread per read) and opens it
// by name again after anything else, or after an error. Run here over plain files in a directory of the test's
// own (a regular file reads anew from offset 0 as a sysfs attribute does); the real sysfs files are read by the
// daemons of test/daemon/vrrd.test.ts, whose carrier test sets a link down under a running vrrd.

import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperStateReader } from '../../src/daemon/host-interfaces.ts';

describe('OperStateReader', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'operstate-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function state(ifname: string, text: string): void {
    mkdirSync(join(root, ifname), { recursive: true });
    writeFileSync(join(root, ifname, 'operstate'), text); // truncates in place: the same file, read anew
  }

  /** The fds this process has open on files under root. */
  function openFiles(): number {
    let n = 0;
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(root)) n++;
      } catch {
        // the fd readdir itself used, gone by now
      }
    }
    return n;
  }

  it('reads the state anew each time, keeping the file open only while it reads "up"', () => {
    const reader = new OperStateReader(root);
    state('e0', 'up\n');
    assert.equal(reader.read('e0'), 'up');
    assert.equal(openFiles(), 1);
    assert.equal(reader.read('e0'), 'up');
    assert.equal(openFiles(), 1, 'the same file, not one more');
    state('e0', 'down\n');
    assert.equal(reader.read('e0'), 'down');
    assert.equal(openFiles(), 0, 'closed: the next read opens it by name');
    state('e0', 'up\n');
    assert.equal(reader.read('e0'), 'up');
    reader.close();
    assert.equal(openFiles(), 0);
  });

  it('an interface replaced under the same name is read from the new one after anything but "up"', () => {
    const reader = new OperStateReader(root);
    state('e0', 'up\n');
    assert.equal(reader.read('e0'), 'up');
    renameSync(join(root, 'e0'), join(root, 'old'));
    state('e0', 'lowerlayerdown\n');
    writeFileSync(join(root, 'old', 'operstate'), 'unknown\n');
    assert.equal(reader.read('e0'), 'unknown', 'the open file is the old interface: not "up", so...');
    assert.equal(reader.read('e0'), 'lowerlayerdown', '...the next read opens the new one');
    reader.close();
  });

  it('reads null for an interface that does not exist, and keeps nothing open', () => {
    const reader = new OperStateReader(root);
    assert.equal(reader.read('absent'), null);
    assert.equal(openFiles(), 0);
  });
});
