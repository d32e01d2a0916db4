// The representative side of a node (src/vrr/repair.ts, Repair) through the node's public API: an active node
// learns representatives only from active neighbours, asks a fresh representative that belongs in its vset for a
// path at once (a direct SETUP along the record), and drops the records heard through a neighbour it loses.

import assert from 'node:assert/strict';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import { MAX_REPRESENTATIVES } from '../../../src/vrr/limits.ts';
import { OptionType, type HelloOption, type KnownOption } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';

const A = 0x020000000010;
const B = 0x020000000020;
/** A representative of another ring that only B's (rewritten) hellos name. */
const R = 0x020000000001;
const HELLO = 1000;

/** A - B converged; from now on B's hellos name R with a growing sequence, and say B is `active`. */
function advertisedByB(active: boolean): { net: TestNet; setupsToR: number[] } {
  const net = new TestNet([A, B]).link(0, 1).start();
  net.run(20_000);
  let repSeq = 100;
  const setupsToR: number[] = [];
  net.tap = (from, _port, frame) => {
    const r = decodePacket(frame);
    if (!r.ok || r.packet.kind !== 'control') return frame;
    if (from === 0) {
      for (const o of r.packet.options)
        if (o.type === OptionType.SETUP && o.dst === R) setupsToR.push(o.pathId);
      return frame;
    }
    const options = r.packet.options.map((o) =>
      o.type === OptionType.HELLO ? { ...o, active, reps: [{ address: R, seq: repSeq++ }] } : o,
    );
    return encodePacket({ ...r.packet, options: options as KnownOption[] });
  };
  return { net, setupsToR };
}

describe('vrr/repair: representatives through the node', () => {
  it('an active node learns a representative from an active neighbour and asks it for a path at once', () => {
    const { net, setupsToR } = advertisedByB(true);
    const a = net.nodes[0];
    const mark = net.events.length;
    net.run(1500);
    assert.deepEqual(
      a.representatives().map((x) => [x.address, x.via]),
      [[R, B]],
    );
    assert.ok((a.counters().directSetups ?? 0) >= 1, 'a direct setup');
    assert.ok(setupsToR.length >= 1, 'a SETUP for R went out through B');
    assert.ok(
      net.events
        .slice(mark)
        .some(
          (e) =>
            e.node === 0 &&
            e.event.type === 'setup-req' &&
            e.event.target === R &&
            e.event.why === 'direct setup: representative of another ring',
        ),
    );
  });

  it('an active node ignores the representatives an inactive neighbour advertises', () => {
    const { net, setupsToR } = advertisedByB(false);
    const a = net.nodes[0];
    net.run(1500);
    assert.ok(a.isActive());
    assert.deepEqual(a.representatives(), [], 'nothing learned from an inactive neighbour');
    assert.equal(setupsToR.length, 0);
  });

  it('records heard through a neighbour are dropped when the link to it fails', () => {
    const { net } = advertisedByB(true);
    const a = net.nodes[0];
    net.run(1500);
    assert.equal(a.representatives().length, 1);
    net.cut(0, 1);
    // At once when the link fails: well before the record would lapse by itself (repValidHellos after its last
    // refresh, just before the cut).
    const cutAt = net.now;
    while (a.neighbors().some((n) => n.address === B && n.state === 'linked')) net.run(50);
    assert.ok(net.now - cutAt < 6000, `failed after ${net.now - cutAt} ms`);
    assert.deepEqual(a.representatives(), []);
    assert.deepEqual(a.nextHop(R), { kind: 'local' }, 'no route toward R through the lost neighbour');
  });

  it('in a consistent ring only the smallest node advertises itself; the others pass its record on', () => {
    const net = new TestNet([B, A, 0x020000000030]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    const slots = new Map<number, string[]>();
    net.tap = (from, _port, frame) => {
      const r = decodePacket(frame);
      if (r.ok && r.packet.kind === 'control')
        for (const o of r.packet.options)
          if (o.type === OptionType.HELLO)
            slots.set(
              from,
              o.reps.map((x) => x.address.toString(16)),
            );
      return frame;
    };
    net.run(3000);
    const a = A.toString(16);
    assert.deepEqual([slots.get(0), slots.get(1), slots.get(2)], [[a], [a], [a]], 'A alone, in every hello');
    assert.deepEqual(net.nodes[1].representatives(), [], 'A knows of no representative but itself');
    assert.deepEqual(
      net.nodes[0].representatives().map((r) => r.address),
      [A],
    );
  });

  it('nodes that start at once: an inactive node advertises itself until it hears of a smaller one', () => {
    const net = new TestNet([0x020000000030, B, A]).link(0, 1).link(1, 2).start();
    const seenBy = new Map<number, Set<number>>();
    net.tap = (from, _port, frame) => {
      const r = decodePacket(frame);
      if (r.ok && r.packet.kind === 'control')
        for (const o of r.packet.options)
          if (o.type === OptionType.HELLO && !o.active)
            for (const x of o.reps)
              (seenBy.get(from) ?? seenBy.set(from, new Set()).get(from)!).add(x.address);
      return frame;
    };
    net.run(20_000);
    assert.ok(
      seenBy.get(0)?.has(0x020000000030),
      'the largest advertised itself while it knew of nobody smaller',
    );
    assert.ok(seenBy.get(0)?.has(A), 'and then the smallest');
    assert.ok(net.nodes.every((n) => n.isActive()));
  });
});

describe('vrr/repair: asking a representative, at once and every period', () => {
  /** A - B converged; from now on B's hellos (active) name R with a sequence that never grows. */
  function namedOnceByB() {
    const net = new TestNet([A, B]).link(0, 1).start();
    net.run(20_000);
    const setupsToR: number[] = [];
    let firstHeardAt: number | null = null;
    net.tap = (from, _port, frame) => {
      const r = decodePacket(frame);
      if (!r.ok || r.packet.kind !== 'control') return frame;
      if (from === 0) {
        for (const o of r.packet.options)
          if (o.type === OptionType.SETUP && o.dst === R) setupsToR.push(net.now);
        return frame;
      }
      if (!r.packet.options.some((o) => o.type === OptionType.HELLO)) return frame;
      firstHeardAt ??= net.now + 1;
      const options = r.packet.options.map((o) =>
        o.type === OptionType.HELLO ? { ...o, active: true, reps: [{ address: R, seq: 100 }] } : o,
      );
      return encodePacket({ ...r.packet, options: options as KnownOption[] });
    };
    return { net, setupsToR, heardAt: () => firstHeardAt };
  }

  // Pins the reaction of an active node to a fresh record: the SETUP leaves in the instant the hello is read, not
  // at the next period's repair round.
  it('an active node sends its SETUP to a new representative in the instant it hears of it', () => {
    const { net, setupsToR, heardAt } = namedOnceByB();
    net.run(1500);
    assert.ok(setupsToR.length >= 1, 'a SETUP to R');
    assert.equal(setupsToR[0], heardAt(), 'in the same instant');
  });

  // Pins the periodic round (Repair.seekBetterNeighbors): a representative whose record stays usable is asked
  // again once the hold on it ends, with no newer sequence to set it off (here R never answers: each SETUP
  // is turned back, B's record of R leading back to A, and R is held off for a while).
  it('a representative still usable is asked again once its hold ends, without a newer sequence', () => {
    const { net, setupsToR } = namedOnceByB();
    net.run(6 * HELLO);
    assert.ok(setupsToR.length >= 2, `asked ${setupsToR.length} times`);
    assert.ok(setupsToR[1] - setupsToR[0] >= 4 * HELLO, 'not before the hold ends');
  });
});

describe('vrr/repair: the cap on representative records, counted', () => {
  // Pins the eviction counter: records past MAX_REPRESENTATIVES evict the stalest, and the node counts exactly
  // how many (cap.reps.evicted, what an operator watches for a network with more rings than the cap).
  it(`a node told of more than ${MAX_REPRESENTATIVES} representatives counts each record it evicts`, () => {
    const net = new TestNet([A, B]).link(0, 1).start();
    net.run(20_000);
    let hello: HelloOption | null = null;
    net.tap = (from, _port, frame) => {
      const d = decodePacket(frame);
      if (from === 1 && d.ok && d.packet.kind === 'control')
        for (const o of d.packet.options) if (o.type === OptionType.HELLO) hello = o;
      return frame;
    };
    net.run(1500);
    assert.ok(hello !== null, 'a hello of B');
    const base: HelloOption = hello;
    net.tap = null;
    const a = net.nodes[0];
    const held = () => a.tableSizes().representatives;
    const before = held();
    let next = 0x020000001000;
    const inject = (helloSeq: number) =>
      a.receive(
        0,
        B,
        encodePacket({
          kind: 'control',
          flags: 0,
          sender: B,
          seq: 0,
          options: [
            {
              ...base,
              helloSeq,
              reps: [
                { address: next++, seq: 1 },
                { address: next++, seq: 1 },
              ],
            },
          ],
        }),
      );
    let seq = base.helloSeq;
    while (held() + 2 <= MAX_REPRESENTATIVES) inject(++seq);
    assert.equal(a.counters()['cap.reps.evicted'], undefined, 'none evicted below the cap');
    const room = MAX_REPRESENTATIVES - held();
    inject(++seq);
    inject(++seq);
    inject(++seq);
    assert.equal(held(), MAX_REPRESENTATIVES);
    assert.equal(a.counters()['cap.reps.evicted'], 6 - room);
    assert.ok(before < MAX_REPRESENTATIVES, 'below the cap at first');
  });
});

describe('vrr/repair: the bootstrap election spreads a smaller candidate at once', () => {
  /** X (0x30) and Y (0x20), both kept inactive (no bootstrap), linked, past their fast hellos: X advertises Y. */
  function twoInactive(): { net: TestNet; helloAt: number[] } {
    const net = new TestNet([0x020000000030, B], 3, { bootstrapHellos: 1e6 }).link(0, 1).start();
    net.run(10_000);
    assert.ok(
      net.nodes.every((n) => !n.isActive()),
      'both inactive',
    );
    const helloAt: number[] = [];
    net.tap = (from, _port, frame) => {
      const d = decodePacket(frame);
      if (from === 0 && d.ok && d.packet.kind === 'control')
        if (d.packet.options.some((o) => o.type === OptionType.HELLO)) helloAt.push(net.now);
      return frame;
    };
    return { net, helloAt };
  }

  // Pins the other half of the election: an inactive node that knows of a smaller candidate stops putting
  // itself forward, and passes the smaller one on instead (else two candidates would bootstrap two rings).
  it('an inactive node that knows of a smaller candidate advertises that one, not itself', () => {
    const { net } = twoInactive();
    const slots: number[][] = [];
    net.tap = (from, _port, frame) => {
      const d = decodePacket(frame);
      if (from === 0 && d.ok && d.packet.kind === 'control')
        for (const o of d.packet.options)
          if (o.type === OptionType.HELLO) slots.push(o.reps.map((r) => r.address));
      return frame;
    };
    net.run(3000);
    assert.ok(slots.length >= 2, 'hellos of X');
    assert.ok(
      slots.every((s) => s.length === 1 && s[0] === B),
      JSON.stringify(slots),
    );
  });

  // Pins the trigger's condition: a candidate heard again (Y's sequence grows every hello) is no news, so X's
  // hellos stay at one a period; triggering on every fresh record would double them.
  it('an inactive node hearing its advertised candidate again sends no extra hello', () => {
    const { net, helloAt } = twoInactive();
    net.run(10_000);
    assert.ok(helloAt.length <= 11, `${helloAt.length} hellos in 10 periods`);
  });

  // Pins the triggered hello: a candidate smaller than the one X advertised, heard in one of Y's hellos next to a
  // larger one, goes out in X's next hello within TRIGGER_MS, not at X's next period (a period sooner in the
  // election: a network starting at once forms one ring instead of one per region).
  it('an inactive node hearing of a smaller candidate spreads it in a hello at once', () => {
    for (const [i, offset] of [0, 150, 300, 450, 600, 750, 900].entries()) {
      const { net, helloAt } = twoInactive();
      net.run(offset);
      const tap = net.tap!;
      let heardAt: number | null = null;
      net.tap = (from, port, frame) => {
        const d = decodePacket(frame);
        if (from !== 1 || heardAt !== null || !d.ok || d.packet.kind !== 'control')
          return tap(from, port, frame);
        if (!d.packet.options.some((o) => o.type === OptionType.HELLO)) return frame;
        heardAt = net.now + 1;
        const options = d.packet.options.map((o) =>
          o.type === OptionType.HELLO
            ? {
                ...o,
                reps: [
                  { address: R, seq: 7 },
                  { address: 0x020000000025, seq: 7 },
                ],
              }
            : o,
        );
        return encodePacket({ ...d.packet, options: options as KnownOption[] });
      };
      net.run(1500);
      assert.ok(heardAt !== null, 'Y sent a hello');
      const next = helloAt.find((t) => t >= heardAt!);
      assert.ok(
        next !== undefined && next - heardAt! <= 25,
        `run ${i}: heard at ${heardAt}, next hello at ${next}`,
      );
    }
  });
});
