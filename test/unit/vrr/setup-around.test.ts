// The merge path of partition repair (src/vrr/setup.ts, setupAround), through the node's public API: a setup_req
// answered by a node other than its target means greedy routing from here ends short of the target (what a merge
// of two rings looks like), and holding the target off would stall the merge. The requester then sets the path up
// directly: along its own route to the target if it holds one, else through the node whose vset named the target
// (its informant, which holds a path to it). With neither, the target is held off as unanswered. A request that
// goes unanswered is set up around the same way at its first retry.

import assert from 'node:assert/strict';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import {
  OptionType,
  type KnownOption,
  type SetupOption,
  type SetupReqOption,
} from '../../../src/vrr/wire/types.ts';
import { convergedLine, LINE, TestNet } from './harness.ts';

// A B C D E = 0x10 .. 0x50 on a line, r = 2: converged, C holds B and D, and relays the A - E path (the wrap).
const [A, B, C, D] = LINE;
/** Between C and D, nearer C than D is: worth asking for C. Exists nowhere. */
const X = 0x020000000038;
/** Between C and X: once C knows of it, X is no longer worth asking. Exists nowhere. */
const W = 0x020000000034;
/** A node no one is linked to or holds a route to. */
const NOWHERE = 0x0200000000f0;

const converged = (): TestNet => convergedLine();

let hopSeq = 7000;
/** Node C receives one option from its linked neighbour `from` (B on port 0, D on port 1). */
function toC(net: TestNet, from: number, option: KnownOption): void {
  net.nodes[2].receive(
    from === B ? 0 : 1,
    from,
    encodePacket({ kind: 'control', flags: 0, sender: from, seq: hopSeq++, options: [option] }),
  );
}

/** Every option node C sends from now on, with the neighbour it goes to; `lose` drops its setup_reqs for X. */
function watchC(net: TestNet, lose = false): { to: number; opt: KnownOption }[] {
  const seen: { to: number; opt: KnownOption }[] = [];
  net.tap = (from, port, frame) => {
    if (from !== 2) return frame;
    const r = decodePacket(frame);
    if (!r.ok || r.packet.kind !== 'control') return frame;
    for (const o of r.packet.options) seen.push({ to: port === 0 ? B : D, opt: o });
    const forX = r.packet.options.some((o) => o.type === OptionType.SETUP_REQ && o.dst === X);
    return lose && forX ? null : frame;
  };
  return seen;
}

/** C's setup_reqs for X among the options it sent, one per token (a retransmission repeats one). */
function requestsForX(sent: { opt: KnownOption }[]): SetupReqOption[] {
  const byToken = new Map<number, SetupReqOption>();
  for (const s of sent)
    if (s.opt.type === OptionType.SETUP_REQ && s.opt.dst === X && s.opt.src === C)
      byToken.set(s.opt.token, s.opt);
  return [...byToken.values()];
}

/** C's SETUPs toward X, with the neighbour each went to. */
const setupsToX = (sent: { to: number; opt: KnownOption }[]): { to: number; opt: SetupOption }[] =>
  sent.flatMap((s) =>
    s.opt.type === OptionType.SETUP && s.opt.dst === X && s.opt.src === C ? [{ to: s.to, opt: s.opt }] : [],
  );

/** The reasons of C's setup-req events for X since event index `mark`. */
function whysForX(net: TestNet, mark: number): string[] {
  return net.events
    .slice(mark)
    .flatMap((e) =>
      e.node === 2 && e.event.type === 'setup-req' && e.event.target === X ? [e.event.why] : [],
    );
}

const count = (net: TestNet, name: string): number => net.nodes[2].counters()[name] ?? 0;

/** C is shown X by `informant` (a setup_fail naming X), and asks X: the token of its setup_req. */
function askX(net: TestNet, sent: { opt: KnownOption }[], informant: number): number {
  toC(net, B, { type: OptionType.SETUP_FAIL, token: hopSeq, src: informant, dst: C, proxy: C, vset: [X] });
  const reqs = requestsForX(sent);
  assert.equal(reqs.length, 1, 'C asks X at once');
  return reqs[0].token;
}

/** A setup_fail for C's request `token`, answered by `src`, arriving from D. */
function answer(net: TestNet, token: number, src: number): void {
  toC(net, D, { type: OptionType.SETUP_FAIL, token, src, dst: C, proxy: C, vset: [] });
}

describe('vrr/setup: setupAround, the merge path of partition repair', () => {
  it('a request answered by another node is set up at once through the informant that named the target', () => {
    const net = converged();
    const sent = watchC(net);
    const mark = net.events.length;
    const token = askX(net, sent, B);
    assert.equal(count(net, 'setupsAround'), 0);
    answer(net, token, D); // D, not X, answered: greedy routing ended short of X
    assert.equal(count(net, 'setupsAround'), 1);
    assert.deepEqual(whysForX(net, mark), ['learned from setup_fail', 'setup around: through its informant']);
    const setups = setupsToX(sent);
    assert.equal(setups.length, 1, 'one SETUP toward X');
    assert.equal(setups[0].to, B, 'through the informant B');
    assert.equal(setups[0].opt.proxy, B);
    assert.ok(
      net.nodes[2].routes().some((r) => r.ea === C && r.eb === X && r.nb === B),
      'C installed its end of the path, toward B',
    );
    assert.deepEqual(net.nodes[2].checkInvariants(), []);
  });

  it('along its own route to the target when it holds one (ahead of the informant)', () => {
    const net = converged();
    const sent = watchC(net);
    const mark = net.events.length;
    const token = askX(net, sent, B);
    // A path from X to B passes through C (set up by X through D): C now holds a route whose endpoint is X.
    toC(net, D, { type: OptionType.SETUP, pathId: 4711, src: X, dst: B, proxy: B, vset: [] });
    assert.ok(net.nodes[2].routes().some((r) => r.ea === X && r.pathId === 4711 && r.na === D));
    answer(net, token, D);
    assert.equal(count(net, 'setupsAround'), 1);
    assert.deepEqual(whysForX(net, mark).slice(-1), ['setup around: own route']);
    const setups = setupsToX(sent);
    assert.equal(setups.length, 1);
    assert.equal(setups[0].to, D, 'along the route to X, through D');
    assert.equal(setups[0].opt.proxy, X);
  });

  it('with neither a route nor a reachable informant, the target is held off as unanswered, not set up around', () => {
    const net = converged();
    const sent = watchC(net);
    const token = askX(net, sent, NOWHERE);
    answer(net, token, D);
    assert.equal(count(net, 'setupsAround'), 0);
    assert.equal(setupsToX(sent).length, 0);
    // X is on hold: named again at once, it is not asked again, and no retry of the ended request comes.
    toC(net, B, { type: OptionType.SETUP_FAIL, token: hopSeq++, src: NOWHERE, dst: C, proxy: C, vset: [X] });
    net.run(3 * net.nodes[2].config.setupRetryMs);
    assert.equal(requestsForX(sent).length, 1, 'X asked once only');
    assert.equal(count(net, 'setupsAround'), 0);
  });

  it('a refusal by the target itself holds it off: nothing is set up around it', () => {
    const net = converged();
    const sent = watchC(net);
    const token = askX(net, sent, B);
    answer(net, token, X);
    assert.equal(count(net, 'setupsAround'), 0);
    assert.equal(setupsToX(sent).length, 0);
    net.run(3 * net.nodes[2].config.setupRetryMs);
    assert.equal(requestsForX(sent).length, 1, 'X is held: not asked again');
    assert.equal(count(net, 'setupsAround'), 0);
  });

  it('an answer with another token leaves the request pending; unanswered, it is set up around at its first retry', () => {
    const net = converged();
    const sent = watchC(net, true); // the setup_req for X is lost: nobody answers it
    const mark = net.events.length;
    const token = askX(net, sent, B);
    answer(net, token ^ 0x5a5a, D);
    assert.equal(count(net, 'setupsAround'), 0, 'not an answer to this request');
    assert.equal(net.nodes[2].tableSizes().pendingSetups, 1, 'still pending');
    // The first retry comes after setupRetryMs (±25 %): instead of a second setup_req, a direct setup.
    net.run(1.3 * net.nodes[2].config.setupRetryMs);
    assert.equal(requestsForX(sent).length, 1, 'no second setup_req');
    assert.equal(count(net, 'setupsAround'), 1);
    assert.deepEqual(whysForX(net, mark), ['learned from setup_fail', 'setup around: through its informant']);
    assert.equal(setupsToX(sent)[0]?.to, B);
  });

  it('not around a target that is no longer worth asking: a nearer node became known meanwhile', () => {
    const net = converged();
    const sent = watchC(net);
    const token = askX(net, sent, B);
    // W, between C and X, is named too: C asks it, and knows of it from now on.
    toC(net, B, { type: OptionType.SETUP_FAIL, token: hopSeq++, src: B, dst: C, proxy: C, vset: [W] });
    assert.ok(
      sent.some((s) => s.opt.type === OptionType.SETUP_REQ && s.opt.dst === W),
      'C asks W',
    );
    answer(net, token, D);
    assert.equal(count(net, 'setupsAround'), 0);
    assert.equal(setupsToX(sent).length, 0);
  });

  it('through an informant reached along a route, not a link (A, endpoint of the A - E path through C)', () => {
    const net = converged();
    const sent = watchC(net);
    const token = askX(net, sent, A);
    answer(net, token, D);
    assert.equal(count(net, 'setupsAround'), 1);
    const setups = setupsToX(sent);
    assert.equal(setups.length, 1);
    assert.equal(setups[0].opt.proxy, A);
    assert.equal(setups[0].to, B, 'toward A');
  });

  // An answer that comes after the target became a virtual neighbour some other way (it asked this node, which
  // accepted) must not start a second, parallel path to it around the informant.
  it('not around a target that became a virtual neighbour meanwhile', () => {
    const net = converged();
    const sent = watchC(net);
    const token = askX(net, sent, B);
    // X asks C itself (its setup_req reaches C from D): C accepts, setting up a path to X.
    toC(net, D, { type: OptionType.SETUP_REQ, token: 4321, src: X, dst: C, proxy: D, vset: [] });
    assert.ok(net.nodes[2].vsetMembers().includes(X));
    assert.equal(setupsToX(sent).length, 1, 'C set up its path to X');
    answer(net, token, D);
    assert.equal(count(net, 'setupsAround'), 0);
    assert.equal(setupsToX(sent).length, 1, 'no second path');
  });

  // Nor around a target that went on hold meanwhile (here: it refused an earlier request of C's).
  it('not around a target that went on hold meanwhile', () => {
    const net = converged();
    const sent = watchC(net);
    const token = askX(net, sent, B);
    answer(net, token ^ 0x77, X); // X refuses (an answer to another request): held
    answer(net, token, D);
    assert.equal(count(net, 'setupsAround'), 0);
    assert.equal(setupsToX(sent).length, 0);
  });

  // A request whose target stopped being worth asking (a nearer node became known) ends at its next retry: no
  // second setup_req, nothing set up around it.
  it('an unanswered request whose target is no longer worth asking ends at its retry', () => {
    const net = converged();
    const sent = watchC(net, true); // the setup_req for X is lost
    askX(net, sent, B);
    toC(net, B, { type: OptionType.SETUP_FAIL, token: hopSeq++, src: B, dst: C, proxy: C, vset: [W] });
    const pendingWithW = net.nodes[2].tableSizes().pendingSetups;
    net.run(1.3 * net.nodes[2].config.setupRetryMs);
    assert.equal(requestsForX(sent).length, 1, 'X not asked again');
    assert.equal(setupsToX(sent).length, 0, 'nor set up around');
    assert.ok(net.nodes[2].tableSizes().pendingSetups < pendingWithW, "X's request ended");
  });

  // A target on hold is not asked again before the hold ends, also when a path to it breaks (a failure asks the
  // other endpoint again, unless it is held).
  it('a held target is not asked again when the path it set up breaks', () => {
    const net = converged();
    const sent = watchC(net);
    const mark = net.events.length;
    const token = askX(net, sent, B);
    answer(net, token, X); // X refuses: held
    // X sets up a path to C all the same (through D): accepted, a member.
    toC(net, D, { type: OptionType.SETUP, pathId: 4713, src: X, dst: C, proxy: C, vset: [] });
    assert.ok(net.nodes[2].vsetMembers().includes(X));
    net.nodes[2].removePort(1); // C's port toward D: the path to X fails
    assert.ok(!net.nodes[2].vsetMembers().includes(X));
    assert.deepEqual(whysForX(net, mark), ['learned from setup_fail'], 'X not asked again');
  });

  describe('requests whose answers never match (their token is changed on the way)', () => {
    /** C's setup_reqs for X leave with another token (once: C passes its own on when one comes back). */
    function garbleTokens(net: TestNet, sent: { to: number; opt: KnownOption }[]): void {
      const garbled = new Set<number>();
      net.tap = (from, port, frame) => {
        if (from !== 2) return frame;
        const r = decodePacket(frame);
        if (!r.ok || r.packet.kind !== 'control') return frame;
        const options = r.packet.options.map((o) => {
          if (o.type !== OptionType.SETUP_REQ || o.dst !== X || garbled.has(o.token)) return o;
          const token = (o.token ^ 0x40000000) >>> 0;
          garbled.add(token);
          sent.push({ to: port === 0 ? B : D, opt: o });
          return { ...o, token };
        });
        return encodePacket({ ...r.packet, options });
      };
    }

    it('are sent setupAttempts times in all, then given up, and the target is held off', () => {
      const net = converged();
      const sent: { to: number; opt: KnownOption }[] = [];
      garbleTokens(net, sent);
      askX(net, sent, NOWHERE);
      const c = net.nodes[2].config;
      // Retries back off from setupRetryMs, doubling (±25 %): run until the request is given up.
      for (
        let t = 0;
        t < 2 ** (c.setupAttempts + 1) * c.setupRetryMs && count(net, 'setupReq.gaveUp') === 0;
        t += 100
      )
        net.run(100);
      assert.equal(count(net, 'setupReq.gaveUp'), 1);
      assert.equal(requestsForX(sent).length, c.setupAttempts);
      assert.equal(net.nodes[2].tableSizes().pendingSetups, 0);
      // Named again at once, X is on hold: not asked.
      toC(net, B, {
        type: OptionType.SETUP_FAIL,
        token: hopSeq++,
        src: NOWHERE,
        dst: C,
        proxy: C,
        vset: [X],
      });
      net.run(c.setupRetryMs);
      assert.equal(requestsForX(sent).length, c.setupAttempts);
      assert.deepEqual(net.nodes[2].checkInvariants(), []);
    });

    it('end at the next retry once the target became a virtual neighbour meanwhile', () => {
      const net = converged();
      const sent: { to: number; opt: KnownOption }[] = [];
      garbleTokens(net, sent);
      askX(net, sent, NOWHERE);
      // X sets up a path to C itself (through D): a member now.
      toC(net, D, { type: OptionType.SETUP, pathId: 4712, src: X, dst: C, proxy: C, vset: [] });
      assert.ok(net.nodes[2].vsetMembers().includes(X));
      assert.equal(net.nodes[2].tableSizes().pendingSetups, 0, 'its SETUP ends the request at once');
      net.run(3 * net.nodes[2].config.setupRetryMs);
      assert.equal(requestsForX(sent).length, 1, 'not asked again');
      assert.equal(count(net, 'setupsAround'), 0);
      assert.equal(net.nodes[2].tableSizes().pendingSetups, 0);
    });
  });

  it('a setup that would go back the way it came is not installed: torn down toward its sender', () => {
    const net = converged();
    const sent = watchC(net);
    // From B, a setup for a path toward A: C's way to A is B itself. Installed, its entry would lead both ways to
    // B, and with the teardown of the bounced copy lost (a full queue on a starved host) it stayed for good:
    // the only broken hops a 1,024-node lab kept once its vsets were right.
    toC(net, B, { type: OptionType.SETUP, pathId: 4242, src: NOWHERE, dst: A, proxy: A, vset: [] });
    assert.equal(count(net, 'setup.bounced'), 1);
    assert.ok(!net.nodes[2].routes().some((r) => r.pathId === 4242), 'no entry for the bounced path at C');
    assert.deepEqual(
      sent.filter((s) => 'pathId' in s.opt && s.opt.pathId === 4242).map((s) => [s.opt.type, s.to]),
      [[OptionType.TEARDOWN, B]],
      'a teardown back to B, and no setup passed on',
    );
  });
});

describe('vrr/setup: what a hold says about the node held', () => {
  /** Between X and D: nearer C than D is, farther than X. Exists nowhere. */
  const Y = 0x02000000003c;

  // A node held because this one set up a path to it (setupDirect) never answered: it may be gone, so it must not
  // count as a live ring node (knownRingNodes) and keep a nearer-than-known candidate from being asked. Counting
  // such holds as refusals would leave C's vset short of a neighbour it could have.
  it('a target held after a direct setup whose path failed does not stand in for a candidate', () => {
    const net = converged();
    const sent = watchC(net);
    // C's SETUP toward X never gets beyond C (B would tear it down deliberately, naming its vset).
    const tap = net.tap!;
    net.tap = (from, port, frame) => {
      const r = decodePacket(frame);
      const setupToX =
        from === 2 &&
        r.ok &&
        r.packet.kind === 'control' &&
        r.packet.options.some((o) => o.type === OptionType.SETUP && o.dst === X);
      const out = tap(from, port, frame);
      return setupToX ? null : out;
    };
    const token = askX(net, sent, B);
    answer(net, token, D); // set up around X, through B: X is held (not refused) while its path forms
    const [setup] = setupsToX(sent);
    assert.ok(setup, 'C set up a path to X through B');
    assert.ok(net.nodes[2].vsetMembers().includes(X));
    // The path fails (a teardown without a vset): X leaves the vset and stays on hold, unanswered.
    toC(net, B, { type: OptionType.TEARDOWN, pathId: setup.opt.pathId, ea: C, vset: null });
    assert.ok(!net.nodes[2].vsetMembers().includes(X), 'X is no member');
    const mark = net.events.length;
    toC(net, B, { type: OptionType.SETUP_FAIL, token: hopSeq++, src: B, dst: C, proxy: C, vset: [Y] });
    assert.ok(
      sent.some((s) => s.opt.type === OptionType.SETUP_REQ && s.opt.dst === Y),
      `C asks Y, X does not count as a ring node (events ${JSON.stringify(net.events.slice(mark).map((e) => e.event.type))})`,
    );
  });
});
