// Run inside a fresh namespace (as root): the overlay TAP with a fake node and an in-memory DHT, driven by the
// real kernel. The kernel resolves two overlay addresses (ARP and ND answered by the NeighborProxy from the
// fake DHT), pings them (the echo requests must reach the fake node as data packets), and answers an echo
// request delivered as a data packet. Prints one JSON report line on stdout.

import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { AddressMappings } from '../../../src/daemon/address-mappings.ts';
import { DhtClient, type DhtApi, type DhtResult } from '../../../src/daemon/dht-client.ts';
import { Logger } from '../../../src/daemon/logger.ts';
import { NeighborProxy } from '../../../src/daemon/neighbor-proxy.ts';
import { Overlay } from '../../../src/daemon/overlay.ts';
import { configureOverlayAddresses, readInterfaceAddresses } from '../../../src/daemon/overlay-interface.ts';
import { parseAddress } from '../../../src/vrr/address.ts';
import { DataFlag } from '../../../src/vrr/wire/types.ts';

const ME = parseAddress('02:00:00:00:00:01');
const PEER = parseAddress('02:00:00:00:00:02');

/** A DHT held in a Map: puts and gets answer on the next turn of the loop, as a real one would. */
class MapDht implements DhtApi {
  readonly store = new Map<string, Uint8Array>();
  put(key: string | Uint8Array, value: Uint8Array, _o: unknown, done: (r: DhtResult) => void): void {
    this.store.set(String(key), value);
    setImmediate(() => done({ ok: true, hops: 0 }));
  }
  get(key: string | Uint8Array, done: (r: DhtResult) => void): void {
    const value = this.store.get(String(key));
    setImmediate(() => done({ ok: true, found: value !== undefined, ...(value ? { value } : {}) }));
  }
  delete(key: string | Uint8Array, done: (r: DhtResult) => void): void {
    this.store.delete(String(key));
    setImmediate(() => done({ ok: true }));
  }
  entries(): never[] {
    return [];
  }
}

const sent: { dst: string; nextHeader: number; length: number; icmpType: number }[] = [];
const node = {
  address: ME,
  sendData(dst: number, payload: Uint8Array, opts: { nextHeader: number }): boolean {
    const icmpType =
      opts.nextHeader === 0x0800
        ? payload[(payload[0] & 0x0f) * 4]
        : opts.nextHeader === 0x86dd
          ? payload[40]
          : -1;
    sent.push({ dst: dst.toString(16), nextHeader: opts.nextHeader, length: payload.length, icmpType });
    return true;
  },
};

const logger = new Logger('error');
const overlay = Overlay.open({ name: 'vrr0', mtu: 1480, node, logger });
const dht = new MapDht();
const peerMac = Uint8Array.of(2, 0, 0, 0, 0, 2);
dht.store.set('ipv4:198.18.0.2', peerMac);
dht.store.set('ipv6:fd76:7272::2', peerMac);
const mappings = new AddressMappings({
  dht: new DhtClient(dht),
  mac: ME,
  ttlMs: 60_000,
  refreshMs: 20_000,
  quietMs: 0,
  addresses: () => readInterfaceAddresses('vrr0'),
  count: (n, by) => overlay.count(n, by),
  logger,
});
overlay.setNeighborProxy(
  new NeighborProxy({
    mappings,
    write: (f) => overlay.write(f),
    count: (n, by) => overlay.count(n, by),
    logger,
  }),
);
await configureOverlayAddresses('vrr0', [
  { family: 4, address: '198.18.0.1', prefixLength: 15 },
  { family: 6, address: 'fd76:7272::1', prefixLength: 64 },
]);
mappings.start();

const run = (cmd: string, ...args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  }
};
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
await tick(300);

// Pings nobody answers: what matters is that the kernel resolved the peer and handed the echo to the node.
// (Asynchronous: the loop must keep running to answer the kernel's ARP and ND while ping waits.)
await execa('ping', ['-4', '-c', '1', '-W', '1', '198.18.0.2'], { reject: false });
await execa('ping', ['-6', '-c', '1', '-W', '1', 'fd76:7272::2'], { reject: false });

// An echo request from the peer, delivered as a data packet: the kernel must answer it through the node.
overlay.deliver({
  kind: 'data',
  flags: 0,
  hopLimit: 64,
  dataFlags: 0,
  nextHeader: 0x0800,
  src: PEER,
  dst: ME,
  payload: icmpEcho('198.18.0.2', '198.18.0.1'),
});
overlay.deliver({
  kind: 'data',
  flags: 0,
  hopLimit: 64,
  dataFlags: DataFlag.KEY,
  nextHeader: 0x0800,
  src: PEER,
  dst: PEER,
  payload: new Uint8Array(28),
});
// From the mesh, only IPv4 and IPv6 that is no discovery message reach the host: an ARP reply, router
// advertisements (one behind a hop-by-hop header) and an LLDP frame are dropped and counted.
const fromPeer = (nextHeader: number, payload: Uint8Array): void =>
  overlay.deliver({
    kind: 'data',
    flags: 0,
    hopLimit: 64,
    dataFlags: 0,
    nextHeader,
    src: PEER,
    dst: ME,
    payload,
  });
const routerAdvertisement = (hopByHop: boolean): Uint8Array => {
  const rest = hopByHop ? [58, 0, 5, 2, 0, 0, 1, 0, 134, 0, 0, 0, 64, 0, 7, 8] : [134, 0, 0, 0, 64, 0, 7, 8];
  const out = new Uint8Array(40 + rest.length);
  out[0] = 0x60;
  out[5] = rest.length;
  out[6] = hopByHop ? 0 : 58;
  out[7] = 255;
  out.set([0xfe, 0x80], 8);
  out.set([0xff, 0x02], 24);
  out[39] = 1;
  out.set(rest, 40);
  return out;
};
fromPeer(0x0806, new Uint8Array(28));
fromPeer(0x86dd, routerAdvertisement(false));
fromPeer(0x86dd, routerAdvertisement(true));
fromPeer(0x88cc, new Uint8Array(20));
await tick(500);

const report = {
  sent,
  neigh: JSON.parse(run('ip', '-j', 'neigh', 'show', 'dev', 'vrr0') || '[]'),
  published: [...dht.store.keys()],
  counters: overlay.counters().translation,
};
mappings.stop();
overlay.close();
process.stdout.write(JSON.stringify(report) + '\n');
process.exit(0);

/** An IPv4 ICMP echo request with valid checksums. */
function icmpEcho(src: string, dst: string): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0]);
  p.set(src.split('.').map(Number), 12);
  p.set(dst.split('.').map(Number), 16);
  const ipSum = checksum(p.subarray(0, 20));
  p[10] = ipSum >> 8;
  p[11] = ipSum & 0xff;
  p.set([8, 0, 0, 0, 0x12, 0x34, 0, 1], 20);
  const icmpSum = checksum(p.subarray(20));
  p[22] = icmpSum >> 8;
  p[23] = icmpSum & 0xff;
  return p;
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
