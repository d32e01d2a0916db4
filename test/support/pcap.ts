// A minimal pcap writer (classic libpcap format, Ethernet link type) for tests that hand frames to tshark:
// frames built by the project's own encoder, so a test knows every byte and can assert exact field values.

/** One captured frame: the Ethernet bytes and when it was seen (µs since the epoch; default: its index, in s). */
export interface PcapFrame {
  data: Uint8Array;
  timeUs?: number;
}

const LINKTYPE_ETHERNET = 1;
/** Shorter Ethernet frames are padded to this length on the wire (60 bytes + 4 of FCS, not captured). */
export const ETHERNET_MIN_FRAME = 60;

/** The pcap file's bytes: a global header, then one record (16-byte header + data) per frame. */
export function pcapFile(frames: readonly PcapFrame[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0); // magic: microsecond timestamps, little-endian
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8); // thiszone
  header.writeUInt32LE(0, 12); // sigfigs
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const parts: Buffer[] = [header];
  frames.forEach((frame, index) => {
    const timeUs = frame.timeUs ?? index * 1_000_000;
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(timeUs / 1_000_000), 0);
    record.writeUInt32LE(timeUs % 1_000_000, 4);
    record.writeUInt32LE(frame.data.length, 8);
    record.writeUInt32LE(frame.data.length, 12);
    parts.push(record, Buffer.from(frame.data));
  });
  return Buffer.concat(parts);
}

/** An Ethernet II frame (dst, src as 48-bit numbers), padded with zeros to 60 bytes as a NIC would. */
export function ethernetFrame(dst: number, src: number, etherType: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(ETHERNET_MIN_FRAME, 14 + payload.length));
  writeMac(frame, 0, dst);
  writeMac(frame, 6, src);
  frame[12] = etherType >>> 8;
  frame[13] = etherType & 0xff;
  frame.set(payload, 14);
  return frame;
}

function writeMac(out: Uint8Array, at: number, address: number): void {
  for (let i = 5; i >= 0; i--) {
    out[at + i] = address % 256;
    address = Math.floor(address / 256);
  }
}
