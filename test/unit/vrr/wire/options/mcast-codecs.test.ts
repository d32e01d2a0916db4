// The multicast option codecs: hex vectors both ways (and verbatim in docs/wire.md), round trips at the limits,
// malformed bodies, out-of-range values.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { groupKey } from '../../../../../src/vrr/multicast/index.ts';
import {
  MCAST_MAX_LISTED,
  MCAST_MEMBERSHIP_FIXED_LENGTH,
} from '../../../../../src/vrr/wire/options/mcast-membership.ts';
import { MCAST_OPTION_CODECS } from '../../../../../src/vrr/wire/options/mcast-codecs.ts';
import { createOptionRegistry, defaultOptionRegistry } from '../../../../../src/vrr/wire/option-registry.ts';
import { registerMcastCodecs } from '../../../../../src/vrr/wire/options/mcast-codecs.ts';
import {
  decodePacket,
  encodePacket,
  McastOptionType,
  type McastMembershipOption,
  type McastTreeOption,
} from '../../../../../src/vrr/wire/index.ts';
import { fromHex, toHexLines } from '../hex.ts';
import { K, MCAST_VECTORS } from './mcast-vectors.ts';
import { ALL_OPTIONS, assertRoundTrip, frameWith } from './option-test-kit.ts';

const docPath = new URL('../../../../../docs/wire.md', import.meta.url);

const membership = (over: Partial<McastMembershipOption> = {}): McastMembershipOption => ({
  type: McastOptionType.MEMBERS,
  hopCount: 255,
  hopLimit: 255,
  target: 0xffffffffffff,
  group: 0x333300000001,
  origin: 0x020000000001,
  sources: [],
  members: [],
  ...over,
});
const tree = (over: Partial<McastTreeOption> = {}): McastTreeOption => ({
  type: McastOptionType.PRUNE,
  flags: 0,
  hopCount: 0,
  seq: 0xffffffff,
  root: 0x020000000001,
  group: 0xffffffffffff,
  target: 0,
  ...over,
});

describe('multicast wire test vectors', () => {
  it('groupKey of the vectors group is K', () => {
    assert.equal(groupKey(0x01005e000001), K);
  });
  for (const vector of MCAST_VECTORS) {
    describe(vector.name, () => {
      it('encodes to the vector bytes', () => {
        assert.equal(toHexLines(encodePacket(vector.packet, ALL_OPTIONS)), vector.hex);
      });
      it('decodes to the vector packet', () => {
        const result = decodePacket(fromHex(vector.hex), ALL_OPTIONS);
        assert.ok(result.ok, JSON.stringify(result));
        assert.deepEqual(result.packet, vector.packet);
        assert.deepEqual(result.unknownOptions, []);
      });
      it('appears verbatim in docs/wire.md', () => {
        assert.ok(readFileSync(docPath, 'utf8').includes(vector.hex), `docs/wire.md lacks "${vector.name}"`);
      });
    });
  }
});

describe('multicast option codecs', () => {
  it('registers Types 0x20-0x26 and 0x28-0x2C, idempotently', () => {
    const r = registerMcastCodecs(registerMcastCodecs(createOptionRegistry()));
    for (const c of MCAST_OPTION_CODECS) assert.equal(r.lookup(c.type), c);
    assert.deepEqual(
      MCAST_OPTION_CODECS.map((c) => c.type),
      [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x28, 0x29, 0x2a, 0x2b, 0x2c],
    );
    // Nothing global: loading multicast (imported above) leaves the shared default registry to the core options.
    for (const c of MCAST_OPTION_CODECS) assert.equal(defaultOptionRegistry.lookup(c.type), undefined);
  });

  it('round-trips every membership type at its limits', () => {
    for (const type of [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26] as const) {
      // Version and Seen are REPLICATE's alone (read back as 0 there when not set).
      const versions = type === 0x26 ? { version: 0xffff, seen: 0xffff } : {};
      assertRoundTrip(membership({ type, ...versions }));
      const list = Array.from({ length: MCAST_MAX_LISTED }, (_, i) => 0x020000000000 + i);
      assertRoundTrip(
        membership({ type, sources: list.slice(0, 100), members: list.slice(100), ...versions }),
      );
    }
    assertRoundTrip(membership({ type: 0x26, version: 1, seen: 0 }));
  });

  it('round-trips every tree type', () => {
    for (const type of [0x28, 0x29, 0x2a, 0x2b, 0x2c] as const) {
      assertRoundTrip(tree({ type, flags: 0xff, hopCount: 255, target: 0xffffffffffff }));
      assertRoundTrip(tree({ type, seq: 0 }));
    }
  });

  it('refuses values the fields cannot hold', () => {
    const list = Array.from({ length: MCAST_MAX_LISTED + 1 }, (_, i) => 0x020000000000 + i);
    assert.throws(() => frameWith(membership({ members: list })), RangeError);
    assert.throws(() => frameWith(membership({ hopCount: 256 })), RangeError);
    assert.throws(() => frameWith(membership({ group: 2 ** 48 })), RangeError);
    assert.throws(() => frameWith(membership({ type: 0x26, version: 0x10000 })), RangeError);
    assert.throws(() => frameWith(membership({ type: 0x26, seen: -1 })), RangeError);
    assert.throws(() => frameWith(tree({ seq: 2 ** 32 })), RangeError);
    assert.throws(() => frameWith(tree({ flags: -1 })), RangeError);
  });

  it('reports a membership option whose counts overrun its Len as malformed', () => {
    const frame = frameWith(membership({ members: [1] }));
    const at = 16; // first option
    assert.equal(frame[at + 1] * 8, MCAST_MEMBERSHIP_FIXED_LENGTH + 8);
    frame[at + 5] = 2; // NMem 2 in a 40-byte option
    const result = decodePacket(frame, ALL_OPTIONS);
    assert.ok(result.ok);
    assert.equal(result.truncated, 'bad-option-body');
  });
});
