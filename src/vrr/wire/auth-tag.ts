// The optional 16-byte integrity tag (common-header flag AUTH): the last 16 bytes before Total Length.
// The codec only places and exposes it; computing and checking it (network-key authentication) is the
// daemon's job: encode with FLAG_AUTH and no tag, sign bytes [0, length - 16), write the tag at length - 16.

import { AUTH_TAG_LENGTH, FLAG_AUTH, type Packet } from './types.ts';

/** Bytes the tag adds to an encoded packet: 16 if the packet carries a tag or asks for one (FLAG_AUTH), else 0. */
export function authTagLengthOf(packet: Packet): number {
  if (packet.authTag !== undefined) {
    if (packet.authTag.length !== AUTH_TAG_LENGTH) {
      throw new RangeError(`authTag: expected ${AUTH_TAG_LENGTH} bytes, found ${packet.authTag.length}`);
    }
    return AUTH_TAG_LENGTH;
  }
  return (packet.flags & FLAG_AUTH) !== 0 ? AUTH_TAG_LENGTH : 0;
}

/** Flags byte to send: AUTH when a tag is carried or asked for; reserved bits are sent as zero. */
export function flagsToSend(packet: Packet): number {
  return packet.authTag !== undefined ? FLAG_AUTH : packet.flags & FLAG_AUTH;
}

/** Writes the tag (if the packet carries one) into the last 16 bytes of out; otherwise they stay zero. */
export function writeAuthTag(out: Uint8Array, packet: Packet): void {
  if (packet.authTag !== undefined) out.set(packet.authTag, out.length - AUTH_TAG_LENGTH);
}

/** Offset of the tag in a packet of this Total Length: where the daemon writes the tag it computes. */
export function authTagOffset(totalLength: number): number {
  return totalLength - AUTH_TAG_LENGTH;
}
