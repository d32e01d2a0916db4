// The decoded shapes of every VRR/1 packet and option (docs/wire.md).
// Codec modules produce and consume these; the protocol core never touches byte offsets.

import type { Address } from '../address.ts';

/** EtherType of every VRR frame (IEEE 802 Local Experimental EtherType 1). */
export const VRR_ETHERTYPE = 0x88b5;
/** The only version this codec speaks. */
export const VRR_VERSION = 1;
/** Common-header flag: a 24-byte integrity trailer (nonce, counter, truncated HMAC) ends the packet. */
export const FLAG_AUTH = 0x80;
/** Length of the integrity trailer when FLAG_AUTH is set: Nonce (4), Counter (4), Tag (16). */
export const AUTH_TAG_LENGTH = 24;
/** Bytes of the control header before the first option. */
export const CONTROL_HEADER_LENGTH = 16;
/** Bytes of the data header before the payload. */
export const DATA_HEADER_LENGTH = 20;

/** Option type numbers. */
export const OptionType = {
  HELLO: 0x01,
  SETUP_REQ: 0x02,
  SETUP: 0x03,
  SETUP_FAIL: 0x04,
  TEARDOWN: 0x05,
  ACK: 0x06,
  AUTH_CHALLENGE: 0x07,
  AUTH_RESPONSE: 0x08,
  PATH_PROBE: 0x09,
} as const;

/** Data-header flags. */
export const DataFlag = { KEY: 0x01, GROUP: 0x02 } as const;

/** How a hello lists a neighbour (wire values). */
export const NeighborState = { LINKED_ACTIVE: 1, LINKED_INACTIVE: 2, PENDING: 3 } as const;
export type NeighborStateValue = (typeof NeighborState)[keyof typeof NeighborState];

/** A representative advertised in a hello. */
export interface RepSlot {
  address: Address;
  seq: number; // u16
}

/** A neighbour listed in a hello. */
export interface NeighborSlot {
  address: Address;
  state: NeighborStateValue;
  quality: number; // u8, 0 = not measured
}

/** HELLO (0x01). */
export interface HelloOption {
  type: 0x01;
  active: boolean;
  helloSeq: number; // u16
  part: number; // 0-based
  parts: number; // 1-15
  reps: RepSlot[]; // 0-2
  neighbors: NeighborSlot[];
}

/** SETUP_REQ (0x02): src asks the node closest to dst (excluding src) to become its virtual neighbour. */
export interface SetupReqOption {
  type: 0x02;
  token: number; // u32
  src: Address;
  dst: Address;
  proxy: Address;
  vset: Address[];
}

/** SETUP (0x03): installs path (src = endpoint A, pathId) hop by hop toward dst (endpoint B) via proxy. */
export interface SetupOption {
  type: 0x03;
  pathId: number; // u32
  src: Address;
  dst: Address;
  proxy: Address;
  vset: Address[];
}

/** SETUP_FAIL (0x04): the closest node declined; vset lets the requester find better candidates. */
export interface SetupFailOption {
  type: 0x04;
  token: number; // u32
  src: Address;
  dst: Address;
  proxy: Address;
  vset: Address[];
}

/** TEARDOWN (0x05): removes path (ea, pathId) hop by hop; vset is present (VSET flag) on deliberate teardowns. */
export interface TeardownOption {
  type: 0x05;
  pathId: number; // u32
  ea: Address;
  vset: Address[] | null;
}

/** ACK (0x06): acknowledges the control packet with this sequence. */
export interface AckOption {
  type: 0x06;
  seq: number; // u16
}

/**
 * AUTH_CHALLENGE (0x07) asks a neighbour whose nonce is unknown to prove it is live; AUTH_RESPONSE (0x08) echoes the
 * challenge in a frame carrying the new nonce (src/vrr/auth/link-auth.ts). Only keyed meshes send them.
 */
export interface AuthChallengeOption {
  type: 0x07 | 0x08;
  challenge: number; // 48 bits
}

/** PATH_PROBE flag: the probe travels toward endpoint B (along nb); clear: toward endpoint A (along na). */
export const PATH_PROBE_TOWARD_B = 0x01;
/** PATH_PROBE flag: the far endpoint turned the probe back; it is on its way home to the endpoint that sent it. */
export const PATH_PROBE_ECHO = 0x02;

/**
 * PATH_PROBE (0x09): an endpoint verifies its path (ea, pathId) end to end (src/vrr/path-check.ts). It follows the
 * route entries hop by hop; the far endpoint turns it back; a relay without the entry answers with a TEARDOWN.
 */
export interface PathProbeOption {
  type: 0x09;
  flags: number; // u8: PATH_PROBE_TOWARD_B | PATH_PROBE_ECHO
  pathId: number; // u32
  ea: Address;
  nonce: number; // u32, chosen by the probing endpoint
}

/** An option of a type this codec does not know: skipped, counted, kept raw for diagnostics. */
export interface UnknownOption {
  type: 'unknown';
  code: number;
  body: Uint8Array;
}

/** DHT option Types (0x10-0x1F; docs/wire.md "DHT options"). */
export const DhtOptionType = {
  PUT: 0x10,
  GET: 0x11,
  DELETE: 0x12,
  REPLY: 0x13,
  REPLICATE: 0x14,
  HANDOFF: 0x15,
  RELEASE: 0x16,
} as const;

/** Fields every DHT option carries: it is routed hop by hop toward `target`. */
export interface DhtRouted {
  /** Hops travelled so far (u8): each node that passes the option on adds one. */
  hopCount: number;
  /** The option is dropped rather than passed on once hopCount would exceed this (u8). */
  hopLimit: number;
  /** Request id (u32) chosen by the node that sent the request or transfer; REPLY echoes it. */
  reqId: number;
  /** Where the option is routed: a key's hash (to its owner) or a node address (exact). */
  target: Address;
}

/** DHT_PUT (0x10), DHT_GET (0x11), DHT_DELETE (0x12): a request routed to the owner of hash(key). */
export interface DhtRequestOption extends DhtRouted {
  type: 0x10 | 0x11 | 0x12;
  /** The requesting node: the REPLY is routed back to it. */
  origin: Address;
  /** PUT only: version was given explicitly (else the owner uses its version + 1). */
  explicitVersion: boolean;
  version: number; // u32, 0 unless explicitVersion
  /** PUT only: time to live in ms (u32), 0 = never expires. */
  ttlMs: number;
  key: Uint8Array; // 0-255 bytes
  value: Uint8Array; // PUT only (empty otherwise)
}

/** DHT_REPLY (0x13) status codes. */
export const DhtStatus = { OK: 0, NOT_FOUND: 1, STALE_VERSION: 2, REFUSED: 3 } as const;
export type DhtStatusValue = (typeof DhtStatus)[keyof typeof DhtStatus];

/** DHT_REPLY (0x13): the owner's answer to a request (or a receiver's to a transfer), routed to target exactly. */
export interface DhtReplyOption extends DhtRouted {
  type: 0x13;
  /** Hops the request took to reach the owner (u8). */
  requestHops: number;
  status: DhtStatusValue;
  /** The node that answered (the key's owner for requests). */
  owner: Address;
  version: number; // u32: stored version (GET, PUT), 0 when none
  /** Remaining time to live in ms (u32), 0 = never expires. */
  ttlMs: number;
  value: Uint8Array; // GET with status OK only
}

/**
 * DHT_REPLICATE (0x14, owner -> one vset member, exact), DHT_HANDOFF (0x15, toward hash(key): its owner) and
 * DHT_RELEASE (0x16, old owner -> a replica it no longer needs, exact): one stored entry in transit.
 */
export interface DhtTransferOption extends DhtRouted {
  type: 0x14 | 0x15 | 0x16;
  /** The entry is a deletion marker (tombstone): no value. */
  tombstone: boolean;
  /** The node that put the entry (conflict tie-break). */
  origin: Address;
  version: number; // u32
  /** Remaining time to live in ms (u32), 0 = never expires. */
  ttlMs: number;
  /** The node sending the transfer: REPLICATE and HANDOFF are acknowledged to it with a REPLY. */
  source: Address;
  key: Uint8Array;
  value: Uint8Array; // empty for tombstones and RELEASE
}

/** Every DHT option. */
export type DhtOption = DhtRequestOption | DhtReplyOption | DhtTransferOption;

/** Multicast option Types (0x20-0x2F; docs/wire.md "Multicast options"). */
export const McastOptionType = {
  REGISTER: 0x20,
  MEMBERS: 0x21,
  WITHDRAW: 0x22,
  JOIN: 0x23,
  SOURCES: 0x24,
  LEAVE: 0x25,
  REPLICATE: 0x26,
  SEED: 0x28,
  FELL: 0x29,
  BRANCH: 0x2a,
  PRUNE: 0x2b,
  ATTACHED: 0x2c,
} as const;

/**
 * Membership options, routed hop by hop toward `target` (the group's key hash for requests to the RVP, a node
 * address for answers and replicas). REGISTER/WITHDRAW/JOIN/LEAVE carry no list; MEMBERS lists members,
 * SOURCES lists sources, REPLICATE (RVP -> a vset member) both.
 */
export interface McastMembershipOption {
  type: 0x20 | 0x21 | 0x22 | 0x23 | 0x24 | 0x25 | 0x26;
  hopCount: number; // u8
  hopLimit: number; // u8
  target: Address;
  group: Address;
  /** The node the option speaks for: the joining member, registering source, or answering RVP. */
  origin: Address;
  sources: Address[]; // 0-255
  members: Address[]; // 0-255
  /** REPLICATE only (u16, 0 elsewhere): the version of the sender's record this copies (membership.ts). */
  version?: number;
  /** REPLICATE only (u16, 0 elsewhere): the version of the target's record the sender last received, 0 = none. */
  seen?: number;
}

/** Tree flag: FELL because the root withdrew (receivers forget it rather than branch again). */
export const MCAST_FLAG_FINAL = 0x01;
/** Tree flag: SEED from a node connected to the root (the receiver is attached at once, no ATTACHED needed). */
export const MCAST_FLAG_ATTACHED = 0x02;

/** Tree options for the (root, group) tree, one hop each (neighbour to neighbour), sequenced per neighbour. */
export interface McastTreeOption {
  type: 0x28 | 0x29 | 0x2a | 0x2b | 0x2c;
  flags: number; // u8
  hopCount: number; // u8
  /** Per (root, group) per sending neighbour, increasing: older than the last applied = ignored. */
  seq: number; // u32
  /** The tree's root: the source, or the broadcast tree's key hash. */
  root: Address;
  group: Address;
  /** SEED: the member it is routed to; BRANCH: the member that started it; 0 otherwise. */
  target: Address;
}

/** Every multicast option. */
export type McastOption = McastMembershipOption | McastTreeOption;

/** Every option the core option set defines. Project extensions (DHT 0x10-0x1F, multicast 0x20-0x2F) join this union. */
export type KnownOption =
  | HelloOption
  | SetupReqOption
  | SetupOption
  | SetupFailOption
  | TeardownOption
  | AckOption
  | AuthChallengeOption
  | PathProbeOption
  | DhtOption
  | McastOption;

/** A control packet: one hop only. */
export interface ControlPacket {
  kind: 'control';
  flags: number;
  sender: Address;
  seq: number; // u16, 0 = nothing to acknowledge
  options: KnownOption[];
  /** The 24-byte integrity trailer when FLAG_AUTH is set (decoded: a view into the frame). */
  authTag?: Uint8Array;
}

/** A data packet: forwarded hop by hop. */
export interface DataPacket {
  kind: 'data';
  flags: number;
  hopLimit: number;
  dataFlags: number;
  nextHeader: number;
  src: Address;
  dst: Address;
  payload: Uint8Array;
  /** The 24-byte integrity trailer when FLAG_AUTH is set (decoded: a view into the frame). */
  authTag?: Uint8Array;
}

export type Packet = ControlPacket | DataPacket;

/** Why a frame (or the rest of a control packet) was dropped. Each reason has its own counter. */
export type DropReason =
  | 'too-short' // fewer bytes than the header needs
  | 'bad-version'
  | 'bad-kind'
  | 'bad-length' // Total Length below the header size or beyond the frame
  | 'bad-option' // Len 0 or an option running past Total Length (the rest of the packet is dropped)
  | 'bad-option-body'; // a known option whose body contradicts its own counts

/** Result of decoding one frame. Decoding never throws. */
export type DecodeResult =
  | {
      ok: true;
      packet: Packet;
      /** Codes of options skipped because their type is unknown (shared and frozen when there are none). */
      unknownOptions: readonly number[];
      /** Set when a malformed option cut the packet short: options before it were kept. */
      truncated?: DropReason;
      /** What cut the packet short, for logs (set with truncated). */
      truncatedDetail?: string;
    }
  | { ok: false; reason: DropReason; detail: string };
