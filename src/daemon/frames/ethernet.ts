// Ethernet II framing for the overlay TAP: the 14-byte header the host writes and reads on vrr0. (VRR frames on
// the real links never pass through here: the packet socket strips and builds their headers natively.)

/** Bytes of an Ethernet II header (dst, src, EtherType). */
export const ETHERNET_HEADER_LENGTH = 14;

/** EtherTypes the overlay looks at. */
export const EtherType = { IPV4: 0x0800, ARP: 0x0806, IPV6: 0x86dd } as const;

/** A parsed Ethernet frame; payload is a view into the frame, not a copy. */
export interface EthernetFrame {
  dst: number;
  src: number;
  etherType: number;
  payload: Uint8Array;
}

/** Parses a frame's header; null when it is shorter than a header. */
export function parseEthernet(frame: Uint8Array): EthernetFrame | null {
  if (frame.length < ETHERNET_HEADER_LENGTH) return null;
  return {
    dst: readMac(frame, 0),
    src: readMac(frame, 6),
    etherType: (frame[12] << 8) | frame[13],
    payload: frame.subarray(ETHERNET_HEADER_LENGTH),
  };
}

/** Builds a frame: header then payload (copied once). */
export function buildEthernet(dst: number, src: number, etherType: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_LENGTH + payload.length);
  writeMac(out, 0, dst);
  writeMac(out, 6, src);
  out[12] = etherType >>> 8;
  out[13] = etherType & 0xff;
  out.set(payload, ETHERNET_HEADER_LENGTH);
  return out;
}

/** True for group MACs (broadcast, IPv4 01:00:5e:.., IPv6 33:33:..): bit 0x01 of the first octet. */
export function isGroupMac(mac: number): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

/** Reads a 6-byte MAC as a 48-bit number. */
export function readMac(buf: Uint8Array, offset: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + buf[offset + i];
  return v;
}

/** Writes a 48-bit number as a 6-byte MAC. */
export function writeMac(buf: Uint8Array, offset: number, mac: number): void {
  let v = mac;
  for (let i = 5; i >= 0; i--) {
    buf[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}
