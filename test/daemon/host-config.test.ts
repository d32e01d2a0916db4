// `vrrd --host FILE`: the host file's shape, defaults under every node, each node resolved against its own
// namespace's interfaces, and errors that name the file, the node and the key, or the two nodes that collide.
// No root needed (interfaces are given, not read).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostDocument, loadHostFile, resolveHostConfig } from '../../src/daemon/host-config.ts';
import type { HostInterface } from '../../src/daemon/host-interfaces.ts';
import { formatAddress } from '../../src/vrr/address.ts';

const iface = (name: string, mac: number): HostInterface => ({
  name,
  mac,
  mtu: 1500,
  up: true,
  carrier: true,
  loopback: false,
});

/** Each namespace has eth0 (and ns-b also eth1), with MACs that tell the namespaces apart. */
const INTERFACES: Record<string, HostInterface[]> = {
  'ns-a': [iface('eth0', 0x0000000000a0)],
  'ns-b': [iface('eth0', 0x0000000000b0), iface('eth1', 0x0000000000b1)],
  '/proc/42/ns/net': [iface('eth0', 0x0000000000c0)],
};

function interfacesOf(netns: string | null): HostInterface[] {
  const found = INTERFACES[netns ?? 'host'];
  if (!found) throw new Error(`no such namespace ${netns}`);
  return found;
}

describe('daemon/host-config', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vrrd-host-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a YAML host file: defaults under every node, each node against its own namespace', async () => {
    const file = join(dir, 'hosts.yaml');
    writeFileSync(
      file,
      [
        'control: /run/vrrd/host.sock',
        'defaults: { helloMs: 250, vsetSize: 2, seed: 9, overlay: { ipv6: none } }',
        'nodes:',
        '  - { name: a, netns: ns-a, socket: /s/a.sock, log: /l/a.log }',
        '  - name: b',
        '    netns: ns-b',
        '    interfaces: [eth1]',
        '    address: 02:00:00:00:00:0b',
        '    seed: 3',
        '    overlay: { name: ov1 }',
        '  - { name: c, netns: /proc/42/ns/net, overlay: false, helloMs: 500 }',
      ].join('\n'),
    );
    const host = resolveHostConfig(await loadHostFile(file), interfacesOf, () => 1234);
    assert.equal(host.control, '/run/vrrd/host.sock');
    assert.equal(host.logLevel, 'info');
    const [a, b, c] = host.nodes;
    assert.deepEqual(
      [a.config.name, a.config.netns, a.config.socketPath, a.log],
      ['a', 'ns-a', '/s/a.sock', '/l/a.log'],
    );
    // Address from the first interface of ns-a, not of any other namespace.
    assert.equal(formatAddress(a.config.address), '02:00:00:00:00:a0');
    assert.deepEqual([a.config.helloMs, a.config.vsetSize, a.config.seed], [250, 2, 9]);
    assert.equal(a.config.overlay?.ipv6, null, 'the default overlay.ipv6 applies');
    assert.deepEqual(b.config.interfaces, ['eth1']);
    assert.equal(formatAddress(b.config.address), '02:00:00:00:00:0b');
    assert.equal(b.config.seed, 3, 'a node overrides a default');
    assert.equal(b.config.overlay?.name, 'ov1');
    assert.equal(b.config.overlay?.ipv6, null, 'overlay settings merge key by key');
    assert.equal(b.config.socketPath, '/run/vrrd/b.sock', 'the default socket follows the name');
    assert.equal(b.log, null);
    assert.equal(c.config.netns, '/proc/42/ns/net');
    assert.equal(c.config.overlay, null);
    assert.equal(c.config.helloMs, 500);
  });

  it('reads JSON too', async () => {
    const file = join(dir, 'hosts.json');
    writeFileSync(file, JSON.stringify({ nodes: [{ name: 'a', netns: 'ns-a' }], logLevel: 'debug' }));
    const host = resolveHostConfig(await loadHostFile(file), interfacesOf);
    assert.equal(host.logLevel, 'debug');
    assert.equal(host.control, null);
    assert.equal(host.nodes.length, 1);
  });

  const where = 'host file h.yaml';
  for (const [label, doc, pattern] of [
    ['a list at the top', [], /host file h.yaml: expected a map, found a list/],
    ['an unknown top key', { nodes: [{ name: 'a' }], node: [] }, /unknown key "node"/],
    ['no nodes', { control: '/x' }, /nodes: expected a non-empty list of nodes, found nothing/],
    ['an empty node list', { nodes: [] }, /nodes: expected a non-empty list/],
    [
      'a node without a name',
      { nodes: [{ netns: 'ns-a' }] },
      /nodes\[0\]: name: every hosted node needs a name/,
    ],
    [
      'a typo in a node',
      { nodes: [{ name: 'a', hellMs: 5 }] },
      /host file h.yaml: nodes\[0\] \(a\): unknown key "hellMs"/,
    ],
    [
      'a log that is not a string',
      { nodes: [{ name: 'a', log: 3 }] },
      /nodes\[0\] \(a\): log: expected a string/,
    ],
    [
      'a per-node key among the defaults',
      { defaults: { address: '02:00:00:00:00:01' }, nodes: [{ name: 'a' }] },
      /defaults.address: differs from node to node/,
    ],
    [
      'a bad default',
      { defaults: { helloMs: 'fast' }, nodes: [{ name: 'a' }] },
      /defaults: helloMs: expected a number/,
    ],
  ] as const) {
    it(`refuses ${label}, saying where`, () => {
      assert.throws(() => checkHostDocument(doc, where), pattern);
    });
  }

  for (const [label, nodes, pattern] of [
    [
      'two nodes of one name',
      [
        { name: 'a', netns: 'ns-a' },
        { name: 'a', netns: 'ns-b' },
      ],
      /nodes a and a: both use the name a/,
    ],
    [
      'two nodes on one control socket',
      [
        { name: 'a', netns: 'ns-a', socket: '/s/x.sock' },
        { name: 'b', netns: 'ns-b', socket: '/s/x.sock' },
      ],
      /nodes a and b: both use the control socket \/s\/x.sock/,
    ],
    [
      'two nodes on one log file',
      [
        { name: 'a', netns: 'ns-a', log: '/l/x.log' },
        { name: 'b', netns: 'ns-b', log: '/l/x.log' },
      ],
      /nodes a and b: both use the log file \/l\/x.log/,
    ],
    [
      'two nodes on one interface of one namespace',
      [
        { name: 'a', netns: 'ns-b', interfaces: ['eth0'], overlay: { name: 'ov-a' } },
        { name: 'b', netns: 'ns-b', interfaces: ['eth0', 'eth1'], overlay: { name: 'ov-b' } },
      ],
      /nodes a and b: both use eth0 in netns ns-b/,
    ],
    [
      'two overlays of one name in one namespace',
      [
        { name: 'a', netns: 'ns-b', interfaces: ['eth0'] },
        { name: 'b', netns: 'ns-b', interfaces: ['eth1'] },
      ],
      /nodes a and b: both use vrr0 in netns ns-b/,
    ],
    [
      'an interface the namespace lacks',
      [{ name: 'a', netns: 'ns-a', interfaces: ['eth1'] }],
      /node a: interfaces: no interface named "eth1" in netns ns-a \(found: eth0\)/,
    ],
    [
      'a namespace name with a slash',
      [{ name: 'a', netns: 'x/y' }],
      /node a: .*netns: expected a namespace name/,
    ],
  ] as const) {
    it(`refuses ${label}, naming the nodes`, () => {
      const input = checkHostDocument({ nodes }, where);
      assert.throws(() => resolveHostConfig(input, interfacesOf), pattern);
    });
  }

  it('the same interface name in two namespaces is no collision', () => {
    const input = checkHostDocument(
      {
        nodes: [
          { name: 'a', netns: 'ns-a', interfaces: ['eth0'] },
          { name: 'b', netns: 'ns-b', interfaces: ['eth0'] },
        ],
      },
      where,
    );
    assert.equal(resolveHostConfig(input, interfacesOf).nodes.length, 2);
  });
});
