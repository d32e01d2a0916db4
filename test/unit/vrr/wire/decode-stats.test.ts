import assert from 'node:assert/strict';
import {
  addDecodeStats,
  countDecode,
  createDecodeStats,
  DROP_REASONS,
  framesCounted,
  type DecodeResult,
} from '../../../../src/vrr/wire/index.ts';

const decoded: DecodeResult = {
  ok: true,
  packet: { kind: 'control', flags: 0, sender: 1, seq: 0, options: [] },
  unknownOptions: [0x42, 0x43],
};
const truncated: DecodeResult = {
  ...decoded,
  unknownOptions: [],
  truncated: 'bad-option-body',
  truncatedDetail: 'x',
};

describe('decode stats', () => {
  it('has one counter per drop reason', () => {
    const stats = createDecodeStats();
    assert.deepEqual(Object.keys(stats.dropped).sort(), [...DROP_REASONS].sort());
    assert.equal(DROP_REASONS.length, 6);
  });

  it('counts each frame once: decoded, or dropped by reason; truncation and unknown options on the side', () => {
    const stats = createDecodeStats();
    countDecode(stats, decoded);
    countDecode(stats, truncated);
    countDecode(stats, { ok: false, reason: 'bad-version', detail: 'version 2' });
    countDecode(stats, { ok: false, reason: 'too-short', detail: '' });
    countDecode(stats, { ok: false, reason: 'too-short', detail: '' });
    assert.equal(stats.decoded, 2);
    assert.equal(stats.dropped['too-short'], 2);
    assert.equal(stats.dropped['bad-version'], 1);
    assert.equal(stats.truncated, 1);
    assert.equal(stats.truncatedBy['bad-option-body'], 1);
    assert.equal(stats.unknownOptions, 2);
    assert.equal(framesCounted(stats), 5);
  });

  it('adds per-node counters into totals', () => {
    const part = createDecodeStats();
    countDecode(part, truncated);
    countDecode(part, { ok: false, reason: 'bad-kind', detail: '' });
    const total = createDecodeStats();
    addDecodeStats(total, part);
    addDecodeStats(total, part);
    assert.equal(framesCounted(total), 4);
    assert.equal(total.dropped['bad-kind'], 2);
    assert.equal(total.truncatedBy['bad-option-body'], 2);
  });
});
