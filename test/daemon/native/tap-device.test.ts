// TAP devices for real, inside a namespace: a link-peer child opens the TAP and plays the host behind it
// (answers ARP, ping and UDP), the namespace's kernel talks to it through the TAP. The tests run in order.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LinkPeer } from '../../../src/testbed/bare/link-peer-client.ts';
import { ipSync as ip, netnsUnavailableReason } from '../../../src/testbed/links/netns.ts';
import { REPO_ROOT } from '../../../src/daemon/daemon-bundle.ts';
import { VethLab } from '../../../src/testbed/bare/veth-lab.ts';
import { skipForMissing } from '../../support/skip.ts';

const UDP_ECHO_CLIENT = fileURLToPath(new URL('./fixtures/udp-echo-client.ts', import.meta.url));
/** The host the child plays behind the TAP. */
const HOST = { ip: '198.18.0.2', mac: '02:00:00:00:00:a2' };

function hasPing(): boolean {
  try {
    execFileSync('ping', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('daemon/native: TAP device', function () {
  let lab: VethLab | undefined;
  let peer: LinkPeer | undefined;
  let handle = 0;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'TAP tests', reason);
    }
    lab = new VethLab('tap');
    lab.create();
    peer = await LinkPeer.start(lab.nsA);
  });

  after(async () => {
    try {
      await peer?.stop();
    } finally {
      lab?.destroy();
    }
  });

  it('sets MTU and MAC and comes up', async () => {
    const tap = await peer!.call('openTap', {
      name: 'vrr0',
      mtu: 1400,
      mac: 0x0200000000a1,
      up: true,
      respondAs: HOST,
    });
    handle = tap.handle;
    assert.equal(tap.name, 'vrr0');
    assert.equal(tap.mtu, 1400);
    assert.equal(tap.mac, 0x0200000000a1);
    const [link] = JSON.parse(ip('-n', lab!.nsA, '-j', 'link', 'show', 'vrr0')) as {
      mtu: number;
      address: string;
      flags: string[];
    }[];
    assert.equal(link.mtu, 1400);
    assert.equal(link.address, '02:00:00:00:00:a1');
    assert.ok(link.flags.includes('UP'), `flags ${link.flags.join(',')}`);
    ip('-n', lab!.nsA, 'addr', 'add', '198.18.0.1/24', 'dev', 'vrr0');
  });

  it('carries a UDP exchange both ways (kernel -> onFrames -> write -> kernel)', async () => {
    const output = execFileSync(
      'ip',
      ['netns', 'exec', lab!.nsA, process.execPath, '--import', 'tsx', UDP_ECHO_CLIENT, HOST.ip, '7'],
      { encoding: 'utf8', cwd: REPO_ROOT },
    );
    assert.match(output, /reply echo-1/);
    assert.match(output, /reply echo-3/);
    const counters = await peer!.call('counters', { handle });
    // At least one ARP request and three datagrams in, their answers out.
    assert.ok(counters.rx >= 4, `rx ${counters.rx}`);
    assert.ok(counters.tx >= 4, `tx ${counters.tx}`);
    assert.equal(counters.txDropped, 0);
  });

  it('answers ping through the TAP', function () {
    if (!hasPing()) {
      skipForMissing(
        this,
        'the ping check',
        'ping (iputils-ping) is not installed; the UDP exchange covers it',
      );
    }
    const output = execFileSync(
      'ip',
      ['netns', 'exec', lab!.nsA, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '-n', HOST.ip],
      { encoding: 'utf8' },
    );
    assert.match(output, /3 packets transmitted, 3 received/);
  });

  it('removes the device on close (it is not persistent)', async () => {
    await peer!.call('close', { handle });
    assert.throws(() => ip('-n', lab!.nsA, 'link', 'show', 'vrr0'), /does not exist/);
  });

  it('takes the name the kernel completes from a %d pattern', async () => {
    const tap = await peer!.call('openTap', { name: 'vrrt%d' });
    assert.match(tap.name, /^vrrt\d+$/);
    assert.ok(tap.ifindex > 0);
    await peer!.call('close', { handle: tap.handle });
  });
});
