import assert from 'node:assert/strict';
import { Pset, seqDiff, transition, type ListedAs } from '../../../src/vrr/pset.ts';
import { NeighborState, OptionType, type HelloOption } from '../../../src/vrr/wire/types.ts';

const ME = 0x020000000001;
const PEER = 0x020000000002;

function hello(seq: number, listed: ListedAs | null, extra: Partial<HelloOption> = {}): HelloOption {
  const neighbors =
    listed === 'M' || listed === null
      ? []
      : [
          {
            address: ME,
            state: listed === 'P' ? NeighborState.PENDING : NeighborState.LINKED_ACTIVE,
            quality: 255,
          } as const,
        ];
  return {
    type: OptionType.HELLO,
    active: true,
    helloSeq: seq,
    part: 0,
    parts: 1,
    reps: [],
    neighbors,
    ...extra,
  };
}

function params() {
  return { me: ME, qualityWindow: 10, qualityUp: 0.6, qualityDown: 0.3 };
}

describe('vrr/pset', () => {
  describe('the symmetric hello state table (docs/protocol.md, Neighbours), row by row', () => {
    const table: [Parameters<typeof transition>[0], ListedAs, string][] = [
      ['unknown', 'L', 'failed'],
      ['unknown', 'P', 'linked'],
      ['unknown', 'M', 'pending'],
      ['pending', 'L', 'linked'],
      ['pending', 'P', 'linked'],
      ['pending', 'M', 'pending'],
      ['linked', 'L', 'linked'],
      ['linked', 'P', 'linked'],
      ['linked', 'M', 'failed'],
      ['failed', 'L', 'failed'],
      ['failed', 'P', 'pending'],
      ['failed', 'M', 'pending'],
    ];
    for (const [state, input, next] of table) {
      it(`${state} + ${input} -> ${next}`, () => assert.equal(transition(state, input), next));
    }
  });

  it('runs the three-way handshake to linked on both sides', () => {
    const a = new Pset({ ...params(), me: ME });
    const b = new Pset({ ...params(), me: PEER });
    const helloOf = (p: Pset, sender: number, seq: number): HelloOption => ({
      ...hello(seq, null),
      neighbors: p.helloSlots(),
    });
    // b hears a first: a does not list b yet (M) -> pending.
    assert.equal(b.onHello(0, ME, ME, helloOf(a, ME, 1), 0)?.to, 'pending');
    // a hears b listing a as pending (P) -> linked.
    assert.equal(a.onHello(0, PEER, PEER, helloOf(b, PEER, 1), 10)?.to, 'linked');
    // b hears a listing b as linked (L) -> linked.
    assert.equal(b.onHello(0, ME, ME, helloOf(a, ME, 2), 20)?.to, 'linked');
    assert.ok(a.isLinked(PEER) && b.isLinked(ME));
  });

  it('fails symmetrically: a peer that stops listing me fails the link here too', () => {
    const p = new Pset(params());
    p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
    assert.ok(p.isLinked(PEER));
    const change = p.onHello(0, PEER, PEER, hello(2, 'M'), 1000);
    assert.equal(change?.from, 'linked');
    assert.equal(change?.to, 'failed');
    assert.ok(!p.helloSlots().some((s) => s.address === PEER), 'failed neighbours are not listed');
  });

  it('holds a neighbour that claims linked while I never knew it in failed', () => {
    const p = new Pset(params());
    assert.equal(p.onHello(0, PEER, PEER, hello(1, 'L'), 0)?.to, 'failed');
    assert.equal(p.onHello(0, PEER, PEER, hello(2, 'L'), 1000), null, 'stays failed');
    assert.equal(p.onHello(0, PEER, PEER, hello(3, 'M'), 2000)?.to, 'pending');
  });

  it('links only above the upper quality threshold and fails below the lower one', () => {
    const p = new Pset({ ...params(), qualityUp: 0.8, qualityDown: 0.5 });
    p.onHello(0, PEER, PEER, hello(1, 'M'), 0);
    // Hellos 2..4 lost, then 5 arrives listing me as pending: 2 of 5 received = 0.4 < 0.8.
    const c = p.onHello(0, PEER, PEER, hello(5, 'P'), 4000);
    assert.equal(c, null, `stays pending, got ${JSON.stringify(c?.to)}`);
    for (let s = 6; s <= 12; s++) p.onHello(0, PEER, PEER, hello(s, 'P'), s * 1000);
    assert.ok(p.isLinked(PEER), 'linked once 8 of the last 10 arrived');
    // Now lose most hellos: 13 arrives, then 20: 6..13 and 20 in window [11..20] -> 3 of 10 received.
    p.onHello(0, PEER, PEER, hello(13, 'L'), 13000);
    const down = p.onHello(0, PEER, PEER, hello(21, 'L'), 21000);
    assert.equal(down?.to, 'failed');
    assert.match(down?.why ?? '', /quality/);
  });

  it('judges a multi-part hello only once every part arrived', () => {
    const p = new Pset(params());
    p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
    assert.ok(p.isLinked(PEER));
    // Part 0 of 2 does not list me; part 1 does. Only the complete set counts.
    assert.equal(p.onHello(0, PEER, PEER, hello(2, 'M', { part: 0, parts: 2 }), 1000), null);
    assert.ok(p.isLinked(PEER), 'an incomplete set changes nothing');
    assert.equal(p.onHello(0, PEER, PEER, hello(2, 'L', { part: 1, parts: 2 }), 1001), null);
    assert.ok(p.isLinked(PEER));
    // A complete set that does not list me fails the link.
    p.onHello(0, PEER, PEER, hello(3, 'M', { part: 0, parts: 2 }), 2000);
    assert.equal(p.onHello(0, PEER, PEER, hello(3, 'M', { part: 1, parts: 2 }), 2001)?.to, 'failed');
  });

  it('compares 16-bit sequence numbers across the wrap', () => {
    assert.equal(seqDiff(1, 0xffff), 2);
    assert.equal(seqDiff(0xffff, 1), -2);
    assert.equal(seqDiff(5, 5), 0);
  });
});
