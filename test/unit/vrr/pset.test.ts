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

  describe('link quality, both directions, and what a failure resets', () => {
    /** A hello that lists me with the peer's rating of my hellos (0-255). */
    const rated = (seq: number, listed: 'P' | 'L', quality: number): HelloOption => ({
      ...hello(seq, listed),
      neighbors: [
        {
          address: ME,
          state: listed === 'P' ? NeighborState.PENDING : NeighborState.LINKED_ACTIVE,
          quality,
        },
      ],
    });

    it('does not link while the peer hears too few of my hellos, though I hear all of its', () => {
      const p = new Pset(params());
      for (let s = 1; s <= 5; s++) p.onHello(0, PEER, PEER, rated(s, 'P', 140), s * 1000);
      assert.ok(!p.isLinked(PEER), '140/255 = 0.55 is below qualityUp 0.6');
      assert.equal(p.quality(p.get(PEER)!), 1, 'my side hears every hello');
      assert.equal(p.onHello(0, PEER, PEER, rated(6, 'P', 160), 6000)?.to, 'linked', '160/255 = 0.63');
    });

    it('rates a link by the hellos heard over the span since the oldest in the window', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'M'), 0);
      p.onHello(0, PEER, PEER, hello(5, 'M'), 4000);
      assert.equal(p.quality(p.get(PEER)!), 2 / 5);
      for (let s = 6; s <= 20; s++) p.onHello(0, PEER, PEER, hello(s, 'M'), s * 1000);
      assert.equal(p.quality(p.get(PEER)!), 1, 'the last qualityWindow hellos, all heard');
    });

    it('links at exactly qualityUp (3 of the last 5 hellos heard: 0.6)', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'M'), 0);
      p.onHello(0, PEER, PEER, hello(3, 'M'), 2000);
      assert.equal(p.onHello(0, PEER, PEER, hello(5, 'P'), 4000)?.to, 'linked');
    });

    it('fails a linked neighbour whose rating of my hellos falls below qualityDown', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, rated(1, 'P', 255), 0);
      assert.ok(p.isLinked(PEER));
      assert.equal(p.onHello(0, PEER, PEER, rated(2, 'L', 80), 1000), null, '80/255 = 0.31: still linked');
      const down = p.onHello(0, PEER, PEER, rated(3, 'L', 70), 2000);
      assert.equal(down?.to, 'failed', '70/255 = 0.27');
      assert.match(down?.why ?? '', /quality 0\.27 below 0\.3/);
    });

    it('a failure forgets the hellos counted so far: the link comes back on the hellos heard since', () => {
      const p = new Pset({ ...params(), qualityUp: 0.8 });
      for (let s = 1; s <= 4; s++) p.onHello(0, PEER, PEER, hello(s, s === 1 ? 'P' : 'L'), s * 1000);
      assert.ok(p.isLinked(PEER));
      assert.equal(p.fail(PEER, 'control packets not acknowledged')?.to, 'failed');
      assert.equal(p.fail(PEER, 'again'), null, 'a failed neighbour fails once');
      assert.equal(p.quality(p.get(PEER)!), 0, 'no hello counted since the failure');
      // Hellos 5..8 were lost meanwhile. Counted with 1..4, 9 and 10 would make 6 of 10: below 0.8.
      assert.equal(p.onHello(0, PEER, PEER, hello(9, 'M'), 9000)?.to, 'pending');
      assert.equal(p.onHello(0, PEER, PEER, hello(10, 'P'), 10_000)?.to, 'linked');
    });

    it('a neighbour that turns active while linked becomes a routing candidate (everActive), and stays one', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'P', { active: false }), 0);
      assert.ok(p.isLinked(PEER) && !p.get(PEER)!.everActive, 'linked, never active');
      p.onHello(0, PEER, PEER, hello(2, 'L', { active: true }), 1000);
      assert.ok(p.get(PEER)!.everActive);
      assert.deepEqual(
        p.linkedActive().map((n) => n.address),
        [PEER],
      );
      p.onHello(0, PEER, PEER, hello(3, 'L', { active: false }), 2000);
      assert.ok(p.get(PEER)!.everActive && p.linkedActive().length === 0, 'inactive now, a candidate still');
    });

    it('forgets a neighbour entirely, reporting the state it had', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
      const gone = p.forget(PEER, 'unheard');
      assert.deepEqual([gone?.from, gone?.to, gone?.why], ['linked', 'gone', 'unheard']);
      assert.equal(p.get(PEER), undefined);
      assert.equal(p.all().length, 0);
      assert.equal(p.forget(PEER, 'again'), null);
      assert.equal(p.onHello(0, PEER, PEER, hello(2, 'M'), 1000)?.from, 'unknown', 'heard anew from scratch');
    });
  });

  describe('multi-part hellos', () => {
    const part = (seq: number, listed: ListedAs, i: number, parts: number, quality = 255): HelloOption => ({
      ...hello(seq, listed),
      part: i,
      parts,
      neighbors:
        listed === 'M'
          ? []
          : [
              {
                address: ME,
                state: listed === 'P' ? NeighborState.PENDING : NeighborState.LINKED_ACTIVE,
                quality,
              },
            ],
    });

    it('a neighbour first heard in part of a hello is listed as pending, and judged on the complete set', () => {
      const p = new Pset(params());
      const first = p.onHello(0, PEER, PEER, part(1, 'P', 0, 3), 0);
      assert.deepEqual([first?.from, first?.to, first?.why], ['unknown', 'pending', 'heard (partial hello)']);
      assert.equal(p.onHello(0, PEER, PEER, part(1, 'M', 1, 3), 1), null, 'still incomplete');
      assert.equal(p.get(PEER)!.state, 'pending');
      // The part that listed me came first; the last one does not list me: the set lists me as P.
      assert.equal(p.onHello(0, PEER, PEER, part(1, 'M', 2, 3), 2)?.to, 'linked');
    });

    it('takes the rating of my hellos from the part that lists me', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, part(1, 'P', 0, 2, 100), 0);
      assert.equal(p.onHello(0, PEER, PEER, part(1, 'M', 1, 2), 1), null, '100/255 is below qualityUp');
      assert.equal(p.get(PEER)!.state, 'pending');
    });

    it('a part of a newer hello starts the set again: parts of the older one do not complete it', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
      assert.ok(p.isLinked(PEER));
      p.onHello(0, PEER, PEER, part(2, 'M', 0, 2), 1000);
      // Part 1 of hello 3, not of hello 2: the set of hello 3 still lacks part 0.
      assert.equal(p.onHello(0, PEER, PEER, part(3, 'M', 1, 2), 2000), null);
      assert.ok(p.isLinked(PEER), 'no complete set judged yet');
      assert.equal(
        p.onHello(0, PEER, PEER, part(3, 'M', 0, 2), 2001)?.to,
        'failed',
        'hello 3 complete, lists me nowhere',
      );
    });

    it('a single-part hello drops a set being assembled, and a failure drops it too', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
      p.onHello(0, PEER, PEER, part(2, 'L', 0, 2), 1000);
      p.onHello(0, PEER, PEER, hello(3, 'L'), 2000);
      assert.equal(p.get(PEER)!.assembling, null);
      p.onHello(0, PEER, PEER, part(4, 'L', 0, 2), 3000);
      assert.notEqual(p.get(PEER)!.assembling, null);
      p.fail(PEER, 'port down');
      assert.equal(p.get(PEER)!.assembling, null);
    });
  });

  describe('how my hello lists each neighbour (helloSlots)', () => {
    // The slot's state is what the three-way handshake and the detection of a restarted peer read: pending, linked
    // active or linked inactive; failed neighbours are left out; the quality is my rating of its hellos (at least 1).
    it('pending, linked active, linked inactive, and no failed one', () => {
      const p = new Pset(params());
      const P1 = 0x020000000011;
      const P2 = 0x020000000012;
      const P3 = 0x020000000013;
      p.onHello(0, PEER, PEER, hello(1, 'M'), 0); // pending
      p.onHello(0, P1, P1, hello(1, 'P', { active: true }), 0); // linked, active
      p.onHello(0, P2, P2, hello(1, 'P', { active: false }), 0); // linked, inactive
      p.onHello(0, P3, P3, hello(1, 'L'), 0); // failed: it lists me as linked, I never knew it
      assert.deepEqual(
        p.helloSlots().map((s) => [s.address, s.state, s.quality]),
        [
          [PEER, NeighborState.PENDING, 255],
          [P1, NeighborState.LINKED_ACTIVE, 255],
          [P2, NeighborState.LINKED_INACTIVE, 255],
        ],
      );
    });
  });

  describe('the receive window and the hysteresis, at their edges', () => {
    // A first hello listing me as P would link at once, but the peer rates my hellos below qualityUp: the neighbour
    // is entered as pending, with the reason, and links only once the rating is good enough.
    it('a newcomer whose rating of my hellos is below qualityUp is entered as pending, saying why', () => {
      const p = new Pset(params());
      const first = p.onHello(
        0,
        PEER,
        PEER,
        { ...hello(1, 'P'), neighbors: [{ address: ME, state: NeighborState.PENDING, quality: 100 }] },
        0,
      );
      assert.deepEqual(
        [first?.from, first?.to, first?.why],
        ['unknown', 'pending', 'quality 0.39 below 0.6'],
      );
      assert.equal(p.get(PEER)!.state, 'pending');
      const up = p.onHello(0, PEER, PEER, hello(2, 'P'), 1000);
      assert.deepEqual([up?.from, up?.to, up?.why], ['pending', 'linked', 'hello lists me as P']);
    });

    // qualityDown is the lowest quality a link keeps (the mirror of linking at exactly qualityUp).
    it('keeps a link at exactly qualityDown (3 of the last 10 hellos), fails it below', () => {
      const linkedUpTo = (last: number): Pset => {
        const p = new Pset(params());
        for (let s = 1; s <= last; s++) p.onHello(0, PEER, PEER, hello(s, s === 1 ? 'P' : 'L'), s * 1000);
        assert.ok(p.isLinked(PEER));
        return p;
      };
      // 20 arrives after 12: the window [11..20] holds 11, 12 and 20.
      const p = linkedUpTo(12);
      assert.equal(p.onHello(0, PEER, PEER, hello(20, 'L'), 20_000), null);
      assert.equal(p.quality(p.get(PEER)!), 0.3);
      // 20 arrives after 11: [11..20] holds 11 and 20.
      const q = linkedUpTo(11);
      assert.equal(q.onHello(0, PEER, PEER, hello(20, 'L'), 20_000)?.to, 'failed');
    });

    // Hellos may arrive out of order (a reordering link): a late, older hello counts as heard, but must not move
    // the window back to it (the newest sequence stays the window's end).
    it('a late hello older than the newest counts, and does not move the window back', () => {
      const p = new Pset(params());
      for (let s = 1; s <= 10; s++) p.onHello(0, PEER, PEER, hello(s, 'M'), s * 1000);
      p.onHello(0, PEER, PEER, hello(20, 'M'), 20_000);
      p.onHello(0, PEER, PEER, hello(12, 'M'), 20_001);
      assert.equal(p.get(PEER)!.lastSeq, 20);
      assert.equal(p.quality(p.get(PEER)!), 2 / 9, '12 and 20 over 12..20');
    });

    // A hello qualityWindow sequences older than the newest has left the window at once: the rating is over the
    // span since the oldest hello still in it (5..11 here, all heard), not over a span stretched back to it.
    it('drops a hello from the window as soon as it is qualityWindow sequences old', () => {
      const p = new Pset(params());
      for (const seq of [1, 5, 6, 7, 8, 9, 10, 11]) p.onHello(0, PEER, PEER, hello(seq, 'M'), seq * 1000);
      assert.deepEqual(p.get(PEER)!.recentSeqs, [5, 6, 7, 8, 9, 10, 11]);
      assert.equal(p.quality(p.get(PEER)!), 1);
    });

    // The parts of one hello are one hello heard: counting each part would rate a lossy link whose hellos come
    // in parts as better than it is.
    it('counts a hello sent in parts once', () => {
      const p = new Pset(params());
      for (const seq of [1, 3]) {
        p.onHello(0, PEER, PEER, hello(seq, 'M', { part: 0, parts: 2 }), seq * 1000);
        p.onHello(0, PEER, PEER, hello(seq, 'M', { part: 1, parts: 2 }), seq * 1000 + 1);
      }
      assert.equal(p.quality(p.get(PEER)!), 2 / 3, 'hellos 1 and 3 of 1..3');
    });

    // After a failure the window starts empty: only hellos heard since count.
    it('after a failure rates the link on the hellos heard since alone', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
      p.fail(PEER, 'port down');
      p.onHello(0, PEER, PEER, hello(9, 'M'), 9000);
      p.onHello(0, PEER, PEER, hello(11, 'M'), 11_000);
      assert.deepEqual(p.get(PEER)!.recentSeqs, [9, 11]);
      assert.equal(p.quality(p.get(PEER)!), 2 / 3);
    });

    // everActive (a routing candidate) needs the link up: an active neighbour still pending is none yet.
    it('an active neighbour that is still pending is no routing candidate (everActive)', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'M', { active: true }), 0);
      assert.equal(p.get(PEER)!.state, 'pending');
      assert.equal(p.get(PEER)!.everActive, false);
      assert.deepEqual(p.linkedActive(), [], 'nor a proxy for requests: frames go to linked neighbours only');
    });

    // Quality gates linking only: a failed neighbour whose hello no longer lists me goes pending (the table's
    // failed + M) even when few of its hellos came through since the failure.
    it('a failed neighbour that stops listing me goes pending whatever the quality', () => {
      const p = new Pset(params());
      p.onHello(0, PEER, PEER, hello(1, 'P'), 0);
      p.fail(PEER, 'port down');
      assert.equal(p.onHello(0, PEER, PEER, hello(9, 'L'), 9000), null, 'failed + L: still failed');
      const c = p.onHello(0, PEER, PEER, hello(12, 'M'), 12_000);
      assert.equal(p.quality(p.get(PEER)!), 0.5, '2 of 9..12, below qualityUp');
      assert.deepEqual([c?.from, c?.to], ['failed', 'pending']);
    });
  });
});
