import assert from 'node:assert/strict';
import { SimVrrNode } from '../../src/sim/node-factory.ts';
import { Dht } from '../../src/vrr/dht/index.ts';
import { Multicast } from '../../src/vrr/multicast/index.ts';
import { convergedNetwork } from './helpers/converged.ts';
import { lineTopology } from './helpers/topologies.ts';

describe('the simulator node factory', function () {
  it('builds VrrNodes carrying a DHT and multicast, and a restarted node gets fresh ones', () => {
    const network = convergedNetwork(lineTopology(3), 5);
    for (const name of network.nodeNames()) {
      const node = network.node(name)!;
      assert.ok(node instanceof SimVrrNode);
      assert.ok(node.dht instanceof Dht);
      assert.ok(node.multicast instanceof Multicast);
    }
    const before = network.node('n2')!;
    network.crash('n2');
    network.restart('n2');
    const after = network.node('n2')!;
    assert.notEqual(after.dht, before.dht);
    assert.notEqual(after.multicast, before.multicast);
  });
});
