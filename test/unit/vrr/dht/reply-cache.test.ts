// The owner's memory of its answers to writes (src/vrr/dht/reply-cache.ts, used by requests.ts): a PUT or DELETE
// retried because its reply was lost is answered again, not applied twice; a GET is always answered afresh; the
// memory is per (origin, request id) and holds the newest `replyCacheSize` answers.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { hashKey, type DhtOptions } from '../../../../src/vrr/dht/index.ts';
import { ReplyCache } from '../../../../src/vrr/dht/reply-cache.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtOption,
  type DhtReplyOption,
  type DhtRequestOption,
  type KnownOption,
} from '../../../../src/vrr/wire/types.ts';
import { bytes, text } from './dht-net.ts';
import { loneDht, type LoneDht } from './lone-dht.ts';

const KEY = 'retried-key';
const H = hashKey(KEY);
const O = H + 1; // the owner under test: the only node of its ring
const CLIENT = H + 1000;
const OTHER = H + 2000;
const NEIGHBOUR = H + 21;

/** A lone owner's Dht: the key's hash ends here. */
function owner(opts: DhtOptions = {}): LoneDht {
  const o = loneDht(O, NEIGHBOUR, opts);
  o.local.add(H);
  return o;
}

function request(
  type: DhtRequestOption['type'],
  reqId: number,
  value = '',
  origin: Address = CLIENT,
  hopCount = 3,
): DhtRequestOption {
  return {
    type,
    hopCount,
    hopLimit: 64,
    reqId,
    target: H,
    origin,
    explicitVersion: false,
    version: 0,
    ttlMs: 0,
    key: bytes(KEY),
    value: bytes(value),
  } as DhtRequestOption;
}

function replies(sent: DhtOption[]): DhtReplyOption[] {
  return sent.filter((o): o is DhtReplyOption => o.type === DhtOptionType.REPLY);
}

function held(dht: LoneDht['dht']): string | null {
  const e = dht.entries().find((x) => text(x.key) === KEY);
  return e ? `${text(e.value)}@${e.version}` : null;
}

describe('DHT: a retried write is answered again, not applied twice', () => {
  it('a PUT retried with the same request id gets the first answer and leaves the version alone', () => {
    const o = owner();
    o.dht.onOption(request(DhtOptionType.PUT, 41, 'a') as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.PUT, 41, 'a', CLIENT, 5) as KnownOption, NEIGHBOUR);
    assert.equal(held(o.dht), 'a@1', 'applied once');
    const r = replies(o.sent);
    assert.deepEqual(
      r.map((x) => [x.reqId, x.target, x.status, x.version, x.requestHops]),
      [
        [41, CLIENT, DhtStatus.OK, 1, 3],
        [41, CLIENT, DhtStatus.OK, 1, 5],
      ],
      'the same answer, with the hops of the retry',
    );
    assert.equal(o.counts.get('dht.request.retried'), 1);
    // A new request id is a new write.
    o.dht.onOption(request(DhtOptionType.PUT, 42, 'b') as KnownOption, NEIGHBOUR);
    assert.equal(held(o.dht), 'b@2');
  });

  it('the memory is per origin: another origin with the same request id is a new write', () => {
    const o = owner();
    o.dht.onOption(request(DhtOptionType.PUT, 7, 'a') as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.PUT, 7, 'b', OTHER) as KnownOption, NEIGHBOUR);
    assert.equal(held(o.dht), 'b@2');
    assert.deepEqual(
      replies(o.sent).map((x) => [x.target, x.version]),
      [
        [CLIENT, 1],
        [OTHER, 2],
      ],
    );
    assert.equal(o.counts.get('dht.request.retried') ?? 0, 0);
  });

  it('a DELETE retried is answered found once more, not NOT_FOUND; a GET is answered afresh', () => {
    const o = owner();
    o.dht.onOption(request(DhtOptionType.PUT, 1, 'a') as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.DELETE, 2) as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.DELETE, 2) as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.GET, 3) as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.PUT, 4, 'c') as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.GET, 3) as KnownOption, NEIGHBOUR);
    assert.deepEqual(
      replies(o.sent).map((x) => [x.reqId, x.status, x.version, text(x.value)]),
      [
        [1, DhtStatus.OK, 1, ''],
        [2, DhtStatus.OK, 2, ''],
        [2, DhtStatus.OK, 2, ''],
        [3, DhtStatus.NOT_FOUND, 2, ''],
        [4, DhtStatus.OK, 3, ''],
        [3, DhtStatus.OK, 3, 'c'],
      ],
    );
    assert.equal(o.counts.get('dht.request.retried'), 1, 'the DELETE only');
  });

  it(`remembers the newest replyCacheSize answers: an older retry is applied again`, () => {
    const o = owner({ replyCacheSize: 2 });
    for (const id of [1, 2, 3])
      o.dht.onOption(request(DhtOptionType.PUT, id, `v${id}`) as KnownOption, NEIGHBOUR);
    assert.equal(held(o.dht), 'v3@3');
    o.dht.onOption(request(DhtOptionType.PUT, 3, 'v3') as KnownOption, NEIGHBOUR);
    o.dht.onOption(request(DhtOptionType.PUT, 2, 'v2') as KnownOption, NEIGHBOUR);
    assert.equal(held(o.dht), 'v3@3', '2 and 3 remembered');
    o.dht.onOption(request(DhtOptionType.PUT, 1, 'v1') as KnownOption, NEIGHBOUR);
    assert.equal(held(o.dht), 'v1@4', '1 was forgotten: applied again');
  });
});

describe('ReplyCache', () => {
  const reply = (reqId: number): DhtReplyOption => ({
    type: DhtOptionType.REPLY,
    hopCount: 0,
    hopLimit: 64,
    reqId,
    target: CLIENT,
    requestHops: 0,
    status: DhtStatus.OK,
    owner: O,
    version: reqId,
    ttlMs: 0,
    value: new Uint8Array(0),
  });

  it('keys by origin and request id, evicts the oldest beyond capacity, and a re-put makes an entry newest', () => {
    const c = new ReplyCache(2);
    c.put(CLIENT, 1, reply(1));
    c.put(OTHER, 1, reply(11));
    assert.equal(c.get(CLIENT, 1)?.version, 1);
    assert.equal(c.get(OTHER, 1)?.version, 11);
    assert.equal(c.get(CLIENT, 2), undefined);
    assert.equal(c.size, 2);
    c.put(CLIENT, 1, reply(1)); // now the newest
    c.put(CLIENT, 3, reply(3));
    assert.equal(c.size, 2);
    assert.equal(c.get(OTHER, 1), undefined, 'the oldest went');
    assert.equal(c.get(CLIENT, 1)?.version, 1);
    assert.equal(c.get(CLIENT, 3)?.version, 3);
  });
});
