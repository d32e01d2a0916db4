import assert from 'node:assert/strict';
import { formatAddress, isGroupAddress } from '../../../src/vrr/address.ts';
import { parseGroupAddress } from '../../../src/topology/group-address.ts';
import { UnitError } from '../../../src/topology/units.ts';

const group = (text: string): string => formatAddress(parseGroupAddress(text));

describe('parseGroupAddress', () => {
  it('maps IPv4 groups to 01:00:5e plus the low 23 bits', () => {
    assert.equal(group('239.1.1.1'), '01:00:5e:01:01:01');
    assert.equal(group('239.129.1.1'), '01:00:5e:01:01:01');
    assert.equal(group('224.0.0.251'), '01:00:5e:00:00:fb');
  });

  it('maps IPv6 groups to 33:33 plus the low 32 bits', () => {
    assert.equal(group('ff02::1'), '33:33:00:00:00:01');
    assert.equal(group('ff15::1:2'), '33:33:00:01:00:02');
    assert.equal(group('ff02:0:0:0:0:0:0:fb'), '33:33:00:00:00:fb');
  });

  it('takes a 48-bit group address as it is', () => {
    assert.equal(group('01:00:5e:00:00:fb'), '01:00:5e:00:00:fb');
  });

  it('gives group addresses only', () => {
    for (const text of ['239.1.1.1', 'ff02::1', '03:00:00:00:00:01'])
      assert.ok(isGroupAddress(parseGroupAddress(text)));
  });

  it('refuses unicast, broadcast and malformed groups', () => {
    for (const text of [
      '10.0.0.1',
      '240.0.0.1',
      '239.1.1.256',
      'fe80::1',
      'ff02::1::2',
      '02:00:00:00:00:01',
      'ff:ff:ff:ff:ff:ff',
      'group',
    ]) {
      assert.throws(() => parseGroupAddress(text), UnitError, text);
    }
  });
});
