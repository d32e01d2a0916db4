import assert from 'node:assert/strict';
import { MAX_IN_FLIGHT, MAX_QUEUED, ReliableControl } from '../../../src/vrr/reliable.ts';

function fakeTimers() {
  const timers: { at: number; fire: () => void; dead: boolean }[] = [];
  let now = 0;
  return {
    setTimer: (ms: number, fire: () => void) => {
      const t = { at: now + ms, fire, dead: false };
      timers.push(t);
      return { cancel: () => (t.dead = true) };
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers.find((x) => !x.dead && x.at <= end);
        if (!t) break;
        t.dead = true;
        now = t.at;
        t.fire();
      }
      now = end;
    },
    /** The host sleeps ms: then every timer due meanwhile fires, late (at the end of the sleep). */
    sleep(ms: number) {
      now += ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers.find((x) => !x.dead && x.at <= now);
        if (!t) break;
        t.dead = true;
        t.fire();
      }
    },
    armed: () => timers.filter((t) => !t.dead).length,
    now: () => now,
  };
}

/** A layer used only for sequences and duplicate checks: no clock, nothing sent. */
function receiverOnly(initialSeq: number): ReliableControl {
  const ignore = (): void => {};
  return new ReliableControl(
    {
      setTimer: () => ({ cancel: ignore }),
      resend: ignore,
      onGiveUp: ignore,
      onRetransmit: ignore,
      onQueueFull: () => {},
      now: () => 0,
      silent: () => false,
    },
    1,
    1,
    initialSeq,
  );
}

/** A frame standing for packet `n` (the layer only sends it again, it never reads it). */
const frame = (n: number) => Uint8Array.of(n);

describe('vrr/reliable', () => {
  // The extensions' shedding asks how long the queue to a next hop is before anything was ever sent to it (a
  // neighbour that just linked): the answer is 0, not an exception out of the send.
  it('queuedFor a neighbour nothing was sent to is 0', () => {
    const r = receiverOnly(1);
    assert.equal(r.queuedFor(0x0200000000aa), 0);
  });

  it('retransmits with exponential backoff, then gives up and names the neighbour', () => {
    const clock = fakeTimers();
    const gaveUp: number[] = [];
    let retransmits = 0;
    const sends: number[] = [];
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: (to, f) => sends.push(to * 1000 + f[0]),
        onGiveUp: (n) => gaveUp.push(n),
        onRetransmit: () => retransmits++,
        onQueueFull: () => {},
        now: clock.now,
        silent: () => false,
      },
      100,
      3,
      1,
    );
    r.track(7, r.allocateSeq(), frame(1));
    clock.advance(99);
    assert.equal(sends.length, 0);
    clock.advance(1);
    assert.deepEqual(sends, [7001], 'first retry after 100 ms, the same frame to the same neighbour');
    clock.advance(200);
    assert.equal(sends.length, 2, 'second after 200 more');
    clock.advance(400);
    assert.equal(sends.length, 3);
    assert.deepEqual(gaveUp, []);
    clock.advance(800);
    assert.deepEqual(gaveUp, [7]);
    assert.equal(retransmits, 3);
    assert.equal(r.inFlight, 0);
  });

  it('stops on the ACK and leaves no timer behind', () => {
    const clock = fakeTimers();
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: () => assert.fail('no retransmission after the ACK'),
        onGiveUp: () => {},
        onRetransmit: () => {},
        onQueueFull: () => {},
        now: clock.now,
        silent: () => false,
      },
      100,
      3,
      1,
    );
    const seq = r.allocateSeq();
    r.track(7, seq, frame(1));
    r.acked(7, seq);
    clock.advance(10_000);
    assert.equal(r.inFlight, 0);
    assert.equal(clock.armed(), 0);
  });

  it('an ACK for a sequence not in flight (a duplicate ACK), or from a neighbour sent nothing, changes nothing', () => {
    const clock = fakeTimers();
    const sends: number[] = [];
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: (_to, f) => sends.push(f[0]),
        onGiveUp: () => {},
        onRetransmit: () => {},
        onQueueFull: () => {},
        now: clock.now,
        silent: () => false,
      },
      100,
      3,
      1,
    );
    const seqs = [1, 2, 3].map((n) => {
      const seq = r.allocateSeq();
      r.track(7, seq, frame(n));
      return seq;
    });
    r.acked(7, seqs[1]);
    assert.equal(r.inFlight, 2);
    r.acked(7, seqs[1]); // the ACK of a retransmitted copy, again
    r.acked(7, 999);
    r.acked(8, seqs[0]);
    assert.equal(r.inFlight, 2, 'packets 1 and 3 still in flight');
    clock.advance(100);
    assert.deepEqual(sends, [1], 'packet 1 retransmitted (3 waits behind it)');
    r.acked(7, seqs[0]);
    r.acked(7, seqs[2]);
    assert.equal(r.inFlight, 0);
  });

  it('never allocates sequence 0 and suppresses duplicates per neighbour', () => {
    const r = receiverOnly(0xffff);
    assert.equal(r.allocateSeq(), 0xffff);
    assert.equal(r.allocateSeq(), 1, 'wraps past 0');
    assert.ok(r.firstTime(7, 5));
    assert.ok(!r.firstTime(7, 5));
    assert.ok(r.firstTime(8, 5), 'per neighbour');
    r.forget(7);
    assert.ok(r.firstTime(7, 5), 'forgotten with the neighbour');
  });

  it('remembers exactly the last 64 distinct sequences per neighbour', () => {
    const r = receiverOnly(1);
    // Reference: the newest 64 distinct sequences. 270 values, so that many repeat inside and just outside it.
    const window: number[] = [];
    let x = 12345;
    for (let step = 0; step < 20_000; step++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const seq = 1 + ((x >> 8) % 3) * 512 + ((x >> 4) % 90);
      const expected = !window.includes(seq);
      assert.equal(r.firstTime(7, seq), expected, `seq ${seq} at step ${step}`);
      if (expected) {
        window.push(seq);
        if (window.length > 64) window.shift();
      }
    }
  });

  it('learns a slow neighbour’s round trip and waits longer before retransmitting to it', () => {
    const clock = fakeTimers();
    let retransmits = 0;
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: () => {},
        onGiveUp: () => {},
        onRetransmit: () => retransmits++,
        onQueueFull: () => {},
        now: clock.now,
        silent: () => false,
      },
      100,
      3,
      1,
    );
    assert.equal(r.timeoutFor(7), 100, 'the configured timeout before any sample');
    for (let i = 0; i < 20; i++) {
      const seq = r.allocateSeq();
      r.track(7, seq, frame(1));
      clock.advance(60); // ACKs come after 60 ms: within the timeout, so no retransmission
      r.acked(7, seq);
    }
    assert.equal(retransmits, 0);
    assert.equal(r.timeoutFor(7), 100, 'a fast neighbour keeps the configured floor');
    for (let i = 0; i < 20; i++) {
      const seq = r.allocateSeq();
      r.track(7, seq, frame(1));
      clock.advance(400); // now 400 ms: the first ones are retransmitted (and not timed: Karn)
      r.acked(7, seq);
    }
    assert.ok(r.timeoutFor(7) > 400, `timeout ${r.timeoutFor(7)} should exceed the 400 ms round trip`);
    assert.ok(r.timeoutFor(8) === 100, 'per neighbour');
    const before = retransmits;
    const seq = r.allocateSeq();
    r.track(7, seq, frame(1));
    clock.advance(400);
    r.acked(7, seq);
    assert.equal(retransmits, before, 'no spurious retransmission once learnt');
    r.forget(7);
    assert.equal(r.timeoutFor(7), 100, 'forgotten with the neighbour');
  });

  it('does not count a retransmission try when its timer fired late because this host slept, a bounded number of times', () => {
    const clock = fakeTimers();
    const gaveUp: number[] = [];
    const sends: number[] = [];
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: () => sends.push(clock.now()),
        onGiveUp: (n) => gaveUp.push(n),
        onRetransmit: () => {},
        onQueueFull: () => {},
        now: clock.now,
        silent: () => false,
      },
      100,
      1,
      1,
    );
    const seq = r.allocateSeq();
    r.track(7, seq, frame(1));
    clock.sleep(1000); // due at 100, fires at 1000: this host was asleep, the ACK may be waiting unread
    assert.equal(sends.length, 0, 'no retransmission after a late timer');
    r.acked(7, seq); // ... and it was
    assert.equal(r.inFlight, 0);
    assert.deepEqual(gaveUp, []);

    // A host that keeps sleeping still gives up, after at most three deferrals.
    r.track(7, r.allocateSeq(), frame(2));
    for (let i = 0; i < 6; i++) clock.sleep(5000);
    assert.deepEqual(gaveUp, [7], 'gave up in the end');
  });

  /** A layer toward neighbour 7 whose sends, retransmissions and give-ups are recorded. */
  function recorded(silent = () => false) {
    const clock = fakeTimers();
    const sent: number[] = [];
    const gaveUp: number[] = [];
    const queueFull: number[] = [];
    let retransmits = 0;
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: (_to, f) => sent.push(f[0]),
        onGiveUp: (n) => gaveUp.push(n),
        onRetransmit: () => retransmits++,
        onQueueFull: (n) => queueFull.push(n),
        now: clock.now,
        silent,
      },
      100,
      5,
      1,
    );
    return { clock, r, sent, gaveUp, queueFull, retransmits: () => retransmits };
  }

  it('keeps at most MAX_IN_FLIGHT packets unacknowledged per neighbour; the rest wait and go out in order', () => {
    const { r, sent } = recorded();
    const seqs: number[] = [];
    for (let i = 0; i < MAX_IN_FLIGHT + 3; i++) {
      const seq = r.allocateSeq();
      seqs.push(seq);
      if (r.mayTransmit(7)) r.track(7, seq, frame(i));
      else r.enqueue(7, seq, frame(i));
    }
    assert.equal(r.inFlight, MAX_IN_FLIGHT);
    assert.equal(r.queued, 3);
    assert.ok(r.mayTransmit(8), 'another neighbour has its own window');
    r.acked(7, seqs[0]);
    assert.deepEqual(sent, [MAX_IN_FLIGHT], 'the oldest waiting one went out');
    assert.equal(r.inFlight, MAX_IN_FLIGHT);
    r.acked(7, seqs[1]);
    r.acked(7, seqs[2]);
    assert.deepEqual(sent, [MAX_IN_FLIGHT, MAX_IN_FLIGHT + 1, MAX_IN_FLIGHT + 2]);
    assert.equal(r.queued, 0);
    assert.equal(r.mayTransmit(7), false, 'the window is full again');
  });

  it('past a full queue drops for a neighbour that answers, gives up one that does not; forget() empties it', () => {
    const { clock, r, gaveUp, queueFull } = recorded();
    for (let i = 0; i < MAX_IN_FLIGHT; i++) r.track(7, r.allocateSeq(), frame(i));
    for (let i = 0; i < MAX_QUEUED; i++) r.enqueue(7, r.allocateSeq(), frame(i));
    assert.deepEqual(gaveUp, []);
    r.enqueue(7, r.allocateSeq(), frame(0));
    assert.deepEqual(
      gaveUp,
      [],
      'nothing retransmitted yet: a live neighbour that drains slower than we send',
    );
    assert.deepEqual(queueFull, [7], 'the packet is dropped and counted');
    assert.equal(r.queued, MAX_QUEUED);
    clock.advance(100); // the oldest times out and is retransmitted: the neighbour answers nothing
    r.enqueue(7, r.allocateSeq(), frame(0));
    assert.deepEqual(
      gaveUp,
      [7],
      'one more than MAX_QUEUED while retransmitting: the neighbour takes nothing',
    );
    r.forget(7);
    assert.equal(r.queued, 0);
    assert.equal(r.inFlight, 0);
    assert.ok(r.mayTransmit(7));
  });

  it('retransmits only the oldest packet to a neighbour that answers nothing; the others wait a timeout past its ACK', () => {
    const { clock, r, sent, retransmits } = recorded();
    const seqs = [1, 2, 3, 4].map((i) => {
      const seq = r.allocateSeq();
      r.track(7, seq, frame(i));
      clock.advance(10);
      return seq;
    });
    clock.advance(100 + 200 + 400); // three backoff steps of the oldest
    assert.deepEqual(sent, [1, 1, 1], 'only the oldest was sent again');
    assert.equal(retransmits(), 3);
    r.acked(7, seqs[0]);
    assert.deepEqual(
      sent,
      [1, 1, 1],
      'its ACK sends nothing at once: the others may be acknowledged in its burst',
    );
    r.acked(7, seqs[1]);
    r.acked(7, seqs[2]);
    clock.advance(100);
    assert.deepEqual(sent, [1, 1, 1, 4], 'the one still unacknowledged a timeout later goes again');
    r.acked(7, seqs[3]);
    assert.equal(r.inFlight, 0);
  });

  it('retransmits nothing to a neighbour whose hellos are overdue, counting no try, until it is heard again', () => {
    let silent = true;
    const { clock, r, sent, gaveUp } = recorded(() => silent);
    const seq = r.allocateSeq();
    r.track(7, seq, frame(1));
    clock.advance(30_000);
    assert.deepEqual(sent, [], 'nothing sent into a stalled host');
    assert.deepEqual(gaveUp, [], 'its hold time decides, not the retransmissions');
    silent = false;
    clock.advance(100);
    assert.deepEqual(sent, [1], 'heard again: the packet is sent again, as its first try');
    r.acked(7, seq);
    assert.equal(r.inFlight, 0);
  });

  it('stop() cancels every retransmission timer and forgets what was in flight', () => {
    const clock = fakeTimers();
    const r = new ReliableControl(
      {
        setTimer: clock.setTimer,
        resend: () => assert.fail('a stopped node sends nothing'),
        onGiveUp: () => assert.fail('a stopped node fails no link'),
        onRetransmit: () => {},
        onQueueFull: () => {},
        now: clock.now,
        silent: () => false,
      },
      100,
      3,
      1,
    );
    r.track(7, r.allocateSeq(), frame(1));
    r.track(8, r.allocateSeq(), frame(2));
    r.stop();
    assert.equal(clock.armed(), 0);
    assert.equal(r.inFlight, 0);
    clock.advance(10_000);
  });
});
