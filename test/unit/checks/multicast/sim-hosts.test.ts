import assert from 'node:assert/strict';
import {
  Memberships,
  SOURCE_IDLE_MS,
  StreamSource,
  type HostNetwork,
} from '../../../../src/checks/multicast/sim-hosts.ts';
import { SimClock } from '../../../../src/sim/sim-clock.ts';
import type { SimMulticast } from '../../../../src/sim/sim-node.ts';

const GROUP = 0x01005e010101;

// A node whose multicast logs every call, with the payload's first byte for sends.
function fakeNode(log: string[]): { multicast: SimMulticast } {
  return {
    multicast: {
      join: (g) => (log.push(`join ${g}`), true),
      leave: (g) => (log.push(`leave ${g}`), true),
      register: (g) => (log.push(`register ${g}`), true),
      withdraw: (g) => (log.push(`withdraw ${g}`), true),
      send: (g, p) => (log.push(`send ${p[0]}`), true),
      groups: () => ({ member: [], source: [] }),
    },
  };
}

function fakeNetwork(): {
  network: HostNetwork;
  clock: SimClock;
  log: string[];
  nodes: Map<string, object | null>;
} {
  const clock = new SimClock();
  const log: string[] = [];
  const nodes = new Map<string, object | null>([['a', fakeNode(log)]]);
  const network: HostNetwork = {
    node: (name) => (nodes.get(name) ?? null) as { multicast: SimMulticast } | null,
    now: () => clock.now(),
    clock,
  };
  return { network, clock, log, nodes };
}

describe('sim multicast hosts', () => {
  it('a fresh source registers, holds its packets while the tree forms, then sends them in order', () => {
    const { network, clock, log } = fakeNetwork();
    const source = new StreamSource(network, 'a', GROUP, 3000);
    assert.equal(source.send(Uint8Array.of(1)), true);
    clock.runUntil(1000);
    source.send(Uint8Array.of(2));
    assert.deepEqual(log, [`register ${GROUP}`]);
    clock.runUntil(3000);
    assert.deepEqual(log, [`register ${GROUP}`, 'send 1', 'send 2']);
    source.send(Uint8Array.of(3));
    assert.deepEqual(log.slice(3), ['send 3']);
  });

  it('withdraws after a quiet period, and the next packet registers again', () => {
    const { network, clock, log } = fakeNetwork();
    const source = new StreamSource(network, 'a', GROUP, 500);
    source.send(Uint8Array.of(1));
    clock.runUntil(10_000);
    source.send(Uint8Array.of(2)); // quiet from 10 s: withdrawn at 40 s, not at 30 s
    clock.runUntil(SOURCE_IDLE_MS + 5000);
    assert.ok(!log.includes(`withdraw ${GROUP}`));
    clock.runUntil(10_000 + SOURCE_IDLE_MS);
    assert.deepEqual(log, [`register ${GROUP}`, 'send 1', 'send 2', `withdraw ${GROUP}`]);
    source.send(Uint8Array.of(3));
    clock.runUntil(clock.now() + 500);
    assert.deepEqual(log.slice(4), [`register ${GROUP}`, 'send 3']);
  });

  it('a restarted source node registers afresh; a dead one sends nothing', () => {
    const { network, clock, log, nodes } = fakeNetwork();
    const source = new StreamSource(network, 'a', GROUP, 500);
    source.send(Uint8Array.of(1));
    clock.runUntil(1000);
    nodes.set('a', null);
    assert.equal(source.send(Uint8Array.of(2)), false);
    nodes.set('a', fakeNode(log));
    source.send(Uint8Array.of(3));
    clock.runUntil(2000);
    assert.deepEqual(log, [`register ${GROUP}`, 'send 1', `register ${GROUP}`, 'send 3']);
  });

  it('a node stays joined while any receiver on it wants the group', () => {
    const { network, log } = fakeNetwork();
    const m = new Memberships(network);
    m.join('a', GROUP);
    m.join('a', GROUP);
    m.leave('a', GROUP);
    assert.deepEqual(log, [`join ${GROUP}`]);
    m.leave('a', GROUP);
    assert.deepEqual(log, [`join ${GROUP}`, `leave ${GROUP}`]);
    assert.equal(new Memberships({ ...network, node: () => null }).join('a', GROUP), false);
  });
});
