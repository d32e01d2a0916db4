// One node's Dht on fake NodeServices, for tests of its own messages: a clock and timers the test moves, the
// node's view of the ring (its vset, the closest node it knows to each key) set by the test, and every option it
// sends kept. Options addressed to it are delivered by the test, as its neighbour would.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { DEFAULT_CONFIG, type VrrConfig } from '../../../../src/vrr/config.ts';
import { Dht, hashKey, type DhtOptions } from '../../../../src/vrr/dht/index.ts';
import type { VrrEvent } from '../../../../src/vrr/events.ts';
import type { NodeServices } from '../../../../src/vrr/extension.ts';
import { createRng, type Rng } from '../../../../src/vrr/rng.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtOption,
  type DhtReplyOption,
  type DhtRequestOption,
  type DhtStatusValue,
  type DhtTransferOption,
  type KnownOption,
} from '../../../../src/vrr/wire/types.ts';
import { bytes, text } from './dht-net.ts';

export const HELLO_MS = 1000;

/** A Dht at `me` whose every route goes through one neighbour; what it knows of the ring is set by the test. */
export class FakeDhtNode {
  readonly sent: DhtOption[] = [];
  readonly events: VrrEvent[] = [];
  readonly counts = new Map<string, number>();
  vset: Address[] = [];
  /** The closest node this node knows to a key's hash (absent: the hash itself, as if a node were there). */
  readonly closest = new Map<Address, Address>();
  now = 0;
  readonly dht: Dht;
  readonly neighbour: Address;
  private timers: { at: number; seq: number; fire: () => void; dead: boolean }[] = [];
  private seq = 0;

  constructor(
    readonly me: Address,
    options: DhtOptions = {},
    rng: Rng = createRng(11),
  ) {
    this.neighbour = me + 1;
    const config = { ...DEFAULT_CONFIG, address: me, helloMs: HELLO_MS } as VrrConfig;
    const services: NodeServices = {
      address: me,
      config,
      rng,
      now: () => this.now,
      setTimer: (ms, fire) => {
        const t = { at: this.now + ms, seq: this.seq++, fire, dead: false };
        this.timers.push(t);
        return { cancel: () => void (t.dead = true) };
      },
      emit: (e) => this.events.push(e),
      count: (name, by = 1) => void this.counts.set(name, (this.counts.get(name) ?? 0) + by),
      isActive: () => true,
      vsetMembers: () => this.vset,
      linkedNeighbors: () => [this.neighbour],
      nextHop: (dst) => this.hop(dst),
      sendToNeighbor: () => true,
      routeToward: (dst, option) => {
        const hop = this.hop(dst);
        if (hop.kind !== 'forward') return hop.kind;
        this.sent.push(option as DhtOption);
        return 'forwarded';
      },
      sendDataVia: () => true,
      deliverLocally: () => {},
    };
    this.dht = new Dht(services, options);
  }

  /** The key's hash routes to `node` from now on (itself: this node owns the key). */
  ownerOf(key: string, node: Address): void {
    this.closest.set(hashKey(key), node);
  }

  private hop(dst: Address) {
    const end = this.closest.get(dst) ?? dst;
    if (end === this.me) return { kind: 'local' as const };
    return { kind: 'forward' as const, via: this.neighbour, endpoint: end };
  }

  /** Moves the clock on by ms, firing the timers due meanwhile in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const t = this.timers[0];
      if (!t || t.at > end) break;
      this.timers.shift();
      if (t.dead) continue;
      this.now = t.at;
      t.fire();
    }
    this.now = end;
  }

  /** The tables changed (a vset change): the node reconciles once they settle (half a hello). */
  settle(): void {
    this.dht.onVsetChange();
    this.advance(HELLO_MS);
  }

  deliver(option: DhtOption): void {
    this.dht.onOption(option as KnownOption, this.neighbour);
  }

  /** The REPLYs sent since `from` (an index into `sent`). */
  replies(from = 0): DhtReplyOption[] {
    return this.sent.slice(from).filter((o): o is DhtReplyOption => o.type === DhtOptionType.REPLY);
  }

  /** The transfers of one type sent since `from`. */
  transfers(type: DhtTransferOption['type'], from = 0): DhtTransferOption[] {
    return this.sent.slice(from).filter((o): o is DhtTransferOption => o.type === type);
  }

  /** A request (PUT, GET or DELETE) from `origin` reaching this node, as the key's owner; returns its answer. */
  request(
    type: DhtRequestOption['type'],
    key: string,
    origin: Address,
    fields: Partial<DhtRequestOption> = {},
  ): DhtReplyOption {
    const mark = this.sent.length;
    this.deliver({
      type,
      hopCount: 2,
      hopLimit: 64,
      reqId: 100_000 + this.sent.length,
      target: hashKey(key),
      origin,
      explicitVersion: false,
      version: 0,
      ttlMs: 0,
      key: bytes(key),
      value: new Uint8Array(0),
      ...fields,
    } as DhtRequestOption);
    const replies = this.replies(mark);
    assert.equal(replies.length, 1, 'one answer');
    return replies[0];
  }

  /** A REPLICATE, HANDOFF or RELEASE of `key` from `source` reaching this node. */
  transfer(
    type: DhtTransferOption['type'],
    key: string,
    source: Address,
    version: number,
    value: string,
    fields: Partial<DhtTransferOption> = {},
  ): void {
    this.deliver({
      type,
      hopCount: 2,
      hopLimit: 64,
      reqId: 200_000 + this.sent.length,
      target: type === DhtOptionType.HANDOFF ? hashKey(key) : this.me,
      tombstone: false,
      origin: source,
      version,
      ttlMs: 0,
      source,
      key: bytes(key),
      value: type === DhtOptionType.RELEASE ? new Uint8Array(0) : bytes(value),
      ...fields,
    } as DhtTransferOption);
  }

  /** The REPLYs this node sent since `from` to `target`. */
  repliesTo(target: Address, from = 0): DhtReplyOption[] {
    return this.replies(from).filter((r) => r.target === target);
  }

  /** `by` acknowledges one of this node's transfers. */
  acknowledge(t: DhtTransferOption, status: DhtStatusValue, by: Address, version = t.version): void {
    this.deliver({
      type: DhtOptionType.REPLY,
      hopCount: 2,
      hopLimit: 64,
      reqId: t.reqId,
      target: this.me,
      requestHops: 2,
      status,
      owner: by,
      version,
      ttlMs: 0,
      value: new Uint8Array(0),
    });
  }

  /** Acknowledges OK every REPLICATE sent since `from`. */
  acknowledgeReplicates(from = 0): void {
    for (const r of this.transfers(DhtOptionType.REPLICATE, from))
      this.acknowledge(r, DhtStatus.OK, r.target);
  }

  /** This node's live copy of key as "value@version/role", or null. */
  copy(key: string): string | null {
    const e = this.dht.entries().find((x) => text(x.key) === key);
    return e ? `${text(e.value)}@${e.version}/${e.role}` : null;
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}
