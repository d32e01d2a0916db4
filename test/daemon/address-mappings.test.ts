import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AddressMappings, mappingWritePolicy } from '../../src/daemon/address-mappings.ts';
import { deriveOverlayIpv4, deriveOverlayIpv6 } from '../../src/topology/overlay-addresses.ts';
import { DhtClient, type DhtApi, type DhtResult } from '../../src/daemon/dht-client.ts';
import { Logger } from '../../src/daemon/logger.ts';

/** A DHT that stores puts in a map and can be told to refuse them (a node not yet in a ring). */
class FakeDht implements DhtApi {
  readonly puts: { key: string; at: number }[] = [];
  refuse = false;
  put(key: string | Uint8Array, _v: Uint8Array, _o: unknown, done: (r: DhtResult) => void): void {
    this.puts.push({ key: String(key), at: Date.now() });
    setImmediate(() => done(this.refuse ? { ok: false, error: 'no ring' } : { ok: true, hops: 1 }));
  }
  get(_k: string | Uint8Array, done: (r: DhtResult) => void): void {
    setImmediate(() => done({ ok: true, found: false }));
  }
  delete(_k: string | Uint8Array, done: (r: DhtResult) => void): void {
    setImmediate(() => done({ ok: true }));
  }
  entries(): never[] {
    return [];
  }
}

/** Resolves once cond() holds (polled every 5 ms); rejects after timeoutMs naming what was awaited. */
async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

function publisher(dht: FakeDht, quietMs: number): AddressMappings {
  return new AddressMappings({
    dht: new DhtClient(dht),
    mac: 0x020000000001,
    ttlMs: 60_000,
    refreshMs: 20_000,
    quietMs,
    addresses: async () => [
      { family: 4, address: '198.18.0.1', prefixLength: 15 },
      { family: 6, address: 'fd76:7272::1', prefixLength: 64 },
    ],
    count: () => {},
    logger: new Logger('error'),
  });
}

describe('daemon/address-mappings', () => {
  it('publishes once the ring has been quiet for quietMs, each change re-arming the wait', async () => {
    const dht = new FakeDht();
    const m = publisher(dht, 150);
    m.start();
    await sleep(100);
    const changed = Date.now();
    m.ringChanged(); // the vset changed: wait again
    await sleep(100);
    assert.equal(dht.puts.length, 0, 'nothing published while the ring keeps changing');
    // Waited on, not slept on: how late the publication comes is the machine's business, how early is ours.
    await until(() => dht.puts.length === 2, 'both mappings to be published');
    assert.deepEqual(
      dht.puts.map((p) => p.key),
      ['ipv4:198.18.0.1', 'ipv6:fd76:7272::1'],
    );
    assert.ok(dht.puts[0].at - changed >= 145, `published ${dht.puts[0].at - changed} ms after the change`);
    m.stop();
  });

  it('once everything is published, vset changes publish nothing more (the DHT hands mappings off itself)', async () => {
    const dht = new FakeDht();
    const m = publisher(dht, 20);
    m.start();
    await until(() => dht.puts.length === 2, 'both mappings to be published');
    for (let i = 0; i < 5; i++) m.ringChanged();
    await sleep(120); // what must not happen can only be given time to happen
    assert.equal(dht.puts.length, 2, 'no re-publication on ring changes');
    m.stop();
  });

  it('retries a refused publication after the quiet time, and stops when stopped', async () => {
    const dht = new FakeDht();
    dht.refuse = true;
    const m = publisher(dht, 40);
    m.start();
    await until(() => dht.puts.length >= 4, 'refused puts to be retried');
    dht.refuse = false;
    m.ringChanged();
    await until(() => m.status().every((s) => s.ok), 'both publications to succeed');
    assert.deepEqual(
      m.status().map((s) => s.ok),
      [true, true],
    );
    m.stop();
    const after = dht.puts.length;
    await sleep(150);
    assert.equal(dht.puts.length, after, 'nothing after stop');
  });
});

describe('daemon/address-mappings: retries while the ring forms', () => {
  it('waits twice as long after each refused round, up to refreshMs, and puts only what is unpublished', async () => {
    const dht = new FakeDht();
    dht.refuse = true;
    const m = new AddressMappings({
      dht: new DhtClient(dht),
      mac: 0x020000000001,
      ttlMs: 60_000,
      refreshMs: 400,
      quietMs: 25,
      addresses: async () => [
        { family: 4, address: '198.18.0.1', prefixLength: 15 },
        { family: 6, address: 'fd76:7272::1', prefixLength: 64 },
      ],
      count: () => {},
      logger: new Logger('error'),
    });
    m.start();
    // Rounds at 25, +50, +100, +200, +400 (the cap), +400 ms: each round puts both keys.
    await until(() => dht.puts.length >= 12, 'six refused rounds', 10_000);
    const rounds = dht.puts.filter((_, i) => i % 2 === 0).map((p) => p.at);
    const gaps = rounds.slice(1, 6).map((t, i) => t - rounds[i]);
    for (const [i, want] of [50, 100, 200, 400, 400].entries()) {
      assert.ok(
        gaps[i] >= want - 5,
        `gap ${i + 1} between refused rounds: ${gaps[i]} ms, expected >= ${want}`,
      );
    }
    // Lots of vset changes do not bring the next try closer than the backoff.
    const before = dht.puts.length;
    for (let i = 0; i < 10; i++) m.ringChanged();
    await sleep(200);
    assert.equal(dht.puts.length, before, 'ring changes shorten no backoff');
    m.stop();
  });

  it('a retry round puts only the keys still unpublished', async () => {
    let calls = 0;
    const dht = new FakeDht();
    const put = dht.put.bind(dht);
    // The second key is refused once.
    dht.put = (key, v, o, done) => {
      calls++;
      if (String(key).startsWith('ipv6') && calls <= 2) {
        dht.puts.push({ key: String(key), at: Date.now() });
        setImmediate(() => done({ ok: false, error: 'timeout' }));
        return;
      }
      put(key, v, o, done);
    };
    const m = publisher(dht, 20);
    m.start();
    await until(() => m.status().length === 2 && m.status().every((s) => s.ok), 'both published');
    assert.deepEqual(
      dht.puts.map((p) => p.key),
      ['ipv4:198.18.0.1', 'ipv6:fd76:7272::1', 'ipv6:fd76:7272::1'],
    );
    m.stop();
  });
});

describe('daemon/address-mappings: the write rule (a mapping only from its own origin)', () => {
  const A = 0x020000000a01; // derives to 198.18.10.1 and fd76:7272::200:0:a01
  const B = 0x020000000b02;
  const key = (text: string): Uint8Array => new TextEncoder().encode(text);
  const mac = (a: number): Uint8Array => {
    const out = new Uint8Array(6);
    for (let i = 5, v = a; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
    return out;
  };
  const copy = (origin: number, value: Uint8Array, tombstone = false) => ({
    version: 1,
    origin,
    tombstone,
    value,
  });
  const v4A = deriveOverlayIpv4(A).address;
  const v6A = deriveOverlayIpv6(A).address;

  it('takes a mapping that names the node putting it, and no other', () => {
    assert.equal(mappingWritePolicy(key(`ipv4:${v4A}`), copy(A, mac(A)), undefined), null);
    assert.match(
      mappingWritePolicy(key(`ipv4:${v4A}`), copy(B, mac(A)), undefined)!,
      /names .* but was put by/,
    );
    assert.match(
      mappingWritePolicy(key('ipv4:10.0.0.1'), copy(A, new Uint8Array(4)), undefined)!,
      /6-byte MAC/,
    );
    assert.match(mappingWritePolicy(key('ipv4:banana'), copy(A, mac(A)), undefined)!, /not an IPv4 address/);
    assert.equal(mappingWritePolicy(key('other'), copy(B, mac(A)), undefined), null, 'other keys pass');
  });

  it('lets only the holder, or the node the address derives to, change or delete a live mapping', () => {
    const heldByB = copy(B, mac(B));
    assert.match(mappingWritePolicy(key('ipv4:10.0.0.1'), copy(A, mac(A)), heldByB)!, /held for/);
    assert.equal(
      mappingWritePolicy(key('ipv4:10.0.0.1'), copy(B, mac(B)), heldByB),
      null,
      'its holder refreshes it',
    );
    assert.equal(
      mappingWritePolicy(key(`ipv4:${v4A}`), copy(A, mac(A)), heldByB),
      null,
      'A reclaims its own',
    );
    assert.equal(mappingWritePolicy(key(`ipv6:${v6A}`), copy(A, mac(A)), heldByB), null, 'over IPv6 too');
    assert.match(
      mappingWritePolicy(key('ipv4:10.0.0.1'), copy(A, new Uint8Array(0), true), heldByB)!,
      /held for/,
    );
    assert.equal(mappingWritePolicy(key('ipv4:10.0.0.1'), copy(B, new Uint8Array(0), true), heldByB), null);
    assert.equal(
      mappingWritePolicy(key('ipv4:10.0.0.1'), copy(A, mac(A)), copy(B, new Uint8Array(0), true)),
      null,
      'a deleted mapping is free',
    );
  });
});
