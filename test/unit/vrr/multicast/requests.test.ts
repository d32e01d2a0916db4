// End-to-end retries of membership requests (requests.ts): a request whose first copy is lost is sent again and
// answered; the answer (MEMBERS, SOURCES, the echoed WITHDRAW/LEAVE) stops the retries; attempts are bounded and
// counted; a later request of the same role replaces a pending one.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import type { NodeServices } from '../../../../src/vrr/extension.ts';
import { MembershipRequests, roleOf, type RequestType } from '../../../../src/vrr/multicast/requests.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import { McastOptionType } from '../../../../src/vrr/wire/types.ts';
import { G, netWithRvp } from './mcast-kit.ts';

const S: Address = 0x020000000001;
const M: Address = 0x020000000002;
const R: Address = 0x020000000009;

/** MembershipRequests on a hand-driven clock: sends and counters recorded. */
function harness(attempts = 3) {
  let now = 0;
  const timers: { at: number; fire: () => void; dead: boolean }[] = [];
  const counts = new Map<string, number>();
  const sent: { type: RequestType; group: Address; at: number }[] = [];
  const services = {
    rng: createRng(1),
    now: () => now,
    setTimer: (ms: number, fire: () => void) => {
      const t = { at: now + ms, fire, dead: false };
      timers.push(t);
      return { cancel: () => (t.dead = true) };
    },
    count: (name: string, by = 1) => counts.set(name, (counts.get(name) ?? 0) + by),
  } as unknown as NodeServices;
  const reqs = new MembershipRequests(services, { timeoutMs: 1000, attempts }, (type, group) =>
    sent.push({ type, group, at: now }),
  );
  const runFor = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const live = timers.filter((t) => !t.dead && t.at <= end).sort((a, b) => a.at - b.at);
      if (live.length === 0) break;
      live[0].dead = true;
      now = live[0].at;
      live[0].fire();
      reqs.checkInvariants();
    }
    now = end;
  };
  return { reqs, sent, counts, runFor };
}

describe('MembershipRequests', () => {
  it('retries an unanswered request with growing, jittered waits, then gives up (counted)', () => {
    const { reqs, sent, counts, runFor } = harness(3);
    reqs.start(McastOptionType.JOIN, G);
    runFor(60_000);
    assert.equal(sent.length, 3, 'bounded attempts');
    const gaps = [sent[1].at - sent[0].at, sent[2].at - sent[1].at];
    assert.ok(gaps[0] >= 750 && gaps[0] <= 1250, `first wait ${gaps[0]}`);
    assert.ok(gaps[1] >= 1500 && gaps[1] <= 2500, `second wait ${gaps[1]} (doubled)`);
    assert.deepEqual(Object.fromEntries(counts), {
      'mcast.request.sent': 1,
      'mcast.request.retry': 2,
      'mcast.request.failed': 1,
    });
    assert.equal(reqs.pendingType(G, 'member'), undefined);
  });

  it('an answer stops the retries; only an answer to the pending type counts', () => {
    const { reqs, sent, counts, runFor } = harness();
    reqs.start(McastOptionType.REGISTER, G);
    assert.equal(reqs.ack(McastOptionType.JOIN, G), false, 'another role');
    assert.equal(reqs.ack(McastOptionType.WITHDRAW, G), false, 'another type of the role');
    runFor(1300); // one retry
    assert.equal(reqs.ack(McastOptionType.REGISTER, G), true);
    assert.equal(reqs.ack(McastOptionType.REGISTER, G), false, 'a duplicate answer');
    runFor(60_000);
    assert.equal(sent.length, 2);
    assert.equal(counts.get('mcast.request.acked'), 1);
    assert.equal(counts.get('mcast.request.failed'), undefined);
  });

  // clear() (the node stopped): pending requests are dropped and their retries never go out.
  it('clear drops every pending request: no retry after it', () => {
    const { reqs, sent, runFor } = harness(3);
    reqs.start(McastOptionType.JOIN, G);
    reqs.start(McastOptionType.REGISTER, G);
    reqs.clear();
    runFor(60_000);
    assert.equal(sent.length, 2, 'the first attempts only');
    assert.equal(reqs.pendingType(G, 'member'), undefined);
    assert.equal(reqs.pendingType(G, 'source'), undefined);
  });

  it('a LEAVE replaces an unanswered JOIN (one pending request per group and role)', () => {
    const { reqs, sent, runFor } = harness();
    reqs.start(McastOptionType.JOIN, G);
    reqs.start(McastOptionType.REGISTER, G);
    reqs.start(McastOptionType.LEAVE, G);
    assert.equal(reqs.pendingType(G, 'member'), McastOptionType.LEAVE);
    assert.equal(reqs.pendingType(G, 'source'), McastOptionType.REGISTER);
    runFor(1300);
    assert.deepEqual(
      sent
        .slice(3)
        .map((x) => x.type)
        .sort(),
      [McastOptionType.REGISTER, McastOptionType.LEAVE].sort(),
      'the JOIN is not retried',
    );
    assert.equal(roleOf(McastOptionType.WITHDRAW), 'source');
    assert.equal(roleOf(McastOptionType.JOIN), 'member');
  });
});

describe('membership requests end to end', () => {
  it('a JOIN whose first copy is lost is retried and answered: the member gets on the tree', () => {
    const net = netWithRvp([S, M], R).link(S, M);
    net.route(M, S, S);
    net.mc.get(S)!.register(G);
    net.flush();
    net.mc.get(M)!.join(G);
    assert.equal(
      net.lose((m) => m.option?.type === McastOptionType.JOIN),
      1,
      'the first JOIN is lost',
    );
    net.flush();
    assert.deepEqual(net.mc.get(R)!.rvpRecords()[0].members, [], 'the RVP never heard of M');
    net.advance(3000); // the retry
    assert.equal(net.count(M, 'mcast.request.retry'), 1);
    assert.equal(net.count(M, 'mcast.request.acked'), 1);
    assert.deepEqual(net.mc.get(R)!.rvpRecords()[0].members, [M]);
    assert.equal(net.mc.get(M)!.table()[0].upstream, S, 'the answer listed S: M branched');
  });

  it('a LEAVE and a WITHDRAW are acknowledged by their echo; a lost echo makes them go again', () => {
    const net = netWithRvp([S, M], R).link(S, M);
    net.route(M, S, S);
    net.mc.get(S)!.register(G);
    net.mc.get(M)!.join(G);
    net.flush();
    net.mc.get(M)!.leave(G);
    net.mc.get(S)!.withdraw(G);
    net.deliver(net.queue.findIndex((m) => m.option?.type === McastOptionType.LEAVE));
    // The RVP applied the LEAVE; its echo to M is lost.
    assert.equal(
      net.lose((m) => m.to === M && m.option?.type === McastOptionType.LEAVE),
      1,
    );
    net.flush();
    assert.equal(net.count(S, 'mcast.request.acked'), 2, 'REGISTER and WITHDRAW answered');
    assert.equal(net.count(M, 'mcast.request.acked'), 1, 'only the JOIN so far');
    net.advance(3000);
    assert.equal(net.count(M, 'mcast.request.retry'), 1);
    assert.equal(net.count(M, 'mcast.request.acked'), 2, 'the repeated LEAVE was echoed');
    assert.deepEqual(net.mc.get(R)!.rvpRecords()[0], { group: G, role: 'owner', sources: [], members: [] });
  });

  it('an RVP that never answers: the request is given up after its attempts, and the refresh tries later', () => {
    const net = netWithRvp([M], R, { requestAttempts: 3, refreshMs: 120_000 });
    net.mc.get(M)!.join(G);
    net.blackhole = (m) => m.option?.type === McastOptionType.JOIN;
    net.advance(40_000);
    net.blackhole = null;
    assert.equal(net.count(M, 'mcast.request.sent'), 1);
    assert.equal(net.count(M, 'mcast.request.retry'), 2);
    assert.equal(net.count(M, 'mcast.request.failed'), 1);
    net.advance(150_000); // the refresh: a new request, answered this time
    assert.equal(net.count(M, 'mcast.refresh'), 1);
    assert.equal(net.count(M, 'mcast.request.acked'), 1);
    assert.deepEqual(net.mc.get(R)!.rvpRecords()[0].members, [M]);
  });
});
