// The multicast check's member: run inside a lab node as `node -e <this file's text> <config JSON>` by
// multicast-check.ts. Plain CommonJS with nothing but node: built-ins, because inside a container only node is
// there (no repository, no tsx). It joins the group on the overlay interface (so the kernel sends the IGMP/MLD
// report vrrd turns into a ring join), counts iperf v2 datagrams by sequence number and prints one JSON line.
//
// iperf v2 UDP payload: int32 big-endian datagram id, uint32 tv_sec, uint32 tv_usec, ...; the sender's final
// datagrams carry a negative id (the end marker). Output lines on stdout:
//   {"ready":true}                     once the socket is bound and the group joined
//   {"done":true, received, ...}       on the end marker (+ linger), on SIGTERM/SIGINT, or at maxMs
// Config: {group, port, iface, localIpv4?, maxMs, lingerMs}.
'use strict';
const dgram = require('node:dgram');
const { performance } = require('node:perf_hooks');

const config = JSON.parse(process.argv[process.argv.length - 1]);
const ipv6 = String(config.group).includes(':');
const socket = dgram.createSocket({ type: ipv6 ? 'udp6' : 'udp4', reuseAddr: true });

const seen = new Set();
const counts = {
  received: 0,
  duplicates: 0,
  outOfOrder: 0,
  short: 0,
  minId: null,
  maxId: null,
  endId: null,
  longestGapMs: 0,
  firstArrival: null,
  lastArrival: null,
  bytes: 0,
};
let lastArrivalPerf = null;
let finished = false;

function finish(reason) {
  if (finished) return;
  finished = true;
  let missingInRange = 0;
  if (counts.minId !== null) missingInRange = counts.maxId - counts.minId + 1 - seen.size;
  const line = JSON.stringify({
    done: true,
    reason,
    ...counts,
    longestGapMs: Math.round(counts.longestGapMs * 1000) / 1000,
    missingInRange,
  });
  // Exit only once the line is written: stdout to a pipe is asynchronous.
  process.stdout.write(`${line}\n`, () => {
    try {
      socket.close();
    } catch {
      // already closed
    }
    process.exit(0);
  });
}

socket.on('message', (message) => {
  if (finished) return;
  if (message.length < 12) {
    counts.short++;
    return;
  }
  const id = message.readInt32BE(0);
  if (id < 0) {
    // The sender repeats its end marker; stragglers may still be on their way, hence the linger.
    if (counts.endId === null) {
      counts.endId = -id;
      setTimeout(() => finish('end'), config.lingerMs ?? 1000);
    }
    return;
  }
  if (seen.has(id)) {
    counts.duplicates++;
    return;
  }
  const now = performance.now();
  seen.add(id);
  counts.received++;
  counts.bytes += message.length;
  if (counts.maxId !== null && id < counts.maxId) counts.outOfOrder++;
  if (counts.maxId === null || id > counts.maxId) counts.maxId = id;
  if (counts.minId === null || id < counts.minId) counts.minId = id;
  if (lastArrivalPerf !== null) counts.longestGapMs = Math.max(counts.longestGapMs, now - lastArrivalPerf);
  lastArrivalPerf = now;
  const wall = Date.now();
  if (counts.firstArrival === null) counts.firstArrival = wall;
  counts.lastArrival = wall;
});

socket.on('error', (error) => {
  process.stdout.write(
    `${JSON.stringify({ error: String(error && error.message ? error.message : error) })}\n`,
  );
  process.exit(1);
});

process.on('SIGTERM', () => finish('signal'));
process.on('SIGINT', () => finish('signal'));
setTimeout(() => finish('timeout'), config.maxMs);

// Bound to the group (not the wildcard) so only the group's datagrams on this port are counted.
socket.bind({ port: config.port, address: ipv6 ? '::' : config.group }, () => {
  try {
    socket.addMembership(config.group, ipv6 ? `::%${config.iface}` : config.localIpv4);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: `join ${config.group}: ${error.message}` })}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
});
