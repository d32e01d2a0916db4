// The multicast tables' invariants: TreeTable (forwarding table, tree sequence numbers, child messages) and
// MembershipStore.

import assert from 'node:assert/strict';
import { groupKey, MembershipStore, TreeTable } from '../../../../src/vrr/multicast/index.ts';
import { BROADCAST, isGroupAddress, isNodeAddress } from '../../../../src/vrr/address.ts';

const ME = 0x020000000001;
const N = 0x020000000002;
const G = 0x01005e000001;

describe('TreeTable', () => {
  it('keeps one entry per (root, group), created detached', () => {
    const t = new TreeTable();
    const e = t.ensure(N, G)!;
    assert.equal(t.ensure(N, G), e);
    assert.equal(e.upstream, null);
    assert.equal(e.downstream.size, 0);
    t.ensure(ME, G);
    assert.equal(t.size, 2);
    t.delete(N, G);
    assert.equal(t.get(N, G), undefined);
    t.checkInvariants(ME);
  });

  it('checkInvariants catches an upstream that is downstream, or this node in the tree', () => {
    const t = new TreeTable();
    const e = t.ensure(N, G)!;
    e.upstream = N;
    e.downstream.add(N);
    assert.throws(() => t.checkInvariants(ME), /upstream is downstream/);
    e.downstream.clear();
    e.downstream.add(ME);
    assert.throws(() => t.checkInvariants(ME), /this node is downstream/);
    e.downstream.clear();
    e.upstream = ME;
    assert.throws(() => t.checkInvariants(ME), /upstream is this node/);
  });

  // The attachment invariant (tree-table.ts): only a node with an upstream can be confirmed as reaching the root.
  it('checkInvariants catches an entry marked attached without an upstream', () => {
    const t = new TreeTable();
    const e = t.ensure(N, G)!;
    e.attached = true;
    assert.throws(() => t.checkInvariants(ME), /attached without an upstream/);
    e.upstream = N;
    t.checkInvariants(ME);
  });

  // records (tableSizes' mcastTreeRecords) counts the entries of all three record maps.
  it('counts its sequence and child records together', () => {
    const t = new TreeTable();
    t.nextSeq(N, G, ME);
    t.accept(N, G, ME, 1);
    t.noteChildMessage(N, G, ME, true);
    t.noteChildMessage(N, G, N, false);
    assert.equal(t.records, 4);
  });

  it('numbers messages per tree per neighbour and applies each sequence once, in order', () => {
    const t = new TreeTable();
    assert.equal(t.nextSeq(N, G, ME), 1);
    assert.equal(t.nextSeq(N, G, ME), 2);
    assert.equal(t.nextSeq(N, BROADCAST, ME), 1, 'another tree numbers apart');
    assert.equal(t.accept(N, G, ME, 2), true);
    assert.equal(t.accept(N, G, ME, 1), false, 'older than applied');
    assert.equal(t.accept(N, G, ME, 2), false, 'a duplicate');
    assert.equal(t.accept(N, G, ME, 3), true);
    t.forgetNeighbor(ME);
    assert.equal(t.accept(N, G, ME, 1), true, 'a new link numbers from 1 again');
    assert.equal(t.nextSeq(N, G, ME), 1);
  });
});

describe('TreeTable caps', () => {
  it('refuses a new tree beyond its cap (counted) and keeps updating held ones', () => {
    const counted: string[] = [];
    const t = new TreeTable((n) => counted.push(n), { trees: 2, records: 4 });
    assert.ok(t.ensure(N, G) && t.ensure(ME, G));
    assert.equal(t.ensure(N, BROADCAST), undefined);
    assert.ok(t.ensure(N, G), 'a held tree is still found');
    assert.deepEqual(counted, ['cap.mcast.trees']);
    t.delete(N, G);
    assert.ok(t.ensure(N, BROADCAST), 'room again');
    t.checkInvariants(ME);
  });

  it('forgets the oldest sequence record beyond its cap (counted)', () => {
    const counted: string[] = [];
    const t = new TreeTable((n) => counted.push(n), { trees: 2, records: 3 });
    for (let i = 0; i < 5; i++) assert.equal(t.accept(N + i, G, ME, 7), true);
    assert.equal(t.records, 3);
    assert.equal(counted.filter((c) => c === 'cap.mcast.records').length, 2);
    assert.equal(t.accept(N + 4, G, ME, 7), false, 'the newest are kept');
    assert.equal(t.accept(N, G, ME, 7), true, 'the oldest was forgotten');
    t.checkInvariants(ME);
  });
});

describe('MembershipStore caps', () => {
  it('refuses a new group and a new party beyond their caps, and cuts copies to them (counted)', () => {
    const counted: string[] = [];
    const s = new MembershipStore((n) => counted.push(n), { groups: 1, parties: 2 });
    const r = s.ensure(G, 'owner')!;
    assert.equal(s.ensure(BROADCAST, 'owner'), undefined);
    assert.ok(s.add(r.members, N) && s.add(r.members, ME));
    assert.equal(s.add(r.members, N + 5), false);
    s.replace(G, [N, ME, N + 1, N + 2], [], 'replica');
    assert.equal(s.get(G)!.sources.size, 2);
    assert.deepEqual(counted, [
      'cap.mcast.groups',
      'cap.mcast.parties',
      'cap.mcast.parties',
      'cap.mcast.parties',
    ]);
  });
});

describe('TreeTable child messages', () => {
  it('remembers what this node last told a neighbour as its child, per tree, until the link is lost', () => {
    const t = new TreeTable();
    assert.equal(t.lastChildMessage(N, G, ME), undefined);
    t.noteChildMessage(N, G, ME, true);
    t.noteChildMessage(N, BROADCAST, ME, false);
    assert.equal(t.lastChildMessage(N, G, ME), true);
    assert.equal(t.lastChildMessage(N, BROADCAST, ME), false, 'another tree');
    t.noteChildMessage(N, G, ME, false);
    assert.equal(t.lastChildMessage(N, G, ME), false, 'the last one counts');
    t.delete(N, G);
    assert.equal(t.lastChildMessage(N, G, ME), false, 'outlives the entry');
    t.forgetNeighbor(ME);
    assert.equal(t.lastChildMessage(N, G, ME), undefined, 'forgotten with the link');
  });
});

describe('MembershipStore', () => {
  it('holds one record per group, replaced whole by a copy', () => {
    const s = new MembershipStore();
    const r = s.ensure(G, 'replica')!;
    r.sources.add(N);
    s.replace(G, [ME], [N], 'owner');
    assert.deepEqual([...s.get(G)!.sources], [ME]);
    assert.deepEqual([...s.get(G)!.members], [N]);
    assert.equal(s.get(G)!.role, 'owner');
    assert.equal([...s.values()].length, 1);
  });

  it('groupKey is a node-like ring position, never a group address', () => {
    for (const g of [G, BROADCAST, 0x333300000001]) {
      assert.ok(isNodeAddress(groupKey(g)) && !isGroupAddress(groupKey(g)));
    }
    assert.notEqual(groupKey(G), groupKey(BROADCAST));
  });
});
