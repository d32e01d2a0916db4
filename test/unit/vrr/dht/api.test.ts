// The Dht's face (src/vrr/dht/dht.ts) and the owner's answers at the edges (requests.ts), on one node's Dht with
// fake services (fake-node.ts): buffers given to and taken from the API are copies, a stopped Dht does nothing,
// arguments are checked exactly, results have the fields their kind promises, versions stop at 2^32 - 1, and a
// tombstone outlives the value it deleted.

import assert from 'node:assert/strict';
import { DHT_MAX_KEY_BYTES, hashKey, type DhtResult } from '../../../../src/vrr/dht/index.ts';
import { DhtOptionType, DhtStatus, type DhtRequestOption } from '../../../../src/vrr/wire/types.ts';
import { bytes, text } from './dht-net.ts';
import { FakeDhtNode, HELLO_MS } from './fake-node.ts';

const KEY = 'api-key';
const H = hashKey(KEY);
const ME = H + 20;
const P = H + 5; // the key's owner when it is not ME
const V1 = H + 30;
const CLIENT = H + 1000;
const MAX_U32 = 0xffffffff;

/** ME, owning KEY, with V1 as its one virtual neighbour. */
function owner(): FakeDhtNode {
  const n = new FakeDhtNode(ME);
  n.vset = [V1];
  n.ownerOf(KEY, ME);
  return n;
}

/** ME, with KEY owned by P: requests wait for P's answer and are sent again. */
function requester(): FakeDhtNode {
  const n = new FakeDhtNode(ME);
  n.ownerOf(KEY, P);
  return n;
}

/** The requests ME sent, in order. */
function requests(n: FakeDhtNode): DhtRequestOption[] {
  return n.sent.filter(
    (o): o is DhtRequestOption =>
      o.type === DhtOptionType.PUT || o.type === DhtOptionType.GET || o.type === DhtOptionType.DELETE,
  );
}

/** Runs a call against ME and returns its result (ME answers itself: no clock needed). */
function call(start: (done: (r: DhtResult) => void) => void): DhtResult {
  let result: DhtResult | undefined;
  start((r) => (result = r));
  assert.ok(result, 'answered at once');
  return result;
}

describe('DHT API: buffers are copied in and out', () => {
  // A caller may reuse its buffers after put/get/delete: a retry must still carry what was asked.
  it('the key and value of a put, and the key of a get or delete, as they were at the call', () => {
    const n = requester();
    const key = bytes(KEY);
    const value = bytes('value');
    n.dht.put(key, value, {}, () => {});
    const getKey = bytes(KEY);
    n.dht.get(getKey, () => {});
    const delKey = bytes(KEY);
    n.dht.delete(delKey, () => {});
    for (const b of [key, value, getKey, delKey]) b.fill(0x21);
    n.advance(2 * HELLO_MS); // every first wait (one hello, jittered) runs out: each request is sent again
    const sent = requests(n);
    assert.equal(sent.length, 6);
    for (const r of sent) assert.equal(text(r.key), KEY);
    assert.deepEqual(
      sent.filter((r) => r.type === DhtOptionType.PUT).map((r) => text(r.value)),
      ['value', 'value'],
    );
  });

  // Entries and get results hand out copies: a caller writing into them must not change the table.
  it('entries() and a get result are copies of the stored key and value', () => {
    const n = owner();
    assert.ok(call((done) => n.dht.put(KEY, bytes('stored'), {}, done)).ok);
    const [view] = n.dht.entries();
    view.key.fill(0x21);
    view.value.fill(0x21);
    const got = call((done) => n.dht.get(KEY, done));
    assert.equal(text(got.value), 'stored');
    got.value!.fill(0x21);
    assert.equal(n.copy(KEY), 'stored@1/owner');
    assert.equal(text(call((done) => n.dht.get(KEY, done)).value), 'stored');
  });

  // The table keeps its own copy of what an option carried, whoever holds on to the option afterwards.
  it("a PUT, a REPLICATE or a HANDOFF stored here does not share the option's buffers", () => {
    const n = owner();
    const put = { key: bytes(KEY), value: bytes('put') };
    n.request(DhtOptionType.PUT, KEY, CLIENT, put);
    const other = 'other-key';
    n.ownerOf(other, ME);
    const handed = { key: bytes(other), value: bytes('handed') };
    n.transfer(DhtOptionType.HANDOFF, other, V1, 1, '', handed);
    const third = 'third-key';
    n.ownerOf(third, P);
    const replicated = { key: bytes(third), value: bytes('replicated') };
    n.transfer(DhtOptionType.REPLICATE, third, P, 1, '', replicated);
    for (const o of [put, handed, replicated]) {
      o.key.fill(0x21);
      o.value.fill(0x21);
    }
    assert.deepEqual(
      [n.copy(KEY), n.copy(other), n.copy(third)],
      ['put@1/owner', 'handed@1/owner', 'replicated@1/replica'],
    );
    assert.deepEqual(n.dht.store.checkInvariants(), []);
  });
});

describe('DHT API: results', () => {
  // Each kind reports what it promises, nothing more: found only for get and delete, a value only for get.
  it('put, get, delete and a get of nothing report exactly their fields', () => {
    const n = owner();
    const base = { hops: 0, owner: ME };
    assert.deepEqual(
      call((done) => n.dht.put(KEY, bytes('v'), {}, done)),
      { ok: true, version: 1, ...base },
    );
    assert.deepEqual(
      call((done) => n.dht.get(KEY, done)),
      {
        ok: true,
        found: true,
        value: bytes('v'),
        version: 1,
        ...base,
      },
    );
    assert.deepEqual(
      call((done) => n.dht.delete(KEY, done)),
      { ok: true, found: true, version: 2, ...base },
    );
    assert.deepEqual(
      call((done) => n.dht.get(KEY, done)),
      { ok: true, found: false, ...base },
    );
  });

  // Bad arguments are refused at once with a message naming the argument, and nothing is sent.
  it('arguments of the wrong type or out of range are refused, the bounds themselves taken', () => {
    const n = requester();
    const errors: (string | undefined)[] = [];
    const grab = (r: DhtResult) => errors.push(r.ok ? 'ok' : r.error);
    n.dht.put(42 as unknown as string, bytes('x'), {}, grab);
    n.dht.put(KEY, 'x' as unknown as Uint8Array, {}, grab);
    n.dht.get({} as unknown as string, grab);
    n.dht.delete(7 as unknown as string, grab);
    n.dht.put(KEY, bytes('x'), { version: 0 }, grab);
    n.dht.put(KEY, bytes('x'), { version: 2 ** 32 }, grab);
    n.dht.put(KEY, bytes('x'), { ttlMs: 0.5 }, grab);
    assert.deepEqual(errors, [
      'key: expected a string or a Uint8Array',
      'value: expected a Uint8Array',
      'key: expected a string or a Uint8Array',
      'key: expected a string or a Uint8Array',
      'version: expected an integer in [1, 2^32 - 1], found 0',
      'version: expected an integer in [1, 2^32 - 1], found 4294967296',
      'ttlMs: expected an integer in [1, 2^32 - 1], found 0.5',
    ]);
    assert.equal(n.sent.length, 0);
    n.dht.put(new Uint8Array(DHT_MAX_KEY_BYTES).fill(0x61), bytes('x'), { version: 1, ttlMs: 1 }, grab);
    n.dht.put(KEY, bytes('x'), { version: MAX_U32, ttlMs: MAX_U32 }, grab);
    assert.equal(errors.length, 7, 'not refused');
    assert.deepEqual(
      requests(n).map((r) => [r.key.length, r.explicitVersion, r.version, r.ttlMs]),
      [
        [DHT_MAX_KEY_BYTES, true, 1, 1],
        [KEY.length, true, MAX_U32, MAX_U32],
      ],
    );
  });
});

describe('DHT API: requests never answered', () => {
  // By default a request is sent 4 times; then it fails, saying it went unanswered (not that the node is alone).
  it('fail after 4 sends, naming the operation', () => {
    const n = requester();
    const errors: string[] = [];
    n.dht.put(KEY, bytes('v'), {}, (r) => errors.push(`${r.ok} ${r.error}`));
    n.dht.get(KEY, (r) => errors.push(`${r.ok} ${r.error}`));
    n.dht.delete(KEY, (r) => errors.push(`${r.ok} ${r.error}`));
    n.advance(60 * HELLO_MS);
    assert.deepEqual(errors.sort(), [
      'false delete: no answer after 4 attempts',
      'false get: no answer after 4 attempts',
      'false put: no answer after 4 attempts',
    ]);
    const sent = requests(n);
    assert.equal(sent.length, 12);
    for (const r of sent.filter((x) => x.type !== DhtOptionType.PUT)) {
      assert.deepEqual([r.explicitVersion, r.version, r.ttlMs, r.value.length], [false, 0, 0, 0]);
    }
  });
});

describe('DHT API: options', () => {
  // maxEntryBytes may lower the size limit of an entry, never raise it past what the wire carries.
  it('maxEntryBytes lowers the entry size limit and cannot raise it', () => {
    const small = new FakeDhtNode(ME, { maxEntryBytes: 10 });
    const large = new FakeDhtNode(ME, { maxEntryBytes: 100_000 });
    const errors: (string | undefined)[] = [];
    small.dht.put('k', new Uint8Array(10), {}, (r) => errors.push(r.error));
    large.dht.put('k', new Uint8Array(2000), {}, (r) => errors.push(r.error));
    assert.deepEqual(errors, [
      'value too large: 10 bytes, at most 9 with a 1-byte key',
      'value too large: 2000 bytes, at most 1999 with a 1-byte key',
    ]);
  });

  // Without replicaHoldMs a replica's copy lapses REPLICA_HOLD_HELLOS (900) hello periods after its owner's
  // last REPLICATE, within a periodic check.
  it('a replica lapses 900 hello periods after its owner last confirmed it, by default', () => {
    const r = new FakeDhtNode(ME);
    r.vset = [P];
    r.ownerOf(KEY, P);
    r.transfer(DhtOptionType.REPLICATE, KEY, P, 1, 'v');
    r.advance(899 * HELLO_MS);
    assert.equal(r.copy(KEY), 'v@1/replica');
    r.advance(7 * HELLO_MS);
    assert.equal(r.copy(KEY), null);
  });
});

describe('DHT: what an owner reports and remembers', () => {
  // Observers (vrrd's log, the lab) follow the table through events: each store, role change and removal.
  it('reports each store, role change and removal as an event', () => {
    const n = owner();
    n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    n.request(DhtOptionType.DELETE, KEY, CLIENT);
    const T = H + 2;
    n.vset = [T];
    n.ownerOf(KEY, T);
    n.settle();
    const summary = n.events
      .filter((e) => e.type.startsWith('dht-'))
      .map((e) => {
        switch (e.type) {
          case 'dht-store':
            return `store ${e.key} v${e.version} ${e.role} ${e.why}`;
          case 'dht-role':
            return `role ${e.key} ${e.role} ${e.owner === T ? 'T' : e.owner} ${e.why}`;
          case 'dht-handoff':
            return `handoff v${e.version} ${e.to === T ? 'T' : e.to}`;
          default:
            return e.type;
        }
      });
    const id = Buffer.from(KEY).toString('hex');
    assert.deepEqual(summary, [
      `store ${id} v1 owner put`,
      `store ${id} v2 owner delete`,
      `role ${id} replica T a closer node is known`,
      'handoff v2 T',
    ]);
    const [handoff] = n.transfers(DhtOptionType.HANDOFF);
    n.acknowledge(handoff, DhtStatus.NOT_FOUND, T);
    const removed = n.events.filter((e) => e.type === 'dht-remove');
    assert.deepEqual(
      removed.map((e) => (e.type === 'dht-remove' ? [e.key, e.hash, e.version] : [])),
      [[id, H, 2]],
    );
  });

  // GET answers are not remembered: they would push the answers to writes out of the reply cache, and a retried
  // write would then be applied twice.
  it("a GET does not push a write's answer out of the reply cache", () => {
    const n = new FakeDhtNode(ME, { replyCacheSize: 1 });
    n.ownerOf(KEY, ME);
    n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v'), reqId: 7 });
    n.request(DhtOptionType.GET, KEY, CLIENT, { reqId: 8 });
    const retried = n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v'), reqId: 7 });
    assert.deepEqual([retried.status, retried.version], [DhtStatus.OK, 1]);
    assert.equal(n.copy(KEY), 'v@1/owner', 'not applied twice');
  });
});

describe('DHT API: a stopped Dht', () => {
  // Stopped, the DHT must send nothing and answer calls at once (no timer will ever run them).
  it('answers calls at once with an error, and neither answers nor passes on options', () => {
    const n = owner();
    n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
    n.dht.onStop();
    const mark = n.sent.length;
    const results: string[] = [];
    n.dht.put(KEY, bytes('w'), {}, (r) => results.push(`${r.ok} ${r.error}`));
    n.dht.get('far-key', (r) => results.push(`${r.ok} ${r.error}`));
    assert.deepEqual(results, ['false node stopped', 'false node stopped']);
    n.deliver({
      type: DhtOptionType.GET,
      hopCount: 1,
      hopLimit: 64,
      reqId: 3,
      target: H,
      origin: CLIENT,
      explicitVersion: false,
      version: 0,
      ttlMs: 0,
      key: bytes(KEY),
      value: new Uint8Array(0),
    });
    n.dht.onVsetChange();
    n.advance(100 * HELLO_MS);
    assert.deepEqual(n.sent.slice(mark), []);
  });
});

describe('DHT API: table changes and sizes', () => {
  // A neighbour lost or linked may change who is closest to a key: the DHT re-checks its keys once things settle.
  for (const hook of ['onNeighborLost', 'onNeighborLinked'] as const) {
    it(`${hook} makes the owner re-check its keys`, () => {
      const n = new FakeDhtNode(ME, { checkMs: 1_000_000 * HELLO_MS });
      n.vset = [V1];
      n.ownerOf(KEY, ME);
      n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v') });
      n.acknowledgeReplicates();
      const V2 = H + 40;
      n.vset = [V1, V2];
      const mark = n.sent.length;
      n.dht[hook]();
      n.advance(HELLO_MS);
      assert.deepEqual(
        n.transfers(DhtOptionType.REPLICATE, mark).map((t) => t.target),
        [V2],
      );
    });
  }

  it('tableSizes() counts the entries and the most of one origin', () => {
    const n = owner();
    assert.deepEqual(n.dht.tableSizes(), { dhtEntries: 0, dhtEntriesOfOneOrigin: 0 });
    for (const [k, origin] of [
      ['a', CLIENT],
      ['b', CLIENT],
      ['c', P],
    ] as const) {
      n.ownerOf(k, ME);
      n.request(DhtOptionType.PUT, k, origin, { value: bytes('v') });
    }
    assert.deepEqual(n.dht.tableSizes(), { dhtEntries: 3, dhtEntriesOfOneOrigin: 2 });
  });
});

describe('DHT: versions at the top of the range', () => {
  // 2^32 - 1 is the last version: a write past it would break the store's invariant (and the wire's u32).
  it('a key held at version 2^32 - 1 refuses a put and a delete, and keeps its value', () => {
    const n = owner();
    n.transfer(DhtOptionType.HANDOFF, KEY, V1, MAX_U32, 'last'); // a key not held: taken at its version
    assert.equal(n.copy(KEY), `last@${MAX_U32}/owner`);
    const answers = [
      n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('next') }),
      n.request(DhtOptionType.PUT, KEY, CLIENT, {
        value: bytes('x'),
        explicitVersion: true,
        version: 2 ** 32,
      }),
      n.request(DhtOptionType.DELETE, KEY, CLIENT),
    ];
    assert.deepEqual(
      answers.map((a) => [a.status, a.version]),
      [
        [DhtStatus.REFUSED, MAX_U32],
        [DhtStatus.REFUSED, MAX_U32],
        [DhtStatus.REFUSED, MAX_U32],
      ],
    );
    assert.equal(n.copy(KEY), `last@${MAX_U32}/owner`);
    assert.deepEqual(n.dht.store.checkInvariants(), []);
  });
});

describe('DHT: a tombstone outlives the value it deleted', () => {
  // An older copy of a value with a long TTL may come back (a partition heals): the tombstone must still be there
  // to beat it, so it lasts as long as that value would have, when that is longer than tombstoneMs.
  it("an older copy handed off after tombstoneMs but within the value's TTL does not bring the key back", () => {
    const n = new FakeDhtNode(ME, { tombstoneMs: 5 * HELLO_MS });
    n.vset = [V1];
    n.ownerOf(KEY, ME);
    n.request(DhtOptionType.PUT, KEY, CLIENT, { value: bytes('v'), ttlMs: 60 * HELLO_MS });
    assert.equal(n.request(DhtOptionType.DELETE, KEY, CLIENT).status, DhtStatus.OK);
    n.advance(20 * HELLO_MS);
    n.transfer(DhtOptionType.HANDOFF, KEY, V1, 1, 'v', { origin: CLIENT, ttlMs: 40 * HELLO_MS });
    assert.equal(n.copy(KEY), null);
    assert.equal(n.request(DhtOptionType.GET, KEY, CLIENT).status, DhtStatus.NOT_FOUND);
  });
});
