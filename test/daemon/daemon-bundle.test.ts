// asciiSource: the bundle written in ASCII alone (so V8 keeps its source one-byte), meaning the same program:
// escaped text in comments, the same values in strings, templates and regular expressions, astral characters too.

import assert from 'node:assert/strict';
import { asciiSource } from '../../src/daemon/daemon-bundle.ts';

describe('asciiSource', () => {
  it('leaves only ASCII and means the same program', () => {
    const code = [
      '/** r/2 nearest on one side of vset ∪ {x} — a comment */',
      "const s = 'é ∪ 😀';",
      'const t = `→ ${s}`;',
      'const r = /∪/.test("a ∪ b");',
      'return [s, t, r];',
    ].join('\n');
    const ascii = asciiSource(code);
    assert.match(ascii, /^[\x00-\x7f]*$/);
    assert.match(ascii, /vset \\u222a \{x\}/);
    assert.deepEqual(new Function(ascii)(), new Function(code)());
    assert.deepEqual(new Function(ascii)(), ['é ∪ 😀', '→ é ∪ 😀', true]);
  });

  it('changes nothing in ASCII text', () => {
    const code = "const a = '\\u00e9'; // plain\n";
    assert.equal(asciiSource(code), code);
  });
});
