// FrameForge: frames a misbehaving node sends, built with the project's own encoder (so they are well formed and
// reach the handlers) from fields it chooses: spoofed hellos, setups for invented paths, DHT writes of invented keys
// at any version, and random frames of every option type with mutated fields, for the hostile node (hostile-node.ts)
// and the frame fuzz (src/sim/fuzz/frame-fuzz.ts). Every draw comes from the forge's seeded rng.

import { GROUP_BIT, LOCAL_BIT, RING_SIZE, BROADCAST, type Address } from '../../vrr/address.ts';
import { hashKey } from '../../vrr/dht/hash-key.ts';
import { MAX_VERSION_JUMP } from '../../vrr/limits.ts';
import type { Rng } from '../../vrr/rng.ts';
import { createOptionRegistry, encodePacket, type OptionRegistry } from '../../vrr/wire/index.ts';
import { DHT_OPTION_CODECS } from '../../vrr/wire/options/dht-codecs.ts';
import { MCAST_OPTION_CODECS } from '../../vrr/wire/options/mcast-codecs.ts';
import {
  DhtOptionType,
  McastOptionType,
  NeighborState,
  OptionType,
  type DhtOption,
  type KnownOption,
  type NeighborSlot,
  type Packet,
  type SetupOption,
} from '../../vrr/wire/types.ts';

/** The option Types a forge can build, core, DHT and multicast. */
const CORE_TYPES = [
  OptionType.HELLO,
  OptionType.SETUP_REQ,
  OptionType.SETUP,
  OptionType.SETUP_FAIL,
  OptionType.TEARDOWN,
  OptionType.ACK,
] as const;
const DHT_TYPES = Object.values(DhtOptionType);
const MCAST_TYPES = Object.values(McastOptionType);

/** Builds frames for a hostile node or a fuzz. */
export class FrameForge {
  /** The codecs of the core, the DHT and multicast: every option a simulated node decodes. */
  readonly registry: OptionRegistry;
  /** Addresses seen on the network (real nodes), which forged fields mix with invented ones. */
  readonly known: Address[] = [];
  private readonly knownSet = new Set<Address>();

  constructor(private readonly rng: Rng) {
    this.registry = createOptionRegistry();
    for (const codec of [...DHT_OPTION_CODECS, ...MCAST_OPTION_CODECS]) this.registry.register(codec);
  }

  /** Remembers an address seen on the network (at most 4096 kept). */
  learn(a: Address): void {
    if (this.knownSet.has(a) || this.known.length >= 4096) return;
    this.knownSet.add(a);
    this.known.push(a);
  }

  /** A node address nobody has (locally administered, unicast). */
  invented(): Address {
    const a = this.rng.u48();
    return (
      a -
      (a % (2 * GROUP_BIT) >= GROUP_BIT ? GROUP_BIT : 0) +
      (a % (2 * LOCAL_BIT) >= LOCAL_BIT ? 0 : LOCAL_BIT)
    );
  }

  /** An address for a field: mostly known or invented nodes, now and then a group, broadcast or an edge value. */
  address(): Address {
    const r = this.rng.next();
    if (r < 0.45 && this.known.length > 0) return this.rng.pick(this.known);
    if (r < 0.9) return this.invented();
    return this.rng.pick([0, 1, BROADCAST, RING_SIZE - 2, GROUP_BIT + LOCAL_BIT + this.rng.int(16)]);
  }

  /** A path id: often from a small pool (collisions with paths in place), else any u32, now and then 0. */
  pathId(): number {
    const r = this.rng.next();
    if (r < 0.4) return 1 + this.rng.int(64);
    if (r < 0.95) return this.rng.u32();
    return 0;
  }

  /** A DHT version: small, at the jump bound, near or at 2^32 - 1, or anything. */
  version(): number {
    return this.rng.pick([
      1 + this.rng.int(5),
      MAX_VERSION_JUMP,
      MAX_VERSION_JUMP + 1,
      0xffffffff,
      0xffffffff - this.rng.int(3),
      this.rng.u32() || 1,
    ]);
  }

  /** A DHT key: from a pool (keys meet), fresh text, or an address-mapping key. */
  key(fresh = false): Uint8Array {
    const r = this.rng.next();
    let text: string;
    if (!fresh && r < 0.5) text = `k${this.rng.int(100)}`;
    else if (r < 0.8) text = `key-${this.rng.u32().toString(36)}`;
    else text = `ipv4:198.${18 + this.rng.int(2)}.${this.rng.int(256)}.${this.rng.int(256)}`;
    return new TextEncoder().encode(text);
  }

  /** Up to n random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(this.rng.int(n + 1));
    for (let i = 0; i < out.length; i++) out[i] = this.rng.int(256);
    return out;
  }

  /** A list of up to n addresses. */
  addresses(n: number): Address[] {
    return Array.from({ length: this.rng.int(n + 1) }, () => this.address());
  }

  /** A control frame from `sender` (seq 0: nothing to acknowledge). */
  control(sender: Address, seq: number, ...options: KnownOption[]): Uint8Array {
    return encodePacket({ kind: 'control', flags: 0, sender, seq, options }, this.registry);
  }

  /** Encodes any packet with the forge's codecs. */
  encode(packet: Packet): Uint8Array {
    return encodePacket(packet, this.registry);
  }

  /**
   * A hello claiming to come from `claimed`, listing `neighbors` (as pending: a receiver listed so links at once)
   * and advertising up to two representatives.
   */
  hello(claimed: Address, neighbors: readonly Address[], helloSeq: number): Uint8Array {
    const slots: NeighborSlot[] = neighbors
      .slice(0, 100)
      .map((address) => ({ address, state: NeighborState.PENDING, quality: 255 }));
    return this.control(claimed, 0, {
      type: OptionType.HELLO,
      active: true,
      helloSeq: helloSeq & 0xffff,
      part: 0,
      parts: 1,
      reps: this.rng.next() < 0.5 ? [{ address: this.invented(), seq: this.rng.int(0x10000) }] : [],
      neighbors: slots,
    });
  }

  /** A SETUP for an invented path (src invented), routed through `proxy`. */
  setupOption(proxy: Address): SetupOption {
    return {
      type: OptionType.SETUP,
      pathId: this.rng.u32() || 1,
      src: this.invented(),
      dst: this.address(),
      proxy,
      vset: this.addresses(4),
    };
  }

  /** A SETUP from `sender` for an invented path, routed through `proxy`. */
  setup(sender: Address, seq: number, proxy: Address): Uint8Array {
    return this.control(sender, seq, this.setupOption(proxy));
  }

  /** A DHT PUT of a fresh key from `sender` (origin: itself or invented), at a version that may be huge. */
  dhtPut(sender: Address, seq: number, origin: Address): Uint8Array {
    const key = this.key(true);
    const explicit = this.rng.next() < 0.5;
    return this.control(sender, seq, {
      type: DhtOptionType.PUT,
      hopCount: 0,
      hopLimit: 32,
      reqId: this.rng.u32(),
      target: hashKey(key),
      origin,
      explicitVersion: explicit,
      version: explicit ? this.version() : 0,
      ttlMs: 0,
      key,
      value: this.bytes(16),
    });
  }

  /** A DHT REPLICATE of a fresh key straight to `target`, as if from an owner (source and origin invented). */
  dhtReplicate(sender: Address, seq: number, target: Address): Uint8Array {
    return this.control(sender, seq, {
      type: DhtOptionType.REPLICATE,
      hopCount: 0,
      hopLimit: 32,
      reqId: this.rng.u32(),
      target,
      tombstone: false,
      origin: this.invented(),
      version: this.version(),
      ttlMs: 0,
      source: this.invented(),
      key: this.key(true),
      value: this.bytes(16),
    });
  }

  /** A random option of any Type the forge knows, its fields drawn from the pools above. */
  option(): KnownOption {
    const r = this.rng.next();
    const type =
      r < 0.45 ? this.rng.pick(CORE_TYPES) : r < 0.75 ? this.rng.pick(DHT_TYPES) : this.rng.pick(MCAST_TYPES);
    const a = (): Address => this.address();
    switch (type) {
      case OptionType.HELLO:
        return {
          type,
          active: this.rng.next() < 0.7,
          helloSeq: this.rng.int(0x10000),
          part: 0,
          parts: 1,
          reps: Array.from({ length: this.rng.int(3) }, () => ({ address: a(), seq: this.rng.int(0x10000) })),
          neighbors: Array.from({ length: this.rng.int(6) }, () => ({
            address: a(),
            state: this.rng.pick([
              NeighborState.LINKED_ACTIVE,
              NeighborState.LINKED_INACTIVE,
              NeighborState.PENDING,
            ]),
            quality: this.rng.int(256),
          })),
        };
      case OptionType.SETUP_REQ:
      case OptionType.SETUP_FAIL:
        return { type, token: this.rng.u32(), src: a(), dst: a(), proxy: a(), vset: this.addresses(6) };
      case OptionType.SETUP:
        return { type, pathId: this.pathId(), src: a(), dst: a(), proxy: a(), vset: this.addresses(6) };
      case OptionType.TEARDOWN:
        return {
          type,
          pathId: this.pathId(),
          ea: a(),
          vset: this.rng.next() < 0.5 ? null : this.addresses(6),
        };
      case OptionType.ACK:
        return { type, seq: this.rng.int(0x10000) };
    }
    if ((DHT_TYPES as number[]).includes(type)) return this.dhtOption(type as DhtOption['type']);
    const t = type as (typeof MCAST_TYPES)[number];
    if (t >= McastOptionType.SEED) {
      return {
        type: t as 0x28,
        flags: this.rng.int(4),
        hopCount: this.rng.int(40),
        seq: this.rng.next() < 0.5 ? 1 + this.rng.int(8) : this.rng.u32(),
        root: a(),
        group: this.rng.next() < 0.7 ? GROUP_BIT + LOCAL_BIT + this.rng.int(8) : a(),
        target: a(),
      };
    }
    return {
      type: t as 0x20,
      hopCount: this.rng.int(40),
      hopLimit: this.rng.int(64),
      target: a(),
      group: this.rng.next() < 0.7 ? GROUP_BIT + LOCAL_BIT + this.rng.int(8) : a(),
      origin: a(),
      sources: this.addresses(5),
      members: this.addresses(5),
    };
  }

  private dhtOption(type: DhtOption['type']): DhtOption {
    const key = this.key();
    const routed = {
      hopCount: this.rng.int(40),
      hopLimit: this.rng.int(64),
      reqId: this.rng.next() < 0.5 ? this.rng.int(16) : this.rng.u32(),
      target: this.rng.next() < 0.6 ? hashKey(key) : this.address(),
    };
    switch (type) {
      case DhtOptionType.PUT:
      case DhtOptionType.GET:
      case DhtOptionType.DELETE: {
        const explicit = this.rng.next() < 0.5;
        return {
          type,
          ...routed,
          origin: this.address(),
          explicitVersion: explicit,
          version: explicit ? this.version() : 0,
          ttlMs: this.rng.next() < 0.5 ? 0 : this.rng.u32(),
          key,
          value: type === DhtOptionType.PUT ? this.bytes(24) : new Uint8Array(0),
        };
      }
      case DhtOptionType.REPLY:
        return {
          type,
          ...routed,
          requestHops: this.rng.int(40),
          status: this.rng.int(4) as 0,
          owner: this.address(),
          version: this.version(),
          ttlMs: this.rng.int(100_000),
          value: this.bytes(24),
        };
      default: {
        const tombstone = this.rng.next() < 0.2;
        return {
          type,
          ...routed,
          tombstone,
          origin: this.address(),
          version: this.version(),
          ttlMs: this.rng.next() < 0.5 ? 0 : this.rng.int(1_000_000),
          source: this.address(),
          key,
          value: tombstone || type === DhtOptionType.RELEASE ? new Uint8Array(0) : this.bytes(24),
        };
      }
    }
  }

  /** A random data packet (now and then a group one). */
  data(): Uint8Array {
    return this.encode({
      kind: 'data',
      flags: 0,
      hopLimit: this.rng.int(64),
      dataFlags: this.rng.int(4),
      nextHeader: this.rng.pick([0x0800, 0x86dd, 0x88b6, this.rng.int(0x10000)]),
      src: this.address(),
      dst: this.rng.next() < 0.2 ? GROUP_BIT + LOCAL_BIT + this.rng.int(8) : this.address(),
      payload: this.bytes(64),
    });
  }

  /** A copy of frame with a few bytes changed, or cut short. */
  mutate(frame: Uint8Array): Uint8Array {
    const out = frame.slice(0, this.rng.next() < 0.2 ? this.rng.int(frame.length + 1) : frame.length);
    const flips = 1 + this.rng.int(4);
    for (let i = 0; i < flips && out.length > 0; i++) out[this.rng.int(out.length)] = this.rng.int(256);
    return out;
  }
}
