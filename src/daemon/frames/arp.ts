// ARP for IPv4 over Ethernet (RFC 826): reading the requests the host sends on the overlay, and building the
// replies vrrd writes back in the owner's name once the DHT has told it the owner's MAC.

import { readMac, writeMac } from './ethernet.ts';

/** ARP operation codes. */
export const ArpOp = { REQUEST: 1, REPLY: 2 } as const;

/** Bytes of an Ethernet/IPv4 ARP packet. */
export const ARP_LENGTH = 28;

/** An Ethernet/IPv4 ARP packet; IP addresses are 4-byte views into the parsed buffer (or fresh copies). */
export interface ArpPacket {
  op: number;
  senderMac: number;
  senderIp: Uint8Array;
  targetMac: number;
  targetIp: Uint8Array;
}

/** Parses an ARP payload; null unless it is Ethernet (htype 1) / IPv4 (ptype 0x0800) with 6/4-byte lengths. */
export function parseArp(payload: Uint8Array): ArpPacket | null {
  if (payload.length < ARP_LENGTH) return null;
  const htype = (payload[0] << 8) | payload[1];
  const ptype = (payload[2] << 8) | payload[3];
  if (htype !== 1 || ptype !== 0x0800 || payload[4] !== 6 || payload[5] !== 4) return null;
  return {
    op: (payload[6] << 8) | payload[7],
    senderMac: readMac(payload, 8),
    senderIp: payload.subarray(14, 18),
    targetMac: readMac(payload, 18),
    targetIp: payload.subarray(24, 28),
  };
}

/** Builds an ARP packet (the payload of an Ethernet frame of EtherType 0x0806). */
export function buildArp(p: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_LENGTH);
  out.set([0, 1, 0x08, 0x00, 6, 4, p.op >> 8, p.op & 0xff]);
  writeMac(out, 8, p.senderMac);
  out.set(p.senderIp.subarray(0, 4), 14);
  writeMac(out, 18, p.targetMac);
  out.set(p.targetIp.subarray(0, 4), 24);
  return out;
}

/** The reply to `request`: "targetIp is at ownerMac", addressed to the requester. */
export function arpReplyFor(request: ArpPacket, ownerMac: number): ArpPacket {
  return {
    op: ArpOp.REPLY,
    senderMac: ownerMac,
    senderIp: Uint8Array.from(request.targetIp),
    targetMac: request.senderMac,
    targetIp: Uint8Array.from(request.senderIp),
  };
}
