// Frames per second one packet socket sends and receives across a veth pair: two namespaces, one child
// process each (the native tests' link-peer), back-to-back bursts of a bounded count. Prints figures, asserts
// nothing. Needs root; cleans up its namespaces even when interrupted.
// Usage: npx tsx bench/link-io.ts [frames per run, default 200000]

import { LinkPeer } from '../src/testbed/bare/link-peer-client.ts';
import { netnsUnavailableReason } from '../src/testbed/links/netns.ts';
import { VethLab } from '../src/testbed/bare/veth-lab.ts';

const FRAMES = Number(process.argv[2] ?? 200_000);
const SIZES = [64, 512, 1400];
const BUDGETS = [16, 64, 256];

interface Opened {
  handle: number;
  mac: number;
}

async function measure(
  a: LinkPeer,
  b: LinkPeer,
  lab: VethLab,
  size: number,
  budget: number,
  batched: boolean,
): Promise<string> {
  const sender = await a.call<Opened>('openPacket', {
    ifname: lab.ifA,
    etherType: 0x88b5,
    batchWrites: batched,
  });
  const receiver = await b.call<Opened>('openPacket', { ifname: lab.ifB, etherType: 0x88b5, budget });
  try {
    const sent = batched
      ? await burstBatched(a, sender.handle, receiver.mac, size)
      : await a.call('burst', { handle: sender.handle, dst: receiver.mac, count: FRAMES, size });
    // The receiver drains on its own loop; give it until a quiet second has passed.
    let got = await b.call('waitReceived', { handle: receiver.handle, count: sent.sent, timeoutMs: 1000 });
    for (let previous = -1; got.count !== previous && got.count < sent.sent;) {
      previous = got.count;
      got = await b.call('waitReceived', { handle: receiver.handle, count: sent.sent, timeoutMs: 1000 });
    }
    const txFps = sent.sent / sent.seconds;
    const rxFps = got.seconds > 0 ? got.count / got.seconds : 0;
    const lost = sent.sent - got.count;
    return [
      (batched ? 'sendmmsg' : 'send').padStart(8),
      String(size).padStart(7),
      String(budget).padStart(6),
      fmt(txFps).padStart(12),
      `${((txFps * (size + 14) * 8) / 1e6).toFixed(0)} Mbit/s`.padStart(13),
      fmt(rxFps).padStart(12),
      String(sent.refused).padStart(9),
      `${lost} (${((100 * lost) / FRAMES).toFixed(1)}%)`.padStart(15),
      (got.count / Math.max(1, got.batches)).toFixed(1).padStart(10),
    ].join(' ');
  } finally {
    await a.call('close', { handle: sender.handle });
    await b.call('close', { handle: receiver.handle });
  }
}

/** The same burst as `burst`, written with batched writes (sendmmsg, 512 frames a call at most). */
async function burstBatched(
  a: LinkPeer,
  handle: number,
  dst: number,
  size: number,
): Promise<{ sent: number; refused: number; seconds: number }> {
  const r = await a.call('burstBatched', { handle, dst, count: FRAMES, size });
  return { sent: r.after.tx, refused: r.after.txDropped + r.after.txErrors, seconds: r.seconds };
}

function fmt(fps: number): string {
  return `${Math.round(fps).toLocaleString('en-US')}/s`;
}

async function main(): Promise<void> {
  const reason = netnsUnavailableReason();
  if (reason !== null) {
    console.log(`link-io bench skipped: ${reason}`);
    return;
  }
  const lab = new VethLab('bench');
  let a: LinkPeer | undefined;
  let b: LinkPeer | undefined;
  const cleanup = (): void => {
    a?.kill();
    b?.kill();
    lab.destroy();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    lab.create();
    [a, b] = await Promise.all([LinkPeer.start(lab.nsA), LinkPeer.start(lab.nsB)]);
    console.log(
      `link-io: ${FRAMES.toLocaleString('en-US')} frames per run, one packet socket each side of a veth pair`,
    );
    console.log(
      '  writes payload budget      tx rate      tx rate      rx rate  refused            lost  per batch',
    );
    for (const batched of [false, true]) {
      for (const size of SIZES) {
        for (const budget of size === 64 ? BUDGETS : [64]) {
          console.log(await measure(a, b, lab, size, budget, batched));
        }
      }
    }
  } finally {
    cleanup();
  }
}

await main();
