// HELLO (0x01): link-state advertisement broadcast every hello period, possibly split into parts.
//  0 Type  1 Len  2 Flags (0x01 ACTIVE)  3 RepCount (0-2)  4-5 HelloSeq  6 NeighborCount
//  7 Part (high nibble) | Parts (low nibble)
//  8 RepCount slots (address + RepSeq u16), then NeighborCount slots (address + State u8 + Quality u8)

import { checkUint, readU16, writeU16 } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { SLOT_LENGTH, checkAddress, readWireAddress, writeSlot, writeWireAddress } from '../slots.ts';
import { OptionType, type HelloOption, type NeighborSlot, type RepSlot } from '../types.ts';

/** HELLO flag: the sender has joined the ring. */
export const HELLO_FLAG_ACTIVE = 0x01;
/** A hello advertises at most this many representatives. */
export const MAX_HELLO_REPS = 2;
/** Parts is a nibble: a hello is split into at most 15 parts. */
export const MAX_HELLO_PARTS = 15;
/** NeighborCount is one byte. */
export const MAX_HELLO_NEIGHBORS_FIELD = 255;
/** Bytes of the HELLO option before its first slot. */
export const HELLO_FIXED_LENGTH = 8;

/** The HELLO codec. */
export const helloCodec: OptionCodec<HelloOption> = {
  type: OptionType.HELLO,
  name: 'HELLO',

  length(hello) {
    return HELLO_FIXED_LENGTH + SLOT_LENGTH * (hello.reps.length + hello.neighbors.length);
  },

  write(hello, out, start) {
    const { reps, neighbors } = hello;
    checkUint(reps.length, MAX_HELLO_REPS, 'HELLO reps.length');
    checkUint(neighbors.length, MAX_HELLO_NEIGHBORS_FIELD, 'HELLO neighbors.length');
    checkUint(hello.helloSeq, 0xffff, 'HELLO helloSeq');
    checkUint(hello.parts - 1, MAX_HELLO_PARTS - 1, 'HELLO parts - 1');
    checkUint(hello.part, hello.parts - 1, 'HELLO part');
    out[start + 2] = hello.active ? HELLO_FLAG_ACTIVE : 0;
    out[start + 3] = reps.length;
    writeU16(out, start + 4, hello.helloSeq);
    out[start + 6] = neighbors.length;
    out[start + 7] = (hello.part << 4) | hello.parts;
    let at = start + HELLO_FIXED_LENGTH;
    for (let i = 0; i < reps.length; i++, at += SLOT_LENGTH) {
      checkUint(reps[i].seq, 0xffff, 'HELLO reps.seq', i);
      writeSlot(out, at, reps[i].address, reps[i].seq, 'HELLO reps.address', i);
    }
    for (let i = 0; i < neighbors.length; i++, at += SLOT_LENGTH) {
      const n = neighbors[i];
      checkAddress(n.address, 'HELLO neighbors.address', i);
      checkUint(n.state - 1, 2, 'HELLO neighbors.state - 1', i);
      checkUint(n.quality, 0xff, 'HELLO neighbors.quality', i);
      writeWireAddress(out, at, n.address);
      out[at + 6] = n.state;
      out[at + 7] = n.quality;
    }
  },

  read(frame, start, length) {
    const repCount = frame[start + 3];
    const neighborCount = frame[start + 6];
    const part = frame[start + 7] >>> 4;
    const parts = frame[start + 7] & 0x0f;
    if (repCount > MAX_HELLO_REPS)
      return new MalformedOption(`HELLO RepCount ${repCount} > ${MAX_HELLO_REPS}`);
    if (parts === 0 || part >= parts) return new MalformedOption(`HELLO part ${part} of ${parts}`);
    const needed = HELLO_FIXED_LENGTH + SLOT_LENGTH * (repCount + neighborCount);
    if (needed > length) {
      return new MalformedOption(
        `HELLO lists ${repCount} reps + ${neighborCount} neighbours, Len holds ${length} bytes`,
      );
    }
    let at = start + HELLO_FIXED_LENGTH;
    const reps = new Array<RepSlot>(repCount);
    for (let i = 0; i < repCount; i++, at += SLOT_LENGTH) {
      reps[i] = { address: readWireAddress(frame, at), seq: readU16(frame, at + 6) };
    }
    const neighbors = new Array<NeighborSlot>(neighborCount);
    for (let i = 0; i < neighborCount; i++, at += SLOT_LENGTH) {
      const state = frame[at + 6];
      if (state < 1 || state > 3) return new MalformedOption(`HELLO neighbour ${i} has state ${state}`);
      neighbors[i] = {
        address: readWireAddress(frame, at),
        state: state as NeighborSlot['state'],
        quality: frame[at + 7],
      };
    }
    return {
      type: OptionType.HELLO,
      active: (frame[start + 2] & HELLO_FLAG_ACTIVE) !== 0,
      helloSeq: readU16(frame, start + 4),
      part,
      parts,
      reps,
      neighbors,
    };
  },
};
