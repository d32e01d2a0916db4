// Request ids (src/vrr/dht/context.ts, newReqId): drawn from the DHT's own rng stream, never 0 and never one that
// names a request or a transfer still awaiting its answer (a REPLY is matched by id alone: a reused id would settle
// the wrong request). Checked with a scripted rng that draws 0 and ids in use.

import assert from 'node:assert/strict';
import { hashKey } from '../../../../src/vrr/dht/index.ts';
import type { Rng } from '../../../../src/vrr/rng.ts';
import { DhtOptionType } from '../../../../src/vrr/wire/types.ts';
import { bytes } from './dht-net.ts';
import { FakeDhtNode } from './fake-node.ts';

/** An rng whose u32 draws are `ids`, in order (then 1, 2, 3, ...); next() is always 0.5. */
function scripted(ids: number[]): Rng {
  const queue = [...ids];
  let after = 0;
  const rng: Rng = {
    next: () => 0.5,
    int: (n) => Math.floor(n / 2),
    u32: () => queue.shift() ?? ++after,
    u48: () => queue.shift() ?? ++after,
    pick: (items) => items[0],
    fork: () => rng,
  };
  return rng;
}

describe('DHT: request ids', () => {
  it('skips 0 and the ids of requests and transfers awaiting their answer', () => {
    const ME = 0x02_00_00_00_00_10;
    const REMOTE = 'remote-key'; // owned by P: requests for it wait for P's answer
    const LOCAL = 'local-key'; // owned here: a PUT of it is replicated to V1
    const P = hashKey(REMOTE) + 1;
    const V1 = ME + 100;
    const n = new FakeDhtNode(ME, {}, scripted([0, 7, 7, 9, 9, 11, 11, 7, 13]));
    n.ownerOf(REMOTE, P);
    n.ownerOf(LOCAL, ME);
    n.vset = [V1];
    n.dht.put(REMOTE, bytes('a'), {}, () => {}); // draws 0 (skipped), 7
    n.dht.get(REMOTE, () => {}); // 7 is a request's: 9
    n.request(DhtOptionType.PUT, LOCAL, P, { value: bytes('b'), reqId: 500 }); // REPLICATE: 9 is a request's: 11
    n.dht.get(REMOTE, () => {}); // 11 is a transfer's, 7 a request's: 13
    assert.deepEqual(
      n.sent.filter((o) => o.type !== DhtOptionType.REPLY).map((o) => [o.type, o.reqId]),
      [
        [DhtOptionType.PUT, 7],
        [DhtOptionType.GET, 9],
        [DhtOptionType.REPLICATE, 11],
        [DhtOptionType.GET, 13],
      ],
    );
  });
});
