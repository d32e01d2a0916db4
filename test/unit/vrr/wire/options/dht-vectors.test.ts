// The DHT options' hex vectors (test/unit/vrr/dht/wire-vectors.ts) in both directions, and in docs/wire.md.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodePacket, encodePacket } from '../../../../../src/vrr/wire/index.ts';
import { DHT_VECTORS } from '../../dht/wire-vectors.ts';
import { fromHex, toHexLines } from '../hex.ts';
import { ALL_OPTIONS } from './option-test-kit.ts';

const docPath = new URL('../../../../../docs/wire.md', import.meta.url);

describe('DHT wire test vectors', () => {
  for (const vector of DHT_VECTORS) {
    describe(vector.name, () => {
      it('encodes to the vector bytes', () => {
        assert.equal(toHexLines(encodePacket(vector.packet, ALL_OPTIONS)), vector.hex);
      });

      it('decodes to the vector packet', () => {
        const result = decodePacket(fromHex(vector.hex), ALL_OPTIONS);
        assert.ok(result.ok, JSON.stringify(result));
        assert.deepEqual(result.packet, vector.packet);
        assert.deepEqual(result.unknownOptions, []);
        assert.equal(result.truncated, undefined);
      });

      it('appears verbatim in docs/wire.md', () => {
        const doc = readFileSync(docPath, 'utf8');
        assert.ok(doc.includes(vector.hex), `docs/wire.md lacks the hex of "${vector.name}":\n${vector.hex}`);
      });
    });
  }
});
