// IGMP/MLD report parsing and group address mapping (src/daemon/frames/group-*.ts): pure functions, no root.

import assert from 'node:assert/strict';
import { ipv4GroupMac, parseGroup } from '../../src/daemon/frames/group-address.ts';
import { parseIgmp, parseMld } from '../../src/daemon/frames/group-membership.ts';
import { formatAddress } from '../../src/vrr/address.ts';

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
/** An IPv4 header (IHL 6: router alert) with protocol 2 around an IGMP message. */
const ipv4Igmp = (igmp: string): Uint8Array => {
  const body = bytes(igmp);
  const total = 24 + body.length;
  const head = bytes(`46000000 00000000 01020000 c6120030 e0000016 94040000`);
  head[2] = total >> 8;
  head[3] = total & 0xff;
  return new Uint8Array([...head, ...body]);
};
/** An IPv6 header, hop-by-hop (router alert), then an ICMPv6 (MLD) message. */
const ipv6Mld = (icmp: string): Uint8Array => {
  const body = bytes(icmp);
  const len = 8 + body.length;
  const head = bytes(
    `60000000 0000 00 01 fe800000000000000000000000000001 ff020000000000000000000000000016 3a00 05020000 0100`,
  );
  head[4] = len >> 8;
  head[5] = len & 0xff;
  return new Uint8Array([...head, ...body]);
};
const changes = (r: ReturnType<typeof parseIgmp>): string[] =>
  r.status === 'ok' ? r.changes.map((c) => `${c.join ? '+' : '-'}${formatAddress(c.group)}`) : [r.status];

describe('daemon/group membership frames', () => {
  it('maps IP groups to group MACs and parses group text', () => {
    assert.equal(formatAddress(ipv4GroupMac(bytes('efc10203'))!), '01:00:5e:41:02:03'); // 239.193.2.3: 23 bits
    assert.equal(formatAddress(parseGroup('239.1.1.1')), '01:00:5e:01:01:01');
    assert.equal(formatAddress(parseGroup('ff0e::1:2:3')), '33:33:00:02:00:03');
    assert.equal(formatAddress(parseGroup('FF:FF:FF:FF:FF:FF')), 'ff:ff:ff:ff:ff:ff');
    for (const bad of ['10.0.0.1', 'fd00::1', '02:00:00:00:00:01', 'group'])
      assert.throws(() => parseGroup(bad), /expected a multicast group/);
  });

  it('reads IGMPv2 reports and leaves, and IGMPv3 records', () => {
    assert.deepEqual(changes(parseIgmp(ipv4Igmp('16000000 ef010101'))), ['+01:00:5e:01:01:01']);
    assert.deepEqual(changes(parseIgmp(ipv4Igmp('17000000 ef010101'))), ['-01:00:5e:01:01:01']);
    // Two records: TO_EXCLUDE {} (join) 239.1.1.1, TO_INCLUDE {} (leave) 239.2.2.2.
    const v3 = '22000000 00000002 04000000 ef010101 03000000 ef020202';
    assert.deepEqual(changes(parseIgmp(ipv4Igmp(v3))), ['+01:00:5e:01:01:01', '-01:00:5e:02:02:02']);
    assert.deepEqual(changes(parseIgmp(ipv4Igmp('11000000 00000000'))), []); // a query: no change
  });

  it('counts truncated and nonsense IGMP as malformed, ignores other IPv4', () => {
    assert.equal(parseIgmp(ipv4Igmp('16000000 ef01')).status, 'malformed');
    assert.equal(parseIgmp(ipv4Igmp('22000000 00000005 04000000 ef010101')).status, 'malformed');
    assert.equal(parseIgmp(ipv4Igmp('16000000 0a000001')).status, 'malformed'); // group not multicast
    assert.equal(parseIgmp(ipv4Igmp('99000000 ef010101')).status, 'malformed');
    const udp = ipv4Igmp('16000000 ef010101');
    udp[9] = 17;
    assert.equal(parseIgmp(udp).status, 'not-membership');
    assert.equal(parseIgmp(bytes('4600')).status, 'not-membership');
  });

  it('reads MLDv1 and MLDv2, skipping solicited-node groups', () => {
    const group = 'ff0e0000000000000000000000010203';
    assert.deepEqual(changes(parseMld(ipv6Mld(`83000000 00000000 ${group}`))), ['+33:33:00:01:02:03']);
    assert.deepEqual(changes(parseMld(ipv6Mld(`84000000 00000000 ${group}`))), ['-33:33:00:01:02:03']);
    const solicited = 'ff020000000000000000' + '0001ff0000aa'; // ff02::1:ff00:aa
    const v2 = `8f000000 00000002 04000000 ${group} 04000000 ${solicited}`;
    const r = parseMld(ipv6Mld(v2));
    assert.deepEqual(changes(r), ['+33:33:00:01:02:03']);
    assert.equal(r.status === 'ok' && r.ignored, 1);
    assert.equal(parseMld(ipv6Mld(`8f000000 00000003 04000000 ${group}`)).status, 'malformed');
    assert.equal(parseMld(ipv6Mld('87000000 00000000')).status, 'not-membership'); // a neighbour solicitation
  });
});
