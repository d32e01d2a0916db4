// The multicast extension's API and hooks (src/vrr/multicast/multicast.ts): what join, leave, register, withdraw and
// send answer for groups, non-groups, broadcast and repeats (a repeat sends nothing), groups() and tableSizes(),
// and a stopped extension that ignores every hook; at the edges: register with a full table, the packet send()
// builds, a stopped RVP and a check due after the stop, and the default tunables (state.ts).

import assert from 'node:assert/strict';
import { BROADCAST, type Address } from '../../../../src/vrr/address.ts';
import { DEFAULT_CONFIG } from '../../../../src/vrr/config.ts';
import { resolveMulticastOptions } from '../../../../src/vrr/multicast/state.ts';
import { DataFlag, McastOptionType } from '../../../../src/vrr/wire/types.ts';
import { G, groupPacket, netWithRvp, tellSource } from './mcast-kit.ts';
import { fillTable } from './tree-kit.ts';

const S: Address = 0x020000000001;
const M: Address = 0x020000000002;
const R: Address = 0x020000000009;
const NOT_A_GROUP: Address = 0x020000000077;

function star() {
  const net = netWithRvp([S, M], R).link(S, M).link(S, R).link(M, R);
  net.route(M, S, S).route(S, M, M);
  return net;
}

describe('multicast: API and hooks', () => {
  it('join and leave: groups only, a repeat sends nothing, leaving a group not joined is false', () => {
    const net = star();
    const m = net.mc.get(M)!;
    assert.equal(m.join(NOT_A_GROUP), false);
    assert.equal(m.join(BROADCAST), true, 'every node is a member of broadcast already');
    assert.equal(net.queue.length, 0, 'nothing sent for either');
    assert.equal(m.join(G), true);
    assert.equal(net.queue.length, 1, 'one JOIN');
    assert.equal(m.join(G), true, 'joined already');
    assert.equal(net.queue.length, 1, 'no second JOIN');
    net.flush();
    assert.deepEqual(m.groups(), { member: [G], source: [] });
    assert.equal(m.leave(G), true);
    assert.equal(net.queue[0]?.option?.type, McastOptionType.LEAVE);
    net.flush();
    assert.equal(m.leave(G), false, 'not a member any more');
    assert.equal(net.queue.length, 0);
    assert.deepEqual(m.groups(), { member: [], source: [] });
  });

  it('register, withdraw and send: only a registered group (or broadcast) can be sent to', () => {
    const net = star();
    const s = net.mc.get(S)!;
    assert.equal(s.send(G, new Uint8Array([1])), false, 'not a source of G');
    assert.equal(s.send(NOT_A_GROUP, new Uint8Array([1])), false);
    assert.equal(s.register(NOT_A_GROUP), false);
    assert.equal(s.register(BROADCAST), true);
    assert.equal(net.queue.length, 0);
    assert.equal(s.register(G), true);
    assert.equal(s.register(G), true);
    assert.equal(net.queue.length, 1, 'one REGISTER');
    net.flush();
    assert.deepEqual(s.groups(), { member: [], source: [G] });
    assert.equal(s.send(G, new Uint8Array([1])), true);
    assert.equal(s.withdraw(G), true);
    net.flush();
    assert.equal(s.withdraw(G), false, 'not a source any more');
    assert.equal(s.send(G, new Uint8Array([1])), false);
    assert.deepEqual(s.groups(), { member: [], source: [] });
  });

  it('reports its table sizes: trees, RVP records and the most parties of one group', () => {
    const net = star();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    assert.deepEqual(net.mc.get(R)!.tableSizes(), {
      mcastTrees: 0,
      mcastTreeRecords: 0,
      rvpGroups: 1,
      mcastPartiesOfOneGroup: 1,
    });
    const atS = net.mc.get(S)!.tableSizes();
    assert.equal(atS.mcastTrees, 1);
    assert.equal(atS.rvpGroups, 0);
    assert.equal(atS.mcastPartiesOfOneGroup, 1, 'S knows one member');
  });

  it('a stopped extension ignores options, data and every hook, and sends nothing', () => {
    const net = star();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const m = net.mc.get(M)!;
    m.onStop();
    let fromM = 0;
    const deliver = net.deliver.bind(net);
    net.deliver = (i = 0) => {
      if (net.queue[i].from === M) fromM++;
      deliver(i);
    };
    const before = JSON.stringify(m.table());
    net.delivered.length = 0;
    m.onGroupData(groupPacket(S, 1), S);
    m.onOption(
      {
        type: McastOptionType.SOURCES,
        hopCount: 0,
        hopLimit: 0,
        target: M,
        group: G,
        origin: R,
        sources: [R],
        members: [],
      },
      R,
    );
    m.onNeighborLost(S);
    m.onVsetChange([R], [S]);
    m.onNeighborLinked();
    net.advance(20_000);
    assert.equal(net.delivered.length, 0);
    assert.equal(JSON.stringify(m.table()), before, 'its tree is as it was');
    assert.equal(m.send(BROADCAST, new Uint8Array([1])), false);
    assert.equal(fromM, 0, 'M sent nothing, not even its refresh');
  });

  it('an option of a type it does not handle is ignored', () => {
    const net = star();
    const m = net.mc.get(M)!;
    m.onOption({ type: 0x7e } as never, S);
    net.flush();
    assert.deepEqual(m.table(), []);
  });
});

describe('multicast: API and hooks at the edges', () => {
  // register()'s table check: a source needs a row of its own tree; with the table full it is refused, not half
  // registered (no REGISTER sent, not listed as a source).
  it('register is refused with the tree table full: nothing sent, not a source', () => {
    const net = star();
    fillTable(net, S);
    const G2 = G + 2;
    assert.equal(net.mc.get(S)!.register(G2), false);
    assert.deepEqual(net.queue, []);
    assert.deepEqual(net.mc.get(S)!.groups().source, []);
  });

  // send()'s packet: a data packet of the GROUP kind from this node to the group, with the node's hop limit.
  it('send hands the tree a group data packet from this node, with the configured hop limit', () => {
    const net = star();
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    const payload = new Uint8Array([7, 8]);
    net.mc.get(S)!.send(G, payload, 17);
    assert.deepEqual(net.queue[0]?.packet, {
      kind: 'data',
      flags: 0,
      hopLimit: DEFAULT_CONFIG.hopLimit - 1,
      dataFlags: DataFlag.GROUP,
      nextHeader: 17,
      src: S,
      dst: G,
      payload,
    });
  });

  // The stopped guard of onVsetChange: an RVP that stopped replicates nothing to its new virtual neighbours.
  it('a stopped RVP replicates nothing on a vset change', () => {
    const net = star();
    net.mc.get(M)!.join(G);
    net.flush();
    assert.equal(net.mc.get(R)!.rvpRecords().length, 1);
    net.mc.get(R)!.onStop();
    net.mc.get(R)!.onVsetChange([S], []);
    assert.deepEqual(net.queue, []);
  });

  // check()'s stopped guard: a check triggered before the stop does nothing when its time comes.
  it('a check triggered just before the node stopped does nothing', () => {
    const net = star();
    net.mc.get(S)!.register(G);
    net.flush();
    net.routes.get(M)!.delete(S); // M cannot reach S: its branch goes nowhere until a check after a change
    tellSource(net, M, S);
    net.flush();
    net.route(M, S, S);
    net.mc.get(M)!.onNeighborLinked(); // the check is due settleMs later
    net.mc.get(M)!.onStop();
    net.advance(1000);
    assert.equal(net.mc.get(M)!.table()[0]?.upstream ?? null, null, 'no branch');
  });

  // Default tunables (state.ts): on broadcast unless told otherwise, and the periods scale with the hello period.
  it('the defaults: broadcast on, periods in hello periods', () => {
    assert.deepEqual(resolveMulticastOptions({}, 1000), {
      broadcast: true,
      checkMs: 5000,
      settleMs: 50,
      requestTimeoutMs: 2000,
      requestAttempts: 4,
      refreshMs: 10_000,
      seedWaitMs: 1000,
      attachTimeoutMs: 3000,
      onDeliver: undefined,
    });
    assert.equal(resolveMulticastOptions({ broadcast: false }, 1000).broadcast, false);
  });
});
