// Argument checks of the typed wrapper (no root, no namespace needed) and the addon being built at all.

import assert from 'node:assert/strict';
import { nativeBinding } from '../../../src/daemon/native/binding.ts';
import { openPacketSocket, openTap } from '../../../src/daemon/native/index.ts';

describe('daemon/native: wrapper', () => {
  it('was built by npm install (npm run build:native) and loads', () => {
    const binding = nativeBinding();
    assert.equal(typeof binding.openTap, 'function');
    assert.equal(typeof binding.openPacketSocket, 'function');
  });

  it('rejects interface names Linux would not take, before touching the kernel', () => {
    for (const name of ['', 'sixteen-chars-xx', 'a/b', 'has space', 'a:b']) {
      assert.throws(() => openTap(name), /openTap: expected an interface name of 1-15 bytes/);
      assert.throws(
        () => openPacketSocket(name),
        /openPacketSocket: expected an interface name of 1-15 bytes/,
      );
    }
  });

  it('rejects out-of-range options, saying what was expected and what was found', () => {
    assert.throws(
      () => openTap('vrr0', { mtu: 10 }),
      /expected mtu to be an integer in \[68, 65535\], found 10/,
    );
    assert.throws(() => openTap('vrr0', { mac: 2 ** 48 }), /expected mac to be an integer in \[0, 2\^48\)/);
    assert.throws(
      () => openTap('vrr0', { budget: 0 }),
      /expected budget to be an integer in \[1, 4096\], found 0/,
    );
    assert.throws(
      () => openPacketSocket('eth0', 0x05ff),
      /expected an EtherType in \[0x0600, 0xffff\], found 0x5ff/,
    );
    assert.throws(() => openPacketSocket('eth0', 0x88b5, { rcvBufBytes: -1 }), /rcvBufBytes/);
  });
});
