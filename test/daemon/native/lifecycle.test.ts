// Process-level behaviour of the addon: close() lets the process exit, open handles keep it alive, and an
// exception thrown in onFrames is not lost (it reaches 'uncaughtException' or kills the process).

import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LinkPeer } from '../../../src/testbed/bare/link-peer-client.ts';
import { exited, spawnInNetns, waitForLine } from '../../../src/testbed/bare/netns-child.ts';
import { netnsUnavailableReason } from '../../../src/testbed/links/netns.ts';
import { VethLab } from '../../../src/testbed/bare/veth-lab.ts';
import { skipForMissing } from '../../support/skip.ts';

const CLOSE_THEN_EXIT = fileURLToPath(new URL('./fixtures/close-then-exit.ts', import.meta.url));
const THROW_IN_CALLBACK = fileURLToPath(new URL('./fixtures/throw-in-callback.ts', import.meta.url));

function collect(stream: NodeJS.ReadableStream): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return () => text;
}

/**
 * How long an exit that must come is waited for: exits measured well under a second, so 5 s only bounds a
 * hang (a process that must stay alive is given 1.5 s to die, which it must not use).
 */
const EXIT_WAIT_MS = 5000;

/** Resolves with the exit, or with 'still running' after ms. */
function exitWithin(
  child: ChildProcessWithoutNullStreams,
  ms: number,
): Promise<{ code: number | null } | 'still running'> {
  return Promise.race([
    exited(child),
    new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms)),
  ]);
}

describe('daemon/native: process lifecycle', function () {
  let lab: VethLab | undefined;
  const children: ChildProcessWithoutNullStreams[] = [];
  let sender: LinkPeer | undefined;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'lifecycle tests', reason);
    }
    lab = new VethLab('life');
    lab.create();
    sender = await LinkPeer.start(lab.nsA);
  });

  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    try {
      await sender?.stop();
    } finally {
      lab?.destroy();
    }
  });

  function start(
    script: string,
    args: string[],
  ): { child: ChildProcessWithoutNullStreams; stderr: () => string } {
    const child = spawnInNetns(lab!.nsB, script, args);
    children.push(child);
    return { child, stderr: collect(child.stderr) };
  }

  it('close() (twice) lets the process exit on its own', async () => {
    const { child, stderr } = start(CLOSE_THEN_EXIT, [lab!.ifB, 'vt-close', 'close']);
    const line = await waitForLine(child, /^closed/);
    assert.match(line, /refused=true txErrors=1/);
    const result = await exitWithin(child, EXIT_WAIT_MS);
    assert.notEqual(result, 'still running', `did not exit within 5 s of close(); stderr: ${stderr()}`);
    assert.deepEqual(result, { code: 0, signal: null });
  });

  it('unref() lets the process exit while still listening', async () => {
    const { child, stderr } = start(CLOSE_THEN_EXIT, [lab!.ifB, 'vt-unref', 'unref']);
    await waitForLine(child, /^unrefed/);
    const result = await exitWithin(child, EXIT_WAIT_MS);
    assert.notEqual(result, 'still running', `did not exit within 5 s of unref(); stderr: ${stderr()}`);
    assert.equal((result as { code: number }).code, 0);
  });

  it('an open, listening handle keeps the process alive (so the exits above are due to close/unref)', async () => {
    const { child } = start(CLOSE_THEN_EXIT, [lab!.ifB, 'vt-keep', 'keep']);
    await waitForLine(child, /^kept/);
    assert.equal(await exitWithin(child, 1500), 'still running');
    child.kill('SIGKILL');
    await exited(child);
  });

  async function sendOneFrameTo(mac: number): Promise<void> {
    const sock = await sender!.call('openPacket', { ifname: lab!.ifA, etherType: 0x88b5 });
    await sender!.call('burst', { handle: sock.handle, dst: mac, count: 1, size: 8 });
    await sender!.call('close', { handle: sock.handle });
  }

  it('an exception thrown in onFrames kills the process when nothing handles it', async () => {
    const { child, stderr } = start(THROW_IN_CALLBACK, [lab!.ifB, 'unhandled']);
    const ready = await waitForLine(child, /^ready mac=/);
    await sendOneFrameTo(Number(ready.split('=')[1]));
    const result = await exitWithin(child, EXIT_WAIT_MS);
    assert.notEqual(result, 'still running', 'the process survived an exception thrown in onFrames');
    assert.notEqual((result as { code: number }).code, 0);
    assert.match(stderr(), /boom from onFrames \(1 frame\(s\)\)/);
  });

  it("an exception thrown in onFrames reaches process 'uncaughtException'", async () => {
    const { child, stderr } = start(THROW_IN_CALLBACK, [lab!.ifB, 'handled']);
    const ready = await waitForLine(child, /^ready mac=/);
    const caught = waitForLine(child, /^caught: /);
    await sendOneFrameTo(Number(ready.split('=')[1]));
    assert.match(await caught, /^caught: boom from onFrames \(1 frame\(s\)\)$/);
    // The handler closed the socket: the process then exits normally.
    const result = await exitWithin(child, EXIT_WAIT_MS);
    assert.deepEqual(result, { code: 0, signal: null }, `stderr: ${stderr()}`);
  });
});
