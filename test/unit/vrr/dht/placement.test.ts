// Issue #3 ("after a partition heals, every key has one value everywhere"), constructed by hand: one holder's
// Dht on fake NodeServices, its tables set by the test and every option it sends captured, so that the
// messages that met in the 100-node figures (a RELEASE from a former owner, a hand-off's answer, a REPLICATE)
// arrive in exactly the order that broke placement. The invariant (placement.ts, top): a node other than the owner
// keeps a copy exactly while the owner counts on it, so a copy leaves a holder only on the answer to its own
// latest hand-off.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtOption,
  type DhtReplyOption,
  type DhtStatusValue,
  type DhtTransferOption,
  type KnownOption,
} from '../../../../src/vrr/wire/types.ts';
import { bytes, text } from './dht-net.ts';
import { FakeDhtNode } from './fake-node.ts';

const KEY = 'key-0';
const H = hashKey(KEY);
// Around the key's hash: T owns it (the closest node); C is closer to it than P, and neither owns it.
const T = H + 1;
const C = H + 3;
const P = H + 9;
const R = H + 40; // the holder under test
const NEIGHBOUR = H + 41; // R's one linked neighbour: every option R sends goes through it

/** R's Dht (a FakeDhtNode that never moves its clock), with R's view of the ring set by the test. */
class Holder {
  readonly node = new FakeDhtNode(R, {}, createRng(3));
  readonly sent = this.node.sent;
  readonly dht = this.node.dht;

  constructor() {
    this.vset = [C];
    this.closest = C;
  }

  /** R's virtual neighbours. */
  get vset(): Address[] {
    return this.node.vset;
  }
  set vset(members: Address[]) {
    this.node.vset = members;
  }

  /** The endpoint R's forwarding rule picks for the key's hash (R itself when it is the closest it knows). */
  set closest(node: Address) {
    this.node.ownerOf(KEY, node);
  }

  /** R's copy of the key as "value@version", or null. */
  copy(): string | null {
    const e = this.dht.entries().find((x) => text(x.key) === KEY);
    return e ? `${text(e.value)}@${e.version}` : null;
  }

  /** A REPLICATE, HANDOFF or RELEASE from `source` arrives. */
  transfer(type: DhtTransferOption['type'], source: Address, value: string, version = 1): void {
    const release = type === DhtOptionType.RELEASE;
    this.deliver({
      type,
      hopCount: 3,
      hopLimit: 64,
      reqId: 1000 + this.sent.length,
      target: type === DhtOptionType.HANDOFF ? H : R,
      tombstone: false,
      origin: P,
      version,
      ttlMs: 0,
      source,
      key: bytes(KEY),
      value: release ? new Uint8Array(0) : bytes(value),
    });
  }

  /** The hand-offs R has sent, oldest first. */
  handoffs(): DhtTransferOption[] {
    return this.sent.filter((o): o is DhtTransferOption => o.type === DhtOptionType.HANDOFF);
  }

  /** The key's owner answers one of R's hand-offs. */
  answer(handoff: DhtTransferOption, status: DhtStatusValue, owner = T): void {
    const reply: DhtReplyOption = {
      type: DhtOptionType.REPLY,
      hopCount: 3,
      hopLimit: 64,
      reqId: handoff.reqId,
      target: R,
      requestHops: 3,
      status,
      owner,
      version: handoff.version,
      ttlMs: 0,
      value: new Uint8Array(0),
    };
    this.deliver(reply);
  }

  private deliver(option: DhtOption): void {
    this.dht.onOption(option as KnownOption, NEIGHBOUR);
  }
}

describe("DHT placement: a copy leaves a holder only on its owner's word (issue #3)", () => {
  it('a node released by a former owner asks the real owner, even when it knows a closer node', () => {
    // R holds the key for P (P's replica in P's half of a partition). After the heal P hands the key off to T,
    // the owner (R is not one of T's virtual neighbours), and releases R, while R's routes show it C, closer to
    // the key than P, though not its owner either. Before, R ignored P's RELEASE (P is farther than C) and
    // nothing else made it ask once its routes settled back on P: it kept the copy, in a stale version, for
    // good.
    const r = new Holder();
    r.closest = P;
    r.vset = [P, C];
    r.transfer(DhtOptionType.REPLICATE, P, 'A-0');
    assert.equal(r.copy(), 'A-0@1');
    assert.deepEqual(r.handoffs(), [], 'P, the owner in my eyes, counts on me: nothing to ask');

    r.closest = C;
    r.transfer(DhtOptionType.RELEASE, P, '');
    r.closest = P;
    assert.equal(r.copy(), 'A-0@1', 'a RELEASE does not drop the copy by itself');
    const [ask] = r.handoffs();
    assert.ok(ask, 'released, R hands its copy off toward the key');
    assert.deepEqual([ask.target, text(ask.value), ask.version], [H, 'A-0', 1]);

    r.answer(ask, DhtStatus.NOT_FOUND); // T: "I have the key; you are not one of my replicas"
    assert.equal(r.copy(), null);
  });

  it('a RELEASE from a stale owner does not remove a copy the real owner counts on', () => {
    // R is one of T's virtual neighbours (T replicated to it), but R's tables lag: they show P as the closest
    // node and not T. P, handing the key off to T, releases R. Before, R dropped its copy at once (P looked as
    // close as anyone R knew) while T kept counting on it: a replica missing for good.
    const r = new Holder();
    r.closest = P;
    r.vset = [P];
    r.transfer(DhtOptionType.REPLICATE, P, 'B-0', 2);
    r.transfer(DhtOptionType.RELEASE, P, '', 2);
    assert.equal(r.copy(), 'B-0@2');
    const [ask] = r.handoffs();
    assert.ok(ask);
    r.answer(ask, DhtStatus.OK); // T: "keep it, you are one of my replicas"
    assert.equal(r.copy(), 'B-0@2');
  });

  it('the answer to a hand-off crossed by a REPLICATE or a RELEASE no longer decides', () => {
    const r = new Holder();
    r.closest = T;
    r.vset = [T];
    r.transfer(DhtOptionType.REPLICATE, P, 'A-0'); // from a former owner: R asks T, the owner in its eyes
    const [first] = r.handoffs();
    assert.ok(first);
    // T answered NOT_FOUND (R was not in its vset yet), then R joined T's vset and T replicated to it: the
    // REPLICATE overtakes the answer. T counts on R now, so the older NOT_FOUND must not drop the copy.
    r.transfer(DhtOptionType.REPLICATE, T, 'A-0');
    r.answer(first, DhtStatus.NOT_FOUND);
    assert.equal(r.copy(), 'A-0@1');
    assert.equal(r.handoffs().length, 1, 'T, the owner in my eyes, counts on me: nothing to ask');

    // Another hand-off, which T answers OK; but R left T's vset meanwhile, and T's RELEASE overtakes the OK.
    r.transfer(DhtOptionType.REPLICATE, P, 'A-0');
    const [, second] = r.handoffs();
    assert.ok(second);
    r.transfer(DhtOptionType.RELEASE, T, '');
    const [, , third] = r.handoffs();
    assert.ok(third, 'the RELEASE makes R ask again');
    r.answer(second, DhtStatus.OK); // given before the RELEASE: does not decide
    assert.equal(r.copy(), 'A-0@1');
    r.answer(third, DhtStatus.NOT_FOUND);
    assert.equal(r.copy(), null);
  });
});
