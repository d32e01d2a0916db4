// A container cannot reach the controller's files (docker runtime, as root): each node container mounts only
// its own node directory (its control socket and its log), so root inside a node can neither write lab.json
// (from which the controller once read the commands it ran as root on the host) nor reach another node's
// control socket. Shown with `docker exec` write attempts; on the controller before the host-safety work the
// whole lab directory was mounted read-write into every container and they succeeded.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { DockerRuntime } from '../../src/testbed/runtime/docker.ts';
import { nodeResourceName } from '../../src/testbed/runtime/runtime.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { labName, privateStateRoot } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

/** Runs a shell line as root inside a node's container; never throws on the exit code. */
async function inContainer(
  lab: string,
  node: string,
  script: string,
): Promise<{ exitCode: number; out: string }> {
  const r = await execa('docker', ['exec', nodeResourceName(lab, node), 'sh', '-c', script], {
    reject: false,
  });
  return { exitCode: r.exitCode ?? -1, out: `${String(r.stdout)}${String(r.stderr)}` };
}

describe('host safety: docker labs', function () {
  this.timeout(900_000);
  const runtime = new DockerRuntime();
  const lab = labName('mounts');
  let root = '';
  let up: UpResult | null = null;

  before(async function () {
    const reason = (await runtime.unavailableReason()) ?? (process.getuid?.() !== 0 ? 'not root' : null);
    if (reason !== null) skipForMissing(this, 'docker host-safety tests', reason);
    root = privateStateRoot();
    await runtime.prepare(() => {});
    up = await upLab(loadTopology(`${REPO_ROOT}/topologies/line-3.yaml`), {
      seed: 3,
      runtime,
      lab,
      progress: () => {},
    });
  });

  after(async () => {
    if (up) await downLabs(lab, async () => [runtime]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a node sees its own control socket (the check below is not vacuous)', async () => {
    const own = await inContainer(lab, 'n1', `test -S '${up!.lab.socket('n1')}'`);
    assert.equal(own.exitCode, 0, own.out);
  });

  it('root in a node cannot see or write lab.json', async () => {
    const file = join(up!.lab.identity.dir, 'lab.json');
    const before = readFileSync(file, 'utf8');
    const seen = await inContainer(lab, 'n1', `test -e '${file}'`);
    assert.notEqual(seen.exitCode, 0, 'lab.json is visible in the node');
    // The path exists in the container only as its own directories (the parents of its mount): a write lands
    // in the container's filesystem, never in the host's lab.json.
    await inContainer(lab, 'n1', `echo '{"hijacked":true}' > '${file}'`);
    assert.equal(readFileSync(file, 'utf8'), before, "the host's lab.json is unchanged");
  });

  it("root in a node cannot reach another node's control socket or log", async () => {
    const socket = up!.lab.socket('n2');
    const log = up!.lab.logFile('n2');
    assert.ok(existsSync(socket), `n2's socket exists on the host: ${socket}`);
    for (const path of [socket, log]) {
      const seen = await inContainer(lab, 'n1', `test -e '${path}'`);
      assert.notEqual(seen.exitCode, 0, `n1 sees ${path}`);
      const write = await inContainer(lab, 'n1', `rm -f '${path}' && echo x > '${path}'`);
      assert.notEqual(write.exitCode, 0, `n1 replaced ${path}: ${write.out}`);
    }
    assert.ok(existsSync(socket), "n2's socket is still there");
    const status = await up!.lab.ctl('n2', 'status');
    assert.ok(status, "n2's vrrd still answers on it");
  });
});
