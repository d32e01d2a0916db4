// The contract between the control-packet codec and one option type: how long it is, how to write its
// body, how to read it back. The core options and every project extension implement the same interface.

/** Options are counted in 8-byte units: Len * 8 bytes, Type and Len included. */
export const OPTION_UNIT = 8;
/** Len is one byte, so an option is at most 255 * 8 = 2040 bytes. */
export const MAX_OPTION_LENGTH = 255 * OPTION_UNIT;
/** Bytes of Type and Len at the start of every option. */
export const OPTION_HEADER_LENGTH = 2;

/** What a codec's `read` returns when the body contradicts itself; the packet's remaining options are dropped. */
export class MalformedOption {
  constructor(readonly detail: string) {}
}

/**
 * Encodes and decodes one option type. Offsets are from the option's Type byte, as in the layout tables.
 * `read` must not throw (the codec catches it anyway and treats a throw as a malformed body);
 * `write` throws a RangeError for a value its field cannot hold.
 */
export interface OptionCodec<O extends { type: number } = { type: number }> {
  /** The Type byte (0-255). */
  readonly type: number;
  /** Name used in messages and docs, e.g. 'HELLO'. */
  readonly name: string;
  /** Bytes from the Type byte through the last meaningful byte; the codec rounds up to a multiple of 8. */
  length(option: O): number;
  /** Writes the body (offset start+2 on); Type, Len and zero padding are the codec's job. `out` is zero-filled. */
  write(option: O, out: Uint8Array, start: number): void;
  /** Reads the option occupying frame[start, start + length), length = Len * 8 >= 8, all inside Total Length. */
  read(frame: Uint8Array, start: number, length: number): O | MalformedOption;
}
