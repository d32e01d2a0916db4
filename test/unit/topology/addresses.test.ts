import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BROADCAST, isNodeAddress, parseAddress } from '../../../src/vrr/address.ts';
import { assignAddresses, deriveAddress, type TopologyNode } from '../../../src/topology/index.ts';

function node(name: string, address: string | null = null): TopologyNode {
  return {
    name,
    address: address === null ? null : parseAddress(address),
    vrr: { vsetSize: 4, helloMs: 1000 },
  };
}

const names = (n: number): TopologyNode[] => Array.from({ length: n }, (_, i) => node(`n${i + 1}`));

describe('assignAddresses', () => {
  it('derives from SHA-256 of "seed:name", forced locally administered unicast', () => {
    const digest = createHash('sha256').update('42:a').digest();
    const expected = [(digest[0] | 0x02) & 0xfe, ...digest.subarray(1, 6)].reduce(
      (acc, b) => acc * 256 + b,
      0,
    );
    assert.equal(deriveAddress(42, 'a'), expected);
    assert.equal(assignAddresses({ nodes: [node('a')] }, 42).get('a'), expected);
  });

  it('gives every node a unique locally administered unicast address, never broadcast', () => {
    const addresses = assignAddresses({ nodes: names(5000) }, 7);
    assert.equal(addresses.size, 5000);
    assert.equal(new Set(addresses.values()).size, 5000);
    for (const address of addresses.values()) {
      assert.ok(isNodeAddress(address));
      assert.notEqual(address, BROADCAST);
    }
  });

  it('keeps pinned addresses', () => {
    const addresses = assignAddresses({ nodes: [node('a'), node('b', '02:00:00:00:00:0b')] }, 1);
    assert.equal(addresses.get('b'), parseAddress('02:00:00:00:00:0b'));
  });

  it('depends on the node name, not its position: adding or reordering nodes changes no other address', () => {
    const before = assignAddresses({ nodes: names(10) }, 99);
    const withMore = assignAddresses({ nodes: [node('new'), ...names(10).reverse(), node('zz')] }, 99);
    for (const [name, address] of before) assert.equal(withMore.get(name), address, name);
  });

  it('changes with the seed', () => {
    assert.notEqual(
      assignAddresses({ nodes: [node('a')] }, 1).get('a'),
      assignAddresses({ nodes: [node('a')] }, 2).get('a'),
    );
  });

  it('resolves a collision with a pinned address deterministically: the derived node re-derives', () => {
    const taken = deriveAddress(5, 'x');
    const pinned = node('p');
    pinned.address = taken;
    const addresses = assignAddresses({ nodes: [node('x'), pinned] }, 5);
    assert.equal(addresses.get('p'), taken);
    assert.equal(addresses.get('x'), deriveAddress(5, 'x', 1));
    assert.ok(isNodeAddress(addresses.get('x')!));
  });

  it('lists nodes in topology order', () => {
    assert.deepEqual([...assignAddresses({ nodes: [node('b'), node('a')] }, 3).keys()], ['b', 'a']);
  });
});
