// The node's face (src/vrr/node.ts) as drivers and extensions use it: attaching extensions (a taken option Type is
// refused, changing nothing), the services an extension gets, a bug in an extension counted instead of thrown,
// start() twice is one start, a stopped node ignores input, and the counters and table sizes it reports.

import assert from 'node:assert/strict';
import type { NodeExtension } from '../../../src/vrr/extension.ts';
import { MCAST_OPTION_CODECS } from '../../../src/vrr/wire/options/mcast-codecs.ts';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import { DataFlag, DhtOptionType, DhtStatus, OptionType } from '../../../src/vrr/wire/types.ts';
import { EXTENSION_QUEUE_LIMIT, MAX_IN_FLIGHT } from '../../../src/vrr/reliable.ts';
import { Dht } from '../../../src/vrr/dht/index.ts';
import { TestNet } from './harness.ts';

const A = 0x020000000010;
const B = 0x020000000020;
const C = 0x020000000030;
const FAR = 0x020000000090;

function line(): TestNet {
  const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
  net.run(20_000);
  return net;
}

function probe(types: number[], sizes: Record<string, number> = {}): NodeExtension & { stopped: number } {
  return {
    stopped: 0,
    optionTypes: types,
    optionCodecs: [],
    onOption: () => {},
    tableSizes: () => sizes,
    onStop() {
      this.stopped++;
    },
  };
}

describe('vrr/node: the driver and extension interface', () => {
  it('refuses a second extension for a taken option Type, or a codec of a Type it does not handle, changing nothing', () => {
    const net = line();
    const b = net.nodes[1];
    b.attach(probe([0x7e], { probeOne: 1 }));
    assert.throws(
      () => b.attach(probe([0x7d, 0x7e], { probeTwo: 2 })),
      /option Type 126 already has an extension/,
    );
    const stray = { ...probe([], { probeThree: 3 }), optionCodecs: [MCAST_OPTION_CODECS[0]] };
    assert.throws(() => b.attach(stray), /is not among the extension's option Types/);
    const sizes = b.tableSizes();
    assert.equal(sizes.probeOne, 1);
    assert.equal(sizes.probeTwo, undefined, 'the refused extension is not attached');
    assert.equal(sizes.probeThree, undefined);
    b.attach(probe([0x7d], { probeFour: 4 }));
    assert.equal(b.tableSizes().probeFour, 4, '0x7d was left free by the refused one');
  });

  it("gives extensions the node's view: linked neighbours, vset, routing as data, one-hop sends", () => {
    const net = line();
    const b = net.nodes[1];
    const s = b.services;
    assert.equal(s.address, B);
    assert.equal(s.isActive(), true);
    assert.deepEqual([...s.linkedNeighbors()].sort(), [A, C]);
    assert.deepEqual(s.vsetMembers(), b.vsetMembers());
    assert.deepEqual(s.nextHop(C), { kind: 'forward', via: C, endpoint: C });
    assert.deepEqual(s.nextHop(B), { kind: 'local' });
    const opt = { type: OptionType.TEARDOWN, pathId: 1, ea: A, vset: null } as const;
    assert.equal(s.routeToward(C, opt), 'forwarded');
    assert.equal(s.routeToward(B, opt), 'local');
    assert.equal(s.routeToward(C, opt, C), 'local', 'C excluded: B is the closest left');
    assert.equal(s.sendToNeighbor(FAR, opt), false, 'no such neighbour');
    assert.equal(s.sendToNeighbor(C, opt), true);
    const a = net.nodes[0];
    assert.deepEqual([...a.services.linkedNeighbors()], [B]);
  });

  it("sheds a DHT packet behind a long queue to a neighbour, never multicast's nor the ring's own control", () => {
    const net = line();
    const b = net.nodes[1];
    b.attach(new Dht(b.services));
    const s = b.services;
    net.stall(2, 2_000); // C takes nothing for a while: B's window to it fills, then its queue
    const reply = {
      type: DhtOptionType.REPLY,
      hopCount: 0,
      hopLimit: 64,
      reqId: 1,
      target: C,
      requestHops: 0,
      status: DhtStatus.OK,
      owner: B,
      version: 1,
      ttlMs: 0,
      value: new Uint8Array(0),
    } as const;
    const teardown = { type: OptionType.TEARDOWN, pathId: 1, ea: A, vset: null } as const;
    const shed = () => b.counters()['reliable.extensionShed'] ?? 0;
    const queued = () => b.counters()['reliable.queued'] ?? 0;
    // The first MAX_IN_FLIGHT go out, the next EXTENSION_QUEUE_LIMIT wait, the rest are shed (and reported sent).
    for (let i = 0; i < MAX_IN_FLIGHT + EXTENSION_QUEUE_LIMIT + 5; i++)
      assert.equal(s.sendToNeighbor(C, reply), true);
    assert.equal(shed(), 5, 'past two windows of queue, a DHT packet is shed and counted');
    assert.equal(s.routeToward(C, reply), 'forwarded');
    assert.equal(shed(), 6, 'routed DHT packets too');
    // An option no extension that retries end to end owns (the ring's, a multicast tree's) still queues.
    const before = queued();
    assert.equal(s.sendToNeighbor(C, teardown), true);
    assert.equal(queued(), before + 1);
    assert.equal(shed(), 6);
    // Routed the same way (routeToward weighs the option it routes, not an empty list).
    assert.equal(s.routeToward(C, teardown), 'forwarded');
    assert.equal(queued(), before + 2);
    assert.equal(shed(), 6);
    // A frame mixing the two is not shed: the ring's option in it would be lost.
    assert.equal(s.sendToNeighbor(C, reply, teardown), true);
    assert.equal(queued(), before + 3);
    assert.equal(shed(), 6);
  });

  it('a bug in an extension is counted and reported, never thrown at the driver', () => {
    const net = line();
    const b = net.nodes[1];
    b.attach({
      ...probe([]),
      onGroupData: () => {
        throw new Error('extension bug');
      },
    });
    const frame = encodePacket({
      kind: 'data',
      flags: 0,
      hopLimit: 9,
      dataFlags: DataFlag.GROUP,
      nextHeader: 0,
      src: A,
      dst: 0x030000000001,
      payload: new Uint8Array([1]),
    });
    const mark = net.events.length;
    assert.doesNotThrow(() => b.receive(0, A, frame));
    assert.equal(b.counters().internalErrors, 1);
    const drops = net.events.slice(mark).filter((e) => e.node === 1 && e.event.type === 'drop');
    assert.equal(drops.length, 1);
    const d = drops[0].event;
    assert.ok(d.type === 'drop' && d.reason === 'internal-error' && /extension bug/.test(d.detail ?? ''));
  });

  it('a stopped node ignores input and tells its extensions once', () => {
    const net = line();
    const b = net.nodes[1];
    const p = b.attach(probe([]));
    b.stop();
    assert.equal(p.stopped, 1);
    const before = { ...b.counters() };
    b.receive(0, A, new Uint8Array([0x21, 0, 0])); // malformed: would be counted if read
    assert.deepEqual(b.counters(), before);
  });

  it('start() twice is one start: one hello timer', () => {
    const frames = (twice: boolean): number => {
      const net = new TestNet([A, B]).link(0, 1);
      let n = 0;
      net.tap = (from, _port, frame) => {
        if (from === 0) n++;
        return frame;
      };
      net.start();
      if (twice) net.nodes[0].start();
      net.run(10_000);
      return n;
    };
    assert.equal(frames(true), frames(false));
  });

  it('reports its routes, vset and table sizes as the views count them', () => {
    const net = line();
    for (const n of net.nodes) {
      const c = n.counters();
      assert.equal(c.routes, n.routes().length);
      assert.equal(c.vset, n.vsetMembers().length);
      assert.ok(c.framesIn > 0);
      const sizes = n.tableSizes();
      assert.equal(sizes.neighbors, n.neighbors().length);
      assert.equal(sizes.neighborsOnOnePort, 1);
      assert.equal(sizes.routes, n.routes().length);
      assert.equal(sizes.representatives, n.address === A ? 0 : 1, "the ring's one representative, A");
    }
  });

  it('takes no routed option from a sender that is not linked, and does not acknowledge it', () => {
    const net = line();
    const b = net.nodes[1];
    let acks = 0;
    net.tap = (from, _port, frame) => {
      const d = decodePacket(frame);
      if (
        from === 1 &&
        d.ok &&
        d.packet.kind === 'control' &&
        d.packet.options.some((o) => o.type === OptionType.ACK)
      )
        acks++;
      return frame;
    };
    const teardown = { type: OptionType.TEARDOWN, pathId: 9, ea: FAR, vset: null } as const;
    b.receive(0, FAR, encodePacket({ kind: 'control', flags: 0, sender: FAR, seq: 31, options: [teardown] }));
    net.run(10);
    assert.equal(b.counters()['drop.unlinkedSender'], 1);
    assert.equal(b.counters()['teardown.unknownPath'] ?? 0, 0, 'not processed');
    assert.equal(acks, 0, 'not acknowledged');
    b.receive(0, A, encodePacket({ kind: 'control', flags: 0, sender: A, seq: 32, options: [teardown] }));
    net.run(10);
    assert.equal(b.counters()['teardown.unknownPath'], 1, 'from a linked neighbour: processed');
    assert.equal(acks, 1, 'and acknowledged');
  });

  // Pins the codec check of attach: an extension bringing its own codec for a Type the node decodes already (here
  // TEARDOWN, a core option no extension handles) is refused before anything is registered, so its other codecs
  // do not stay behind and the node still decodes the Type as before.
  it('refuses a codec for a Type another codec decodes already, registering none of the extension', () => {
    const net = line();
    const b = net.nodes[1];
    const codecOf = (type: number, name: string) => ({
      type,
      name,
      length: () => 8,
      write: () => {},
      read: () => ({ type }),
    });
    const taken = {
      ...probe([0x7c, OptionType.TEARDOWN]),
      optionCodecs: [codecOf(0x7c, 'MINE'), codecOf(OptionType.TEARDOWN, 'FAKE_TEARDOWN')],
    };
    assert.throws(
      () => b.attach(taken),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message === `option Type ${OptionType.TEARDOWN} is decoded by TEARDOWN already`,
    );
    // 0x7c was left free: another extension's codec for it is taken.
    b.attach({ ...probe([0x7c]), optionCodecs: [codecOf(0x7c, 'OTHER')] });
  });

  // Pins that a routed option from a sender that is not linked is dropped also when it comes unnumbered (seq 0,
  // so there is nothing to acknowledge or refuse to acknowledge): it is counted, not handled.
  it('takes no routed option from a sender that is not linked even when it is unnumbered', () => {
    const net = line();
    const b = net.nodes[1];
    const teardown = { type: OptionType.TEARDOWN, pathId: 9, ea: FAR, vset: null } as const;
    b.receive(0, FAR, encodePacket({ kind: 'control', flags: 0, sender: FAR, seq: 0, options: [teardown] }));
    assert.equal(b.counters()['drop.unlinkedSender'], 1);
    assert.equal(b.counters()['teardown.unknownPath'] ?? 0, 0, 'not processed');
    b.receive(0, A, encodePacket({ kind: 'control', flags: 0, sender: A, seq: 0, options: [teardown] }));
    assert.equal(b.counters()['teardown.unknownPath'], 1, 'from a linked neighbour: processed');
  });

  // Pins the view extensions get of the neighbours: linked ones only. A neighbour whose link failed is still in
  // the table (failed, until forgotten) but an extension must not send to it.
  it("lists a failed neighbour among the node's neighbours, never among an extension's linked ones", () => {
    const net = line();
    const b = net.nodes[1];
    net.cut(1, 2);
    for (let i = 0; i < 100 && b.neighbors().find((n) => n.address === C)?.state === 'linked'; i++)
      net.run(100);
    assert.equal(b.neighbors().find((n) => n.address === C)?.state, 'failed');
    assert.deepEqual([...b.services.linkedNeighbors()], [A]);
  });

  // Pins the dispatch of an option no module handles here (AUTH_CHALLENGE at a node without link protection): it
  // is counted and dropped, not handed to an extension or thrown.
  it('drops and counts an option it decodes but nothing here handles', () => {
    const net = line();
    const b = net.nodes[1];
    const challenge = { type: OptionType.AUTH_CHALLENGE, challenge: 5 } as const;
    b.receive(0, A, encodePacket({ kind: 'control', flags: 0, sender: A, seq: 0, options: [challenge] }));
    assert.equal(b.counters()['drop.unexpectedOption'], 1);
    assert.equal(b.counters().internalErrors, undefined);
  });

  // Pins that every hook but onOption is optional: a minimal extension is asked for table sizes and stopped
  // without throwing.
  it('an extension with no optional hooks is fine through table sizes and stop', () => {
    const net = line();
    const b = net.nodes[1];
    b.attach({ optionTypes: [0x7a], optionCodecs: [], onOption: () => {} });
    assert.equal(b.tableSizes().routes, b.routes().length);
    assert.doesNotThrow(() => b.stop());
  });
});
