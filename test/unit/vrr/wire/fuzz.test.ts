// Fuzz: hundreds of thousands of random and mutated frames through decodePacket. Asserts it never throws,
// counts every frame exactly once, and that whatever it accepts re-encodes to a canonical, stable frame.
// Reproduce a run with VRR_FUZZ_SEED=<seed printed below> (VRR_FUZZ_FRAMES changes the count).

import assert from 'node:assert/strict';
import { createRng, type Rng } from '../../../../src/vrr/rng.ts';
import {
  countDecode,
  createDecodeStats,
  decodePacket,
  DROP_REASONS,
  encodePacket,
  framesCounted,
  type DecodeResult,
  type DropReason,
} from '../../../../src/vrr/wire/index.ts';
import { toHexLines } from './hex.ts';
import { randomBytes, randomPacket } from './random-packets.ts';

const SEED = Number(process.env.VRR_FUZZ_SEED ?? 0x5eed0001);
const FRAMES = Number(process.env.VRR_FUZZ_FRAMES ?? 250_000);
const POOL_SIZE = 512;

type Mutation = (rng: Rng, frame: Uint8Array) => Uint8Array;

/** Byte offsets of the option headers of a valid control frame. */
function optionOffsets(frame: Uint8Array): number[] {
  const offsets: number[] = [];
  if ((frame[0] & 0x0f) !== 0) return offsets;
  const end = ((frame[2] << 8) | frame[3]) - (frame[1] & 0x80 ? 16 : 0);
  for (let at = 16; at + 1 < end && frame[at + 1] > 0; at += frame[at + 1] * 8) offsets.push(at);
  return offsets;
}

function setTotalLength(frame: Uint8Array, value: number): void {
  frame[2] = (value >>> 8) & 0xff;
  frame[3] = value & 0xff;
}

const MUTATIONS: Record<string, Mutation> = {
  noise(rng) {
    const bytes = randomBytes(rng, rng.int(80));
    // Half the noise gets a plausible first byte, so it reaches the deeper checks.
    if (bytes.length > 0 && rng.int(2) === 0) bytes[0] = 0x10 | rng.int(2);
    if (bytes.length > 3 && rng.int(2) === 0) setTotalLength(bytes, rng.int(bytes.length + 1));
    return bytes;
  },
  bitFlips(rng, frame) {
    const out = frame.slice();
    for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  byteWrites(rng, frame) {
    const out = frame.slice();
    for (let n = 1 + rng.int(3); n > 0; n--) out[rng.int(out.length)] = rng.pick([0, 0xff, rng.int(256)]);
    return out;
  },
  truncation(rng, frame) {
    return frame.slice(0, rng.int(frame.length));
  },
  extension(rng, frame) {
    const out = new Uint8Array(frame.length + 1 + rng.int(64));
    out.set(frame);
    out.set(randomBytes(rng, out.length - frame.length), frame.length);
    return out;
  },
  totalLength(rng, frame) {
    const out = frame.slice();
    const length = out.length;
    setTotalLength(
      out,
      rng.pick([rng.int(0x10000), length - 1, length + 1, length - 8, length + 8, rng.int(40), 0]),
    );
    return out;
  },
  optionType(rng, frame) {
    const out = frame.slice();
    const offsets = optionOffsets(out);
    if (offsets.length === 0) return MUTATIONS.bitFlips(rng, frame);
    out[rng.pick(offsets)] = rng.pick([rng.int(7), 0x10 + rng.int(0x20), rng.int(256)]);
    return out;
  },
  optionLen(rng, frame) {
    const out = frame.slice();
    const offsets = optionOffsets(out);
    if (offsets.length === 0) return MUTATIONS.totalLength(rng, frame);
    const at = rng.pick(offsets) + 1;
    out[at] = rng.pick([0, out[at] - 1, out[at] + 1, rng.int(256)]) & 0xff;
    return out;
  },
  optionCount(rng, frame) {
    // Counts live at bytes 2, 3 and 6 of the core options: make them contradict Len.
    const out = frame.slice();
    const offsets = optionOffsets(out);
    if (offsets.length === 0) return MUTATIONS.byteWrites(rng, frame);
    out[rng.pick(offsets) + rng.pick([2, 3, 6, 7])] = rng.pick([rng.int(8), rng.int(256), 0xff]);
    return out;
  },
  none(_rng, frame) {
    return frame;
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);

/** Byte-wise equality: assert.deepEqual on typed arrays would dominate the run time. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Asserts without building the message unless it fails (hex-dumping every frame would dominate the run). */
function check(condition: boolean, message: () => string): void {
  if (!condition) assert.fail(message());
}

function describeFrame(index: number, mutation: string, frame: Uint8Array): string {
  return `frame ${index} (${mutation}, seed ${SEED}):\n${toHexLines(frame)}`;
}

/** A decoded packet must re-encode, and the re-encoded frame must be a fixpoint of decode + encode. */
function checkCanonical(result: DecodeResult & { ok: true }, where: () => string): Uint8Array {
  let canonical: Uint8Array;
  try {
    canonical = encodePacket(result.packet);
  } catch (error) {
    assert.fail(`decoded packet does not re-encode (${String(error)}): ${where()}`);
  }
  const again = decodePacket(canonical);
  check(again.ok && again.truncated === undefined && again.unknownOptions.length === 0, where);
  check(
    again.ok && sameBytes(encodePacket(again.packet), canonical),
    () => `re-encoding is not stable: ${where()}`,
  );
  return canonical;
}

describe('wire fuzz', function () {
  this.timeout(60_000); // measured 3.9 s

  it(`decodes ${FRAMES} random and mutated frames without throwing and counts each exactly once`, () => {
    console.log(`      wire fuzz: seed ${SEED} (rerun with VRR_FUZZ_SEED=${SEED}), ${FRAMES} frames`);
    const rng = createRng(SEED);
    const pool = Array.from({ length: POOL_SIZE }, () => encodePacket(randomPacket(rng)));
    for (const frame of pool) {
      const result = decodePacket(frame);
      assert.ok(result.ok && result.truncated === undefined && result.unknownOptions.length === 0);
    }

    const stats = createDecodeStats();
    const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
    const perMutation: Record<string, number> = {};
    let decoded = 0;
    let truncated = 0;
    let unknownOptions = 0;
    const started = performance.now();

    for (let i = 0; i < FRAMES; i++) {
      const mutation = MUTATION_NAMES[rng.int(MUTATION_NAMES.length)];
      perMutation[mutation] = (perMutation[mutation] ?? 0) + 1;
      const source = rng.int(POOL_SIZE);
      const frame = MUTATIONS[mutation](rng, pool[source]);
      const where = () => describeFrame(i, mutation, frame);
      let result: DecodeResult;
      try {
        result = decodePacket(frame);
      } catch (error) {
        assert.fail(`decodePacket threw ${String(error)} on ${where()}`);
      }
      countDecode(stats, result);
      if (!result.ok) {
        dropped[result.reason]++;
        check(result.detail.length > 0, where);
        continue;
      }
      decoded++;
      unknownOptions += result.unknownOptions.length;
      if (result.truncated !== undefined) truncated++;
      const canonical = checkCanonical(result, where);
      const totalLength = (frame[2] << 8) | frame[3];
      if (totalLength < frame.length) {
        // Nothing past Total Length may influence the result: cut it off and decode again.
        const cut = decodePacket(frame.subarray(0, totalLength));
        check(
          cut.ok &&
            cut.truncated === result.truncated &&
            cut.unknownOptions.join() === result.unknownOptions.join() &&
            sameBytes(encodePacket(cut.packet), canonical),
          () => `bytes past Total Length changed the result: ${where()}`,
        );
      }
      if (mutation === 'none' || mutation === 'extension') {
        // Valid frames (and valid frames plus padding) decode to exactly what was encoded.
        check(result.truncated === undefined && result.unknownOptions.length === 0, where);
        check(sameBytes(canonical, pool[source]), () => `valid frame changed by decode + encode: ${where()}`);
      }
    }

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `      wire fuzz: ${seconds.toFixed(2)} s, decoded ${decoded} (truncated ${truncated}), dropped ${JSON.stringify(dropped)}, truncated by ${JSON.stringify(stats.truncatedBy)}, unknown options ${unknownOptions}`,
    );

    assert.equal(framesCounted(stats), FRAMES, 'every frame counted exactly once');
    assert.equal(stats.decoded, decoded);
    assert.deepEqual(stats.dropped, dropped);
    assert.equal(stats.truncated, truncated);
    assert.equal(
      DROP_REASONS.reduce((n, r) => n + stats.truncatedBy[r], 0),
      truncated,
      'truncatedBy adds up to truncated',
    );
    assert.equal(stats.unknownOptions, unknownOptions);

    // The mutations must actually reach every path, or the fuzz proves little.
    for (const reason of ['too-short', 'bad-version', 'bad-kind', 'bad-length'] as const) {
      assert.ok(stats.dropped[reason] > 0, `no frame was dropped as ${reason}`);
    }
    assert.ok(stats.truncatedBy['bad-option'] > 0, 'no frame was truncated by a bad option');
    assert.ok(stats.truncatedBy['bad-option-body'] > 0, 'no frame was truncated by a bad option body');
    assert.ok(stats.unknownOptions > 0, 'no unknown option was seen');
    assert.ok(FRAMES < 200_000 || Object.values(perMutation).every((n) => n > 1000));
  });
});
