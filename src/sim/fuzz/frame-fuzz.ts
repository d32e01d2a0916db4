// The frame fuzz: one VrrNode with the DHT and multicast attached, fed frames from several link addresses on several
// ports while its timers run: well-formed frames from the project's encoder with mutated fields (random addresses,
// path ids, versions, keys; FrameForge), hellos that keep some senders linked (and spoofed ones from invented
// senders), data packets, frames with bytes changed or cut, and random bytes; in phases of 2,000 frames, half of them
// floods of one kind (spoofed hellos, setups, DHT puts and replicates, multicast branches) that drive the tables to
// their caps. The linked senders acknowledge what the node sends them, so its links and paths last. Every `checkEvery` frames the node's
// invariants are checked (VrrNode.checkInvariants, the DHT store's and multicast's) and every table is compared
// with its cap (limits.ts, TABLE_CAPS). Nothing may throw out of receive() nor be caught inside it
// (internalErrors). test/sim/fuzz/frame-fuzz.test.ts runs it; bench/frame-fuzz.ts runs 200,000 frames and prints
// the figures.

import { GROUP_BIT, LOCAL_BIT, type Address } from '../../vrr/address.ts';
import type { VrrEnv } from '../../vrr/env.ts';
import { tablesOverCap } from '../../vrr/limits.ts';
import { createRng, deriveSeed } from '../../vrr/rng.ts';
import { decodePacket } from '../../vrr/wire/index.ts';
import { McastOptionType, NeighborState, OptionType } from '../../vrr/wire/types.ts';
import { FrameForge } from '../hostile/forge.ts';
import { SimVrrNode } from '../node-factory.ts';
import { SimClock } from '../sim-clock.ts';

/** Frames per phase: the run starts with `bootstrap`, then each phase is the mix or one kind of flood. */
const PHASE_FRAMES = 2000;
const FLOODS = ['hellos', 'setups', 'puts', 'replicates', 'trees'] as const;
type Phase = 'bootstrap' | 'mix' | (typeof FLOODS)[number];

/** Settings of one fuzz run. */
export interface FrameFuzzOptions {
  seed: number;
  frames: number;
  /** Invariants and caps are checked every this many frames (default 1000). */
  checkEvery?: number;
  /** Ports of the node (default 4). */
  ports?: number;
  /** Linked senders per port (default 3); invented ones come on top. */
  peersPerPort?: number;
  /** Most problems listed (default 20). */
  maxProblems?: number;
}

/** What a run found. */
export interface FrameFuzzResult {
  frames: number;
  simulatedMs: number;
  /** Invariant and cap checks run. */
  checks: number;
  /** Broken invariants, tables over their caps, exceptions: empty when the node held up. */
  problems: string[];
  /** The largest size each table reached at a check. */
  largest: Record<string, number>;
  /** The node's cap.* counters at the end: which caps the run reached. */
  capsHit: Record<string, number>;
  /** Frames the node dropped as malformed, and frames it took in. */
  malformed: number;
  framesOut: number;
}

/** Runs the fuzz; deterministic for a seed. */
export function runFrameFuzz(options: FrameFuzzOptions): FrameFuzzResult {
  const { seed, frames } = options;
  const checkEvery = options.checkEvery ?? 1000;
  const portCount = options.ports ?? 4;
  const peersPerPort = options.peersPerPort ?? 3;
  const maxProblems = options.maxProblems ?? 20;
  const rng = createRng(deriveSeed(seed, 'frame-fuzz'));
  const forge = new FrameForge(createRng(deriveSeed(seed, 'forge')));
  const clock = new SimClock();
  const problems: string[] = [];
  const problem = (p: string): void => {
    if (problems.length < maxProblems) problems.push(p);
  };
  let framesOut = 0;
  const env: VrrEnv = {
    now: () => clock.now(),
    setTimer: (ms, fire) => clock.schedule(ms, fire),
    rng: createRng(deriveSeed(seed, 'node')),
    send: () => {}, // replaced below, once the node and its peers exist
    deliver: () => {},
    emit: () => {},
  };
  const me = forge.invented();
  const node = new SimVrrNode({ address: me, vsetSize: 4, helloMs: 1000 }, env);
  forge.learn(me);
  const peers: Address[][] = [];
  for (let p = 0; p < portCount; p++) {
    node.addPort(p);
    peers.push(Array.from({ length: peersPerPort }, () => forge.invented()));
    for (const a of peers[p]) forge.learn(a);
  }
  node.start();

  const largest: Record<string, number> = {};
  let checks = 0;
  const check = (at: number): void => {
    checks++;
    const where = `after frame ${at} (t = ${clock.now()} ms)`;
    for (const p of node.checkInvariants()) problem(`${where}: ${p}`);
    for (const p of node.dht.store.checkInvariants()) problem(`${where}: dht: ${p}`);
    try {
      node.multicast.checkInvariants();
    } catch (error) {
      problem(`${where}: multicast: ${(error as Error).message}`);
    }
    const sizes = node.tableSizes();
    for (const p of tablesOverCap(sizes)) problem(`${where}: over its cap: ${p}`);
    for (const [k, v] of Object.entries(sizes)) largest[k] = Math.max(largest[k] ?? 0, v);
  };

  // Peers acknowledge most of what the node sends them (so its links, and the paths over them, last), a tick later.
  const portOfPeer = new Map<Address, number>();
  peers.forEach((list, p) => list.forEach((a) => portOfPeer.set(a, p)));
  env.send = (_port, to, frame) => {
    framesOut++;
    if (to === null || !portOfPeer.has(to) || rng.next() < 0.1) return;
    const decoded = decodePacket(frame, forge.registry);
    if (!decoded.ok || decoded.packet.kind !== 'control' || decoded.packet.seq === 0) return;
    const ack = forge.control(to, 0, { type: OptionType.ACK, seq: decoded.packet.seq });
    clock.schedule(1, () => node.receive(portOfPeer.get(to)!, to, ack));
  };

  // Each sender numbers its hellos apart (a gap in one sender's numbers reads as lost hellos: a worse link).
  const helloSeqs = new Map<Address, number>();
  const nextHelloSeq = (sender: Address): number => {
    const n = (helloSeqs.get(sender) ?? rng.int(0x10000)) + 1;
    if (helloSeqs.size < 100_000) helloSeqs.set(sender, n);
    return n;
  };
  let phase: Phase = 'bootstrap';
  // A flood comes from one peer, fast (a few ms apart), so that the tables it fills reach their caps.
  let floodPort = 0;
  let floodPeer = peers[0][0];
  for (let i = 1; i <= frames; i++) {
    if (i % PHASE_FRAMES === 1 && i > PHASE_FRAMES) {
      phase = rng.next() < 0.5 ? 'mix' : rng.pick(FLOODS);
      floodPort = rng.int(portCount);
      floodPeer = rng.pick(peers[floodPort]);
    }
    const flood = phase !== 'mix' && phase !== 'bootstrap';
    const port = flood && rng.next() < 0.9 ? floodPort : rng.int(portCount);
    const peer = port === floodPort && flood ? floodPeer : rng.pick(peers[port]);
    // The link address is the sender's own, or now and then one that claims many senders.
    const from = rng.next() < 0.9 ? peer : forge.invented();
    const frame = nextFrame(phase, peer);
    try {
      node.receive(port, from, frame);
    } catch (error) {
      problem(`frame ${i} threw out of receive(): ${(error as Error).stack ?? error}`);
    }
    clock.runUntil(clock.now() + rng.int(flood ? 3 : 20));
    if (i % checkEvery === 0 || i === frames) check(i);
  }

  // One frame of a phase: the mix of everything, or one kind of flood from a linked peer.
  function nextFrame(phase: Phase, peer: Address): Uint8Array {
    const reliable = 1 + rng.int(0xffff);
    switch (phase) {
      case 'bootstrap':
        // Inactive peers: the node becomes the first node of a ring of its own, so that it routes and stores.
        return helloFrom(peer, false);
      case 'hellos':
        return rng.next() < 0.2 ? helloFrom(peer, true) : helloFrom(forge.invented(), true);
      case 'setups':
        return rng.next() < 0.1 ? helloFrom(peer, true) : forge.setup(peer, reliable, peer);
      case 'puts':
        return rng.next() < 0.1 ? helloFrom(peer, true) : forge.dhtPut(peer, reliable, peer);
      case 'replicates':
        return rng.next() < 0.1 ? helloFrom(peer, true) : forge.dhtReplicate(peer, reliable, me);
      case 'trees':
        return rng.next() < 0.1
          ? helloFrom(peer, true)
          : forge.control(peer, reliable, {
              type: McastOptionType.BRANCH,
              flags: 0,
              hopCount: 0,
              seq: 1,
              root: forge.invented(),
              group: GROUP_BIT + LOCAL_BIT + rng.int(1 << 20),
              target: forge.invented(),
            });
      case 'mix': {
        const r = rng.next();
        if (r < 0.2) return helloFrom(rng.next() < 0.7 ? peer : forge.invented(), rng.next() < 0.9);
        if (r < 0.65) {
          const sender = rng.next() < 0.85 ? peer : forge.address();
          const options = Array.from({ length: 1 + rng.int(3) }, () => forge.option());
          return forge.control(sender, rng.next() < 0.6 ? reliable : 0, ...options);
        }
        if (r < 0.75) return forge.data();
        if (r < 0.9) return forge.mutate(forge.control(peer, rng.int(0x10000), forge.option()));
        return forge.bytes(80);
      }
    }
  }

  // A hello from `sender` listing the node as linked (so it links at once), advertising a representative now and then.
  function helloFrom(sender: Address, active: boolean): Uint8Array {
    return forge.control(sender, 0, {
      type: OptionType.HELLO,
      active,
      helloSeq: nextHelloSeq(sender) & 0xffff,
      part: 0,
      parts: 1,
      reps: rng.next() < 0.3 ? [{ address: forge.invented(), seq: rng.int(0x10000) }] : [],
      neighbors: [{ address: me, state: NeighborState.LINKED_ACTIVE, quality: 255 }],
    });
  }

  const counters = node.counters();
  if (counters.internalErrors) problem(`receive() caught ${counters.internalErrors} internal errors`);
  const capsHit: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters)) if (k.startsWith('cap.')) capsHit[k] = v;
  let malformed = 0;
  for (const [k, v] of Object.entries(counters)) if (k.startsWith('malformed.')) malformed += v;
  node.stop();
  return { frames, simulatedMs: clock.now(), checks, problems, largest, capsHit, malformed, framesOut };
}
