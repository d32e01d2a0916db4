// vrrd's configuration: flags over a file, defaults from the host's interfaces, and errors that say which key,
// what was expected and what was found. No root needed.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addressFromMac,
  loadConfigFile,
  readConfigInput,
  resolveDaemonConfig,
} from '../../src/daemon/config.ts';
import type { HostInterface } from '../../src/daemon/host-interfaces.ts';
import { formatAddress } from '../../src/vrr/address.ts';

const iface = (name: string, mac: number | null, extra: Partial<HostInterface> = {}): HostInterface => ({
  name,
  mac,
  mtu: 1500,
  up: true,
  carrier: true,
  loopback: false,
  ...extra,
});

const HOST = [
  iface('lo', 0, { loopback: true }),
  iface('eth0', 0x0000aabbccdd),
  iface('eth1', 0x0000aabbccee),
  iface('eth2', 0x0000aabbccff, { up: false, carrier: false }),
];

describe('daemon/config', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vrrd-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults: every up non-loopback interface, address from the first MAC, auto overlay addresses', async () => {
    const c = resolveDaemonConfig(await readConfigInput([]), HOST, () => 1234);
    assert.deepEqual(c.interfaces, ['eth0', 'eth1']);
    assert.equal(formatAddress(c.address), '02:00:aa:bb:cc:dd');
    assert.equal(c.addressFrom, 'MAC of eth0');
    assert.deepEqual([c.vsetSize, c.helloMs, c.seed, c.seedFrom], [4, 1000, 1234, 'time']);
    assert.equal(c.socketPath, '/run/vrrd.sock');
    assert.equal(c.overlay?.name, 'vrr0');
    assert.equal(c.overlay?.ipv4?.address, '198.19.204.221'); // low 17 bits of ...:01:cc:dd
    assert.equal(c.overlay?.ipv6?.address, 'fd76:7272::200:aabb:ccdd');
    assert.deepEqual(c.mappings, { ttlMs: 300_000, refreshMs: 100_000 });
  });

  it('makes any MAC a node address: locally administered, not a group', () => {
    assert.equal(formatAddress(addressFromMac(0x0000aabbccdd)), '02:00:aa:bb:cc:dd');
    assert.equal(formatAddress(addressFromMac(0x0300aabbccdd)), '02:00:aa:bb:cc:dd');
    assert.equal(formatAddress(addressFromMac(0xc2aabbccddee)), 'c2:aa:bb:cc:dd:ee');
  });

  it('flags win over the file; --name picks the socket under /run/vrrd', async () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(
      file,
      [
        'name: alpha',
        'address: "02:00:00:00:00:0a"',
        'vsetSize: 6',
        'helloMs: 500',
        'interfaces: [eth1]',
        'overlay: { name: ov0, ipv4: 198.18.9.9/15, ipv6: none }',
        'emulation: { eth1: { delay: 2ms, loss: 1% } }',
        'dht: { ttl: 30s }',
        'seed: 42',
      ].join('\n'),
    );
    const c = resolveDaemonConfig(
      await readConfigInput(['-c', file, '--hello-ms', '200', '--emulate', 'eth1:rate=1mbit']),
      HOST,
    );
    assert.equal(c.name, 'alpha');
    assert.equal(c.socketPath, '/run/vrrd/alpha.sock');
    assert.equal(formatAddress(c.address), '02:00:00:00:00:0a');
    assert.deepEqual([c.vsetSize, c.helloMs, c.seed, c.seedFrom], [6, 200, 42, 'config']);
    assert.deepEqual(c.interfaces, ['eth1']);
    assert.deepEqual(c.overlay, {
      name: 'ov0',
      ipv4: { family: 4, address: '198.18.9.9', prefixLength: 15 },
      ipv6: null,
    });
    assert.deepEqual(c.emulation, { eth1: { delayMs: 2, lossPct: 1, rateBps: 1e6 } });
    assert.deepEqual(c.mappings, { ttlMs: 30_000, refreshMs: 10_000 });
    const json = join(dir, 'b.json');
    writeFileSync(json, JSON.stringify({ overlay: false, socket: '/tmp/x.sock' }));
    const d = resolveDaemonConfig(await readConfigInput(['--config', json]), HOST);
    assert.equal(d.overlay, null);
    assert.equal(d.socketPath, '/tmp/x.sock');
  });

  it('--key-file reads a private network key and refuses one others may read', async () => {
    const key = join(dir, 'mesh.key');
    writeFileSync(key, '00112233445566778899aabbccddeeff\n', { mode: 0o600 });
    chmodSync(key, 0o600);
    const c = resolveDaemonConfig(await readConfigInput(['--key-file', key]), HOST, () => 1);
    assert.equal(c.networkKey?.length, 16);
    assert.equal(c.keyFile, key);
    assert.equal(resolveDaemonConfig(await readConfigInput([]), HOST, () => 1).networkKey, null);
    chmodSync(key, 0o644);
    await assert.rejects(
      async () => resolveDaemonConfig(await readConfigInput(['--key-file', key]), HOST, () => 1),
      /keyFile: .*mesh\.key: expected mode 0600 or stricter \(the key is secret\), found 0644/,
    );
    const short = join(dir, 'short.key');
    writeFileSync(short, 'abcd', { mode: 0o600 });
    await assert.rejects(
      async () => resolveDaemonConfig(await readConfigInput(['--key-file', short]), HOST, () => 1),
      /keyFile: key file .*short\.key: expected a network key: at least 32 hex digits/,
    );
  });

  it('names the key, what was expected and what was found', async () => {
    const cases: [string[] | string, RegExp][] = [
      [
        ['--address', '01:00:00:00:00:01'],
        /address: expected a locally administered unicast address.*found 01:00:00:00:00:01/,
      ],
      [['--address', 'nope'], /expected a 48-bit address like 02:00:00:00:00:0b, found "nope"/],
      [['--vset-size', '3'], /vsetSize: expected an even integer >= 2, found 3/],
      [['-i', 'eth9'], /no interface named "eth9" here \(found: lo, eth0, eth1, eth2\)/],
      [['-i', 'eth0,eth0'], /eth0 is listed twice/],
      [['--ipv4', 'fd00::1/64'], /overlay.ipv4: expected an IPv4 CIDR, found fd00::1\/64/],
      [['--emulate', 'eth0:delay=5'], /emulation.eth0.delay: expected a duration like 500us/],
      [
        ['--emulate', 'eth0:delay=11s'],
        /emulation.eth0.delay: expected a duration of at most 10s, found 11s/,
      ],
      [
        ['--emulate', 'eth0:jitter=2m'],
        /emulation.eth0.jitter: expected a duration of at most 10s, found 2m/,
      ],
      [['--hello-ms', '70000'], /helloMs: expected a number of milliseconds in \[10, 60000\], found 70000/],
      [
        ['--emulate', 'eth2:delay=5ms', '-i', 'eth0'],
        /emulation.eth2: not one of the interfaces vrrd runs on \(eth0\)/,
      ],
      ['helloMs: 100\nvsetsize: 4\n', /unknown key "vsetsize"/],
      ['overlay: { ipv4: 1 }\n', /overlay.ipv4: expected a string, found number 1/],
      ['emulation: { eth0: { latency: 2ms } }\n', /unknown emulation setting "latency"/],
    ];
    for (const [input, pattern] of cases) {
      let argv: string[];
      if (typeof input === 'string') {
        const f = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
        writeFileSync(f, input);
        argv = ['-c', f];
      } else {
        argv = input;
      }
      await assert.rejects(
        async () => resolveDaemonConfig(await readConfigInput(argv), HOST),
        pattern,
        JSON.stringify(input),
      );
    }
    await assert.rejects(loadConfigFile(join(dir, 'absent.yaml')), /cannot read config file .*absent.yaml/);
    assert.throws(
      () => resolveDaemonConfig({}, [iface('lo', 0, { loopback: true })]),
      /no non-loopback interface is up/,
    );
  });
});
