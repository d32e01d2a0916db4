// Opening links inside another network namespace, from this process, which stays where it is: packet sockets
// in two namespaces joined by a veth carry frames between them, a TAP appears in its namespace only, interface
// reads (state, carrier, names, addresses) see the namespace asked for, the test thread's own namespace is the
// same after every call (errors included), and errors name the namespace and the interface.

import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import {
  InterfaceQuery,
  interfaceAddresses,
  listInterfaceNames,
  openPacketSocket,
  openTap,
  netnsPath,
  netnsCommandPrefix,
  type ReceivedFrame,
} from '../../../src/daemon/native/index.ts';
import { ipSync as ip, netnsUnavailableReason } from '../../../src/testbed/links/netns.ts';
import { VethLab } from '../../../src/testbed/bare/veth-lab.ts';
import { skipForMissing } from '../../support/skip.ts';

const VRR = 0x88b5;

/** The namespace this thread is in (an inode such as net:[4026531840]). */
function ownNetns(): string {
  return readlinkSync('/proc/thread-self/ns/net');
}

describe('daemon/native: opening links inside a network namespace', function () {
  let lab: VethLab | undefined;
  let home = '';

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'netns open tests', reason);
    lab = new VethLab('nsopen');
    lab.create();
    home = ownNetns();
  });

  afterEach(() => {
    if (lab) assert.equal(ownNetns(), home, 'the thread is back in its own namespace');
  });

  after(() => lab?.destroy());

  it('names namespaces: a name lives under /run/netns, a path is taken as it is, anything else is refused', () => {
    assert.equal(netnsPath(undefined), '');
    assert.equal(netnsPath('vrrlab-x.n1'), '/run/netns/vrrlab-x.n1');
    assert.equal(netnsPath('/proc/42/ns/net'), '/proc/42/ns/net');
    assert.throws(() => netnsPath('a/b'), /netns: expected a namespace name/);
    assert.throws(() => netnsPath('/run/netns/../x'), /without ".."/);
    assert.deepEqual(netnsCommandPrefix('n1'), ['nsenter', '--net=/run/netns/n1', '--']);
    assert.deepEqual(netnsCommandPrefix(undefined), []);
  });

  it('carries frames between packet sockets opened in two namespaces, with their own MACs and ifindexes', async () => {
    const a = openPacketSocket(lab!.ifA, VRR, { netns: lab!.nsA });
    const b = openPacketSocket(lab!.ifB, VRR, { netns: lab!.nsB });
    try {
      assert.equal(a.mac, lab!.macOf(lab!.nsA, lab!.ifA));
      assert.equal(b.mac, lab!.macOf(lab!.nsB, lab!.ifB));
      const [linkA] = JSON.parse(ip('-n', lab!.nsA, '-j', 'link', 'show', lab!.ifA)) as { ifindex: number }[];
      assert.equal(a.ifindex, linkA.ifindex, 'the ifindex is the one inside nsA');
      const got = new Promise<ReceivedFrame>((resolve) => b.onFrames((frames) => resolve(frames[0])));
      assert.equal(a.send(b.mac, Buffer.from('hello from A')), true);
      const frame = await withTimeout(got, 3000, 'frame at B');
      assert.equal(frame.src, a.mac);
      assert.equal(frame.payload.toString(), 'hello from A');
    } finally {
      a.close();
      b.close();
    }
  });

  it('creates a TAP in the namespace asked for (and not here), configured, removed on close', () => {
    const tap = openTap('vrrns0', { netns: lab!.nsA, mtu: 1300, mac: 0x0200000000c7, up: true });
    try {
      assert.equal(tap.mtu, 1300);
      assert.equal(tap.mac, 0x0200000000c7);
      const [link] = JSON.parse(ip('-n', lab!.nsA, '-j', 'link', 'show', 'vrrns0')) as {
        mtu: number;
        address: string;
        flags: string[];
      }[];
      assert.equal(link.mtu, 1300);
      assert.equal(link.address, '02:00:00:00:00:c7');
      assert.ok(link.flags.includes('UP'));
      assert.throws(() => ip('link', 'show', 'vrrns0'), /does not exist/, 'not in the test namespace');
      assert.throws(() => ip('-n', lab!.nsB, 'link', 'show', 'vrrns0'), /does not exist/, 'not in nsB');
    } finally {
      tap.close();
    }
    assert.throws(() => ip('-n', lab!.nsA, 'link', 'show', 'vrrns0'), /does not exist/, 'gone with the fd');
  });

  it('reads interface state, carrier, names and addresses inside the namespace', () => {
    const query = new InterfaceQuery(lab!.nsA);
    try {
      const up = query.read(lab!.ifA)!;
      assert.equal(up.mac, lab!.macOf(lab!.nsA, lab!.ifA));
      assert.deepEqual([up.up, up.running, up.loopback], [true, true, false]);
      assert.equal(query.read('nosuch0'), null);
      assert.equal(query.read('lo')!.loopback, true);
      // The peer end down: A is still up but no longer running (no carrier), read through the same socket.
      ip('-n', lab!.nsB, 'link', 'set', lab!.ifB, 'down');
      const down = query.read(lab!.ifA)!;
      assert.deepEqual([down.up, down.running], [true, false]);
      ip('-n', lab!.nsB, 'link', 'set', lab!.ifB, 'up');
      assert.equal(query.read(lab!.ifA)!.running, true);
    } finally {
      query.close();
    }
    assert.deepEqual(listInterfaceNames(lab!.nsA), [lab!.ifA, 'lo'].sort());
    ip('-n', lab!.nsA, 'addr', 'add', '198.18.9.1/24', 'dev', lab!.ifA);
    const addresses = interfaceAddresses(lab!.nsA, lab!.ifA);
    assert.deepEqual(
      addresses.filter((a) => a.family === 4),
      [{ family: 4, address: '198.18.9.1', prefixLength: 24 }],
    );
    assert.deepEqual(interfaceAddresses(lab!.nsB, lab!.ifA), [], 'nsB has no such interface');
  });

  it('says which namespace and which interface when an open fails, and comes back home', () => {
    assert.throws(
      () => openPacketSocket('nosuch0', VRR, { netns: lab!.nsA }),
      (e: Error & { code?: string }) =>
        e.message.includes(`openPacketSocket(nosuch0 in netns /run/netns/${lab!.nsA})`) &&
        e.message.includes('SIOCGIFINDEX') &&
        e.code === 'ENODEV',
    );
    assert.throws(
      () => openPacketSocket(lab!.ifA, VRR, { netns: 'vrrt-no-such-namespace' }),
      (e: Error & { code?: string }) =>
        e.message.includes('openPacketSocket(va0 in netns /run/netns/vrrt-no-such-namespace)') &&
        e.message.includes('open(/run/netns/vrrt-no-such-namespace)') &&
        e.code === 'ENOENT',
    );
    // A file that is not a network namespace: setns refuses it.
    assert.throws(
      () => openTap('vrrns1', { netns: '/proc/self/ns/uts' }),
      (e: Error & { code?: string }) =>
        e.message.includes('openTap(vrrns1 in netns /proc/self/ns/uts)') && e.code === 'EINVAL',
    );
  });
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
