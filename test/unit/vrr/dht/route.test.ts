// One hop of a DHT option (src/vrr/dht/context.ts, route): passed on with one hop more while under its hop limit;
// at the limit it is handled only where it ends anyway; an option with no route is dropped; REPLY, REPLICATE and
// RELEASE are handled only by their exact target; a request whose target is not its key's hash is dropped.

import assert from 'node:assert/strict';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtOption,
  type KnownOption,
} from '../../../../src/vrr/wire/types.ts';
import { bytes } from './dht-net.ts';
import { loneDht } from './lone-dht.ts';

const KEY = 'routed-key';
const H = hashKey(KEY);
const ME = H + 7;
const NEIGHBOUR = H + 21;
const CLIENT = H + 900;

function get(hopCount: number, hopLimit: number, target = H): DhtOption {
  return {
    type: DhtOptionType.GET,
    hopCount,
    hopLimit,
    reqId: 5,
    target,
    origin: CLIENT,
    explicitVersion: false,
    version: 0,
    ttlMs: 0,
    key: bytes(KEY),
    value: new Uint8Array(0),
  } as DhtOption;
}

function reply(target: number): DhtOption {
  return {
    type: DhtOptionType.REPLY,
    hopCount: 1,
    hopLimit: 64,
    reqId: 6,
    target,
    requestHops: 1,
    status: DhtStatus.OK,
    owner: CLIENT,
    version: 1,
    ttlMs: 0,
    value: new Uint8Array(0),
  } as DhtOption;
}

describe('DHT: one hop of an option', () => {
  it('passes an option on with one hop more while it is under its hop limit', () => {
    const n = loneDht(ME, NEIGHBOUR);
    n.dht.onOption(get(3, 4) as KnownOption, NEIGHBOUR);
    assert.deepEqual(
      n.sent.map((o) => [o.type, o.target, o.hopCount, o.hopLimit]),
      [[DhtOptionType.GET, H, 4, 4]],
    );
  });

  it('at its hop limit: dropped (counted) unless it ends here, where it is handled', () => {
    const n = loneDht(ME, NEIGHBOUR);
    n.dht.onOption(get(4, 4) as KnownOption, NEIGHBOUR);
    assert.equal(n.sent.length, 0);
    assert.equal(n.counts.get('dht.drop.hopLimit'), 1);
    n.local.add(H);
    n.dht.onOption(get(4, 4) as KnownOption, NEIGHBOUR);
    assert.equal(n.counts.get('dht.drop.hopLimit'), 1);
    assert.deepEqual(
      n.sent.map((o) => [o.type, o.target]),
      [[DhtOptionType.REPLY, CLIENT]],
      'answered here: the closest node',
    );
  });

  it('drops an option with no route at all (counted)', () => {
    const n = loneDht(ME, NEIGHBOUR);
    n.unreachable.add(H);
    n.dht.onOption(get(0, 8) as KnownOption, NEIGHBOUR);
    assert.equal(n.sent.length, 0);
    assert.equal(n.counts.get('dht.drop.noRoute'), 1);
  });

  it('a REPLY ending at a node that is not its target is dropped, not taken', () => {
    const n = loneDht(ME, NEIGHBOUR);
    n.local.add(CLIENT); // greedy routing ends here, short of CLIENT
    n.dht.onOption(reply(CLIENT) as KnownOption, NEIGHBOUR);
    assert.equal(n.counts.get('dht.drop.notExact'), 1);
    assert.equal(n.counts.get('dht.reply.unmatched') ?? 0, 0);
    n.dht.onOption(reply(ME) as KnownOption, NEIGHBOUR);
    assert.equal(
      n.counts.get('dht.reply.unmatched'),
      1,
      'at its target it is taken (no request of mine: unmatched)',
    );
  });

  // A copy is meant for one node: one that ends elsewhere (greedy routing stopped short) must not be stored there.
  it('a REPLICATE or RELEASE ending at a node that is not its target is dropped, not taken', () => {
    const n = loneDht(ME, NEIGHBOUR);
    const OTHER = H + 8;
    n.local.add(OTHER); // routing toward OTHER ends here
    const copy = {
      hopCount: 1,
      hopLimit: 64,
      reqId: 9,
      target: OTHER,
      tombstone: false,
      origin: CLIENT,
      version: 1,
      ttlMs: 0,
      source: CLIENT,
      key: bytes(KEY),
      value: bytes('v'),
    };
    n.dht.onOption({ ...copy, type: DhtOptionType.REPLICATE } as KnownOption, NEIGHBOUR);
    n.dht.onOption({ ...copy, type: DhtOptionType.RELEASE } as KnownOption, NEIGHBOUR);
    assert.equal(n.counts.get('dht.drop.notExact'), 2);
    assert.equal(n.dht.entries().length, 0, 'not stored');
    assert.equal(n.sent.length, 0, 'not answered');
    n.dht.onOption({ ...copy, type: DhtOptionType.REPLICATE, target: ME } as KnownOption, NEIGHBOUR);
    assert.equal(n.dht.entries().length, 1, 'at its target it is taken');
  });

  it("a request whose target is not its key's hash is dropped where it ends", () => {
    const n = loneDht(ME, NEIGHBOUR);
    n.dht.onOption(get(0, 8, ME) as KnownOption, NEIGHBOUR);
    assert.equal(n.counts.get('dht.drop.badTarget'), 1);
    assert.equal(n.sent.length, 0, 'not answered');
  });

  it('a PUT with an explicit version outside 1 .. 2^32 - 1 is refused where it ends', () => {
    const n = loneDht(ME, NEIGHBOUR);
    n.local.add(H);
    for (const version of [0, 2 ** 32]) {
      const put = {
        ...get(0, 8),
        type: DhtOptionType.PUT,
        explicitVersion: true,
        version,
        value: bytes('v'),
      };
      n.dht.onOption(put as KnownOption, NEIGHBOUR);
    }
    const replies = n.sent.filter((o) => o.type === DhtOptionType.REPLY);
    assert.deepEqual(
      replies.map((r) => (r.type === DhtOptionType.REPLY ? r.status : -1)),
      [DhtStatus.REFUSED, DhtStatus.REFUSED],
    );
    assert.equal(n.dht.entries().length, 0, 'nothing stored');
  });
});
