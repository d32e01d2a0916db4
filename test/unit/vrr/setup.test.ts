// Setup requests (src/vrr/setup.ts) through the node's public API: a node that refused is held off for
// refusalHoldHellos periods, a request is sent at most setupAttempts times, and the tables' invariants hold
// between any two events.

import assert from 'node:assert/strict';
import { encodePacket } from '../../../src/vrr/wire/index.ts';
import { OptionType } from '../../../src/vrr/wire/types.ts';
import { convergedLine, LINE, TestNet } from './harness.ts';

// A B C D E = 0x10 .. 0x50 on a line, r = 2: converged, A holds B and E. F and G lie between A and B: nearer
// A than B, so each is worth asking once A hears of it.
const [a, b] = LINE;
const F = 0x020000000012;
const G = 0x020000000014;
const H = 0x020000000016;

const converged = (): TestNet => convergedLine();

let seq = 900;
/** A setup_fail from `src` (naming `vset`) reaching A through B. */
function refusalAtA(net: TestNet, src: number, vset: number[]): void {
  const option = { type: OptionType.SETUP_FAIL, token: seq, src, dst: a, proxy: a, vset };
  net.nodes[0].receive(
    0,
    b,
    encodePacket({ kind: 'control', flags: 0, sender: b, seq: seq++, options: [option] }),
  );
}

/** The targets A asked (setup-req events) since event index `mark`. */
function askedByA(net: TestNet, mark: number): number[] {
  return net.events
    .slice(mark)
    .filter((x) => x.node === 0 && x.event.type === 'setup-req')
    .map((x) => (x.event.type === 'setup-req' ? x.event.target : -1));
}

/** Runs ms in 50 ms steps, checking every node's invariants at each. */
function runChecked(net: TestNet, ms: number): void {
  for (let t = 0; t < ms; t += 50) {
    net.run(50);
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), [], `at ${net.now} ms`);
  }
}

describe('vrr/setup (setup requests)', () => {
  it('a node that refused is not asked again before its hold of refusalHoldHellos periods ends', () => {
    const net = converged();
    const hold = net.nodes[0].config.refusalHoldHellos * net.nodes[0].config.helloMs;
    const mark = net.events.length;
    refusalAtA(net, F, []); // F refuses A: held
    runChecked(net, 100);
    refusalAtA(net, G, [F]); // G names F: F is held, G is held (it refused)
    runChecked(net, hold / 2);
    assert.ok(!askedByA(net, mark).includes(F), 'F not asked while held');
    runChecked(net, hold);
    const again = net.events.length;
    refusalAtA(net, H, [F]); // the hold is over: F is worth asking again
    runChecked(net, 100);
    assert.ok(
      askedByA(net, again).includes(F),
      `A asks F once the hold is over (asked ${askedByA(net, again)})`,
    );
  });

  it('a target that never answers is asked at most setupAttempts times', () => {
    const net = converged();
    const c0 = net.nodes[0].config;
    const mark = net.events.length;
    refusalAtA(net, G, [F]); // F exists nowhere
    // Retries back off from setupRetryMs, doubling (±25 %): 20 periods cover every attempt and more.
    runChecked(net, 20 * c0.setupRetryMs);
    const toF = askedByA(net, mark).filter((t) => t === F);
    assert.ok(toF.length >= 1 && toF.length <= c0.setupAttempts, `asked F ${toF.length} times`);
  });

  it('a target unanswered round after round is held ever longer: 4, 8, 16 periods', () => {
    const net = converged();
    const c0 = net.nodes[0].config;
    const rounds: number[] = [];
    let mark = net.events.length;
    for (let t = 0; t < 80_000; t += 50) {
      // F, which exists nowhere, keeps being named to A; each request for it ends at the node closest to it, which
      // is not F: a round that F never answered.
      if (t % 1000 === 0) refusalAtA(net, G, [F]);
      runChecked(net, 50);
      for (const e of net.events.slice(mark))
        if (e.node === 0 && e.event.type === 'setup-req' && e.event.target === F && e.event.attempt === 1)
          rounds.push(e.at);
      mark = net.events.length;
    }
    assert.ok(rounds.length >= 4, `${rounds.length} rounds`);
    for (let k = 0; k < 3; k++) {
      const hold = c0.refusalHoldHellos * c0.helloMs * 2 ** k;
      const gap = rounds[k + 1] - rounds[k];
      // Asked again once the hold is over: it is dropped by the hello period's housekeeping, F named every second.
      assert.ok(
        gap >= hold && gap <= hold + 2300,
        `round ${k + 2} came ${gap} ms after round ${k + 1}, hold ${hold}`,
      );
    }
  });
});
