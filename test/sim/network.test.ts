import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/sim/network.ts';
import { fakeFactory, FakeNode, dataFrame } from './helpers/fake-node.ts';
import {
  gridTopology,
  lineTopology,
  makeTopology,
  ringTopology,
  testAddresses,
} from './helpers/topologies.ts';
import { SimVrrNode } from '../../src/sim/node-factory.ts';
import type { Topology } from '../../src/topology/types.ts';

function build(topology: Topology, seed = 1, recordEvents = false) {
  const { factory, built } = fakeFactory();
  const network = new SimNetwork(topology, {
    seed,
    addresses: testAddresses(topology, seed),
    createNode: factory,
    recordEvents,
  });
  const node = (name: string): FakeNode => network.node(name) as FakeNode;
  return { network, built, node };
}

describe('SimNetwork', () => {
  it('numbers ports per node in link order and adds them before starting', () => {
    const { network, node } = build(lineTopology(3));
    network.start();
    assert.deepEqual(node('n1').log, ['add 0', 'start']);
    assert.deepEqual(node('n2').log, ['add 0', 'add 1', 'start']);
    assert.deepEqual(node('n3').log, ['add 0', 'start']);
  });

  it('carries broadcasts to the peer on the right port, from the sender’s address, after the link delay', () => {
    const topo = lineTopology(3, { link: { delayMs: 7 } });
    const { network, node } = build(topo);
    network.start();
    network.runUntil(5000);
    const fromN1 = node('n2').received.filter((r) => r.from === network.addressOf('n1'));
    const fromN3 = node('n2').received.filter((r) => r.from === network.addressOf('n3'));
    assert.ok(fromN1.length >= 4 && fromN3.length >= 4);
    assert.ok(fromN1.every((r) => r.port === 0));
    assert.ok(fromN3.every((r) => r.port === 1));
    // Beacons go out every 1000 ms after a random start offset; each arrives 7 ms later.
    const gaps = fromN1.slice(1).map((r, i) => r.t - fromN1[i].t);
    assert.ok(gaps.every((g) => Math.abs(g - 1000) < 1e-9));
    assert.ok(node('n1').received.every((r) => r.from === network.addressOf('n2')));
  });

  it('delivers a unicast only to the neighbour it is addressed to', () => {
    const { network, node } = build(lineTopology(2));
    network.start();
    node('n1').unicast(0, network.addressOf('n2'), dataFrame(40));
    node('n1').unicast(0, 12345, dataFrame(40));
    network.runUntil(10);
    assert.equal(node('n2').received.filter((r) => r.frame[0] === 0x11).length, 1);
    assert.equal(network.counters().framesMisaddressed, 1);
  });

  it('hands the sent bytes themselves to the receiver, uncopied (VrrEnv.send)', () => {
    const { network, node } = build(lineTopology(2));
    network.start();
    const frame = dataFrame(40);
    node('n1').unicast(0, network.addressOf('n2'), frame);
    network.runUntil(10);
    assert.equal(node('n2').received.find((r) => r.frame[0] === 0x11)!.frame, frame);
  });

  it('runs VrrNodes that never write to a frame they sent or received (what sharing the bytes relies on)', () => {
    const topology = gridTopology(3, 3);
    const frames: { frame: Uint8Array; copy: Uint8Array; how: string }[] = [];
    const network = new SimNetwork(topology, {
      seed: 3,
      addresses: testAddresses(topology, 3),
      createNode: (config, env) => {
        const node = new SimVrrNode(config, {
          ...env,
          send: (port, to, frame) => {
            frames.push({ frame, copy: frame.slice(), how: `sent by ${config.address}` });
            env.send(port, to, frame);
          },
        });
        const receive = node.receive.bind(node);
        node.receive = (port, from, frame) => {
          frames.push({ frame, copy: frame.slice(), how: `received by ${config.address}` });
          receive(port, from, frame);
        };
        return node;
      },
    });
    network.start();
    network.runUntil(20_000);
    const far = network.addressOf('r2c2');
    assert.ok((network.node('r0c0') as SimVrrNode).sendData(far, Uint8Array.of(1, 2, 3)), 'a route across');
    network.runUntil(21_000);
    assert.equal(network.counters().deliveries, 1);
    assert.ok(frames.length > 1000, `only ${frames.length} frames`);
    for (const [i, f] of frames.entries()) {
      assert.deepEqual(f.frame, f.copy, `frame ${i} (${f.how}) was changed after it was handed over`);
    }
  });

  it('counts control and data bytes sent', () => {
    const { network, node } = build(lineTopology(2));
    network.start();
    node('n1').unicast(0, network.addressOf('n2'), dataFrame(40));
    network.runUntil(3000);
    const c = network.counters();
    assert.equal(c.dataBytesSent, 40);
    assert.equal(c.dataFramesSent, 1);
    assert.equal(c.controlBytesSent, 16 * c.controlFramesSent);
    assert.ok(c.controlFramesSent >= 4);
    assert.equal(c.bytesSent, c.controlBytesSent + c.dataBytesSent);
    assert.ok(c.events > 0);
    assert.equal(c.simulatedMs, 3000);
  });

  it('takes a link down and up: both ends lose and regain the port, frames stop meanwhile', () => {
    const { network, node } = build(lineTopology(3));
    network.start();
    network.runUntil(2000);
    network.linkDown('n3', 'n2');
    assert.deepEqual(node('n2').log.slice(-1), ['remove 1']);
    assert.deepEqual(node('n3').log.slice(-1), ['remove 0']);
    assert.deepEqual(network.upLinks(), [['n1', 'n2']]);
    const before = node('n3').received.length;
    network.runUntil(6000);
    assert.equal(node('n3').received.length, before);
    network.linkUp('n2', 'n3');
    assert.deepEqual(node('n2').log.slice(-1), ['add 1']);
    network.runUntil(9000);
    assert.ok(node('n3').received.length > before);
    assert.throws(() => network.linkDown('n1', 'n3'), /there is no link between n1 and n3/);
    assert.throws(() => network.linkDown('n1', 'nope'), /no node named "nope"/);
  });

  it('partitions into groups (unnamed nodes forming one more) and heals', () => {
    const { network } = build(ringTopology(6));
    network.start();
    network.partition([['n1', 'n2']]);
    // n1-n2 stays, n3..n6 form the rest: cut are n2-n3 and n6-n1.
    assert.deepEqual(network.upLinks(), [
      ['n1', 'n2'],
      ['n3', 'n4'],
      ['n4', 'n5'],
      ['n5', 'n6'],
    ]);
    network.linkDown('n4', 'n5');
    network.heal();
    assert.equal(network.upLinks().length, 5, 'heal leaves an administratively downed link down');
    assert.throws(() => network.partition([['n1'], ['n1', 'n2']]), /n1 is in two groups/);
  });

  it('crashes a node: it stops, frames to it vanish, and its old timers never fire', () => {
    const { network, node } = build(lineTopology(2), 1, true);
    network.start();
    network.runUntil(1500);
    const old = node('n2');
    network.crash('n2');
    assert.equal(old.stopped, true);
    assert.equal(network.node('n2'), null);
    assert.equal(network.isAlive('n2'), false);
    const seen = old.received.length;
    network.runUntil(5000);
    assert.equal(old.received.length, seen);
    assert.ok(network.counters().framesToDeadNodes >= 3);
    const snap = network.snapshots().find((s) => s.name === 'n2')!;
    assert.equal(snap.alive, false);
    assert.throws(() => network.crash('n2'), /not running/);
  });

  it('ignores timers, sends and deliveries of a crashed incarnation even if it did not cancel them', () => {
    const { network, node } = build(lineTopology(2));
    network.start();
    const old = node('n2');
    network.crash('n2');
    let fired = false;
    old.env.setTimer(10, () => (fired = true));
    const sent = network.counters().framesSent;
    old.env.send(0, null, dataFrame(20));
    old.env.deliver({
      kind: 'data',
      flags: 0,
      hopLimit: 64,
      dataFlags: 0,
      nextHeader: 0,
      src: 1,
      dst: 2,
      payload: new Uint8Array(),
    });
    assert.equal(network.counters().framesSent, sent);
    network.runUntil(100);
    assert.equal(fired, false);
    assert.equal(network.counters().deliveries, 0);
  });

  it('restarts a node with the same address and a fresh, derived rng', () => {
    const { network, node, built } = build(lineTopology(2));
    network.start();
    network.runUntil(1500);
    const first = node('n1');
    network.crash('n1');
    network.restart('n1');
    const second = node('n1');
    assert.notEqual(first, second);
    assert.equal(second.address, first.address);
    assert.deepEqual(second.log, ['add 0', 'start']);
    assert.equal(built.length, 3);
    // A different stream from the first incarnation's.
    assert.notEqual(second.env.rng.u32(), first.env.rng.u32());
    network.runUntil(4000);
    assert.ok(node('n2').received.some((r) => r.t > 1500));
    assert.throws(() => network.restart('n1'), /is running; crash it first/);
  });

  it('stamps node events with time and name', () => {
    const { network } = build(lineTopology(2), 1, true);
    const seen: string[] = [];
    network.onEvent((r) => seen.push(r.node));
    network.start();
    network.runUntil(1500);
    assert.ok(network.events.length > 0);
    assert.ok(network.events.every((e) => e.t > 0 && e.t <= 1500 && (e.node === 'n1' || e.node === 'n2')));
    assert.equal(seen.length, network.events.length);
  });

  it('runs until a predicate holds, polling at the given interval', () => {
    const { network, node } = build(lineTopology(2));
    network.start();
    const at = network.runUntilTrue(() => node('n2').received.length >= 3, {
      everyMs: 100,
      deadlineMs: 10_000,
    });
    assert.ok(at !== null && at % 100 === 0);
    assert.equal(
      network.runUntilTrue(() => false, { everyMs: 300, deadlineMs: 11_000 }),
      null,
    );
    assert.equal(network.now(), 11_000);
  });

  it('is deterministic for a seed: the same frames at the same times', () => {
    const topo = ringTopology(5, { link: { delayMs: 3, jitterMs: 2, lossPct: 10 } });
    const trace = (seed: number): string => {
      const { network, node } = build(topo, seed);
      network.start();
      network.runUntil(20_000);
      return network
        .nodeNames()
        .map((n) =>
          node(n)
            .received.map((r) => `${r.t}:${r.port}:${r.from}`)
            .join(','),
        )
        .join('|');
    };
    assert.equal(trace(5), trace(5));
    assert.notEqual(trace(5), trace(6));
  });

  it('gives parallel links their own ports and rng streams', () => {
    const topo = makeTopology(
      'parallel',
      ['a', 'b'],
      [
        ['a', 'b'],
        ['a', 'b'],
      ],
    );
    const { network, node } = build(topo);
    network.start();
    assert.deepEqual(node('a').log, ['add 0', 'add 1', 'start']);
    network.linkDown('a', 'b');
    assert.deepEqual(node('b').log.slice(-2), ['remove 0', 'remove 1']);
  });

  it("holds a stalled node's timers and frames back, then runs them late in the order they came due", () => {
    const { network, node } = build(lineTopology(2, { link: { delayMs: 5 } }));
    network.start();
    network.runUntil(2500);
    const beacons = node('n1').counters().beacons;
    const heard = node('n1').received.length;
    network.stall('n1', 3000);
    assert.ok(network.isStalled('n1') && !network.isStalled('n2'));
    network.runUntil(5499);
    assert.equal(node('n1').counters().beacons, beacons, 'no timer of n1 ran during the stall');
    assert.equal(node('n1').received.length, heard, 'no frame reached n1 during the stall');
    assert.ok(
      node('n2').received.every((r) => r.t < 2500 + 5 + 1e-9 || r.t >= 5500),
      'n1 sent nothing',
    );
    network.runUntil(5500);
    assert.ok(!network.isStalled('n1'));
    const late = node('n1').received.slice(heard);
    assert.ok(late.length >= 2, 'the beacons n2 sent meanwhile arrive at the end of the stall');
    assert.ok(late.every((r) => r.t === 5500));
    assert.equal(node('n1').counters().beacons, beacons + 1, 'its overdue timer fired once, late');
    assert.ok(network.counters().eventsHeldBack >= 3);
    network.runUntil(8000);
    assert.ok(node('n1').counters().beacons >= beacons + 3, 'and it runs on time again');
    assert.throws(() => network.stall('n9', 10), /no node named "n9"/);
    assert.throws(() => network.stall('n1', -1), /duration >= 0/);
  });

  it('cancels a held-back timer through its handle, and drops what a stalled node held when it crashes', () => {
    const { network, node } = build(lineTopology(2));
    network.start();
    network.runUntil(1500);
    let fired = 0;
    const handle = node('n1').env.setTimer(100, () => fired++);
    node('n1').env.setTimer(100, () => fired++);
    network.stall('n1', 1000);
    network.runUntil(1700);
    handle.cancel();
    network.runUntil(3000);
    assert.equal(fired, 1, 'the cancelled one never fires');
    network.stall('n2', 1000);
    network.runUntil(3500);
    network.crash('n2');
    const dead = network.counters().framesToDeadNodes;
    network.runUntil(5000);
    assert.ok(network.counters().framesToDeadNodes > dead, 'frames held for n2 vanish with it');
  });

  it('refuses a topology it cannot build', () => {
    const topo = lineTopology(2);
    const { factory } = fakeFactory();
    assert.throws(
      () => new SimNetwork(topo, { seed: 1, addresses: new Map([['n1', 1]]), createNode: factory }),
      /no address was assigned to node n2/,
    );
    assert.throws(
      () =>
        new SimNetwork(makeTopology('self', ['a'], [['a', 'a']]), {
          seed: 1,
          addresses: new Map([['a', 1]]),
          createNode: factory,
        }),
      /connects a node to itself/,
    );
  });
});
