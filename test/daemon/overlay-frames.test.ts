// The overlay's frame codecs: IP address text, Ethernet, ARP, neighbour solicitation/advertisement and the
// ICMPv6 checksum, and the derived overlay addresses. Pure functions: no root needed.

import assert from 'node:assert/strict';
import { arpReplyFor, ArpOp, buildArp, parseArp } from '../../src/daemon/frames/arp.ts';
import { buildEthernet, isGroupMac, parseEthernet } from '../../src/daemon/frames/ethernet.ts';
import { formatIpv6, parseCidr, parseIpv4, parseIpv6 } from '../../src/topology/ip-address.ts';
import {
  buildNeighborAdvertisement,
  icmpv6Checksum,
  parseIcmpv6,
  parseNeighborSolicitation,
} from '../../src/daemon/frames/neighbor-discovery.ts';
import { deriveOverlayIpv4, deriveOverlayIpv6 } from '../../src/topology/overlay-addresses.ts';
import { parseAddress } from '../../src/vrr/address.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('daemon/overlay frames', () => {
  describe('IP address text', () => {
    it('reads and writes IPv6 canonically (RFC 5952)', () => {
      for (const [input, canonical] of [
        ['fd76:7272::1', 'fd76:7272::1'],
        ['FD76:7272:0:0:0:0:0:1', 'fd76:7272::1'],
        ['::', '::'],
        ['::1', '::1'],
        ['fe80::', 'fe80::'],
        ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
        ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
        ['::ffff:1.2.3.4', '::ffff:102:304'],
      ]) {
        assert.equal(formatIpv6(parseIpv6(input)), canonical, input);
      }
    });

    it('refuses malformed addresses, saying what it found', () => {
      for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '12345::']) {
        assert.throws(
          () => parseIpv6(bad),
          new RegExp(`found "${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`),
        );
      }
      assert.throws(() => parseIpv4('198.18.0.256'), /expected an IPv4 address/);
      assert.throws(() => parseCidr('198.18.0.1'), /prefix length/);
      assert.deepEqual(parseCidr('198.18.0.1/15'), { family: 4, address: '198.18.0.1', prefixLength: 15 });
    });
  });

  describe('derived overlay addresses', () => {
    it('puts the low 17 bits of the address in 198.18.0.0/15, never the network or broadcast address', () => {
      assert.equal(deriveOverlayIpv4(parseAddress('02:00:00:00:00:0b')).address, '198.18.0.11');
      assert.equal(deriveOverlayIpv4(parseAddress('02:00:00:01:ff:fe')).address, '198.19.255.254');
      assert.equal(deriveOverlayIpv4(parseAddress('02:00:00:00:00:00')).address, '198.18.0.1');
      assert.equal(deriveOverlayIpv4(parseAddress('02:00:00:01:ff:ff')).address, '198.19.255.254');
      assert.equal(deriveOverlayIpv4(parseAddress('02:00:00:00:00:0b')).prefixLength, 15);
    });

    it('appends the 48-bit address to the /64 prefix', () => {
      assert.equal(deriveOverlayIpv6(parseAddress('02:00:00:00:00:0b')).address, 'fd76:7272::200:0:b');
      assert.equal(
        deriveOverlayIpv6(parseAddress('c2:33:28:d2:43:e6'), 'fd00:1::/64').address,
        'fd00:1::c233:28d2:43e6',
      );
      assert.throws(() => deriveOverlayIpv6(1, 'fd00::/48'), /expected an IPv6 \/64/);
    });
  });

  describe('Ethernet and ARP', () => {
    it('round-trips a frame and tells group MACs from unicast ones', () => {
      const frame = buildEthernet(0x020000000002, 0x020000000001, 0x0800, Uint8Array.of(1, 2, 3));
      assert.equal(hex(frame), '020000000002' + '020000000001' + '0800' + '010203');
      const parsed = parseEthernet(frame)!;
      assert.deepEqual(
        [parsed.dst, parsed.src, parsed.etherType, hex(parsed.payload)],
        [0x020000000002, 0x020000000001, 0x0800, '010203'],
      );
      assert.equal(parseEthernet(new Uint8Array(13)), null);
      assert.ok(isGroupMac(0xffffffffffff));
      assert.ok(isGroupMac(0x01005e000001));
      assert.ok(isGroupMac(0x333300000001));
      assert.ok(!isGroupMac(0x020000000001));
    });

    it('answers a request with the owner as sender, addressed to the requester', () => {
      const request = buildArp({
        op: ArpOp.REQUEST,
        senderMac: 0x020000000001,
        senderIp: parseIpv4('198.18.0.1'),
        targetMac: 0,
        targetIp: parseIpv4('198.18.0.2'),
      });
      assert.equal(
        hex(request),
        '0001080006040001' + '020000000001' + 'c6120001' + '000000000000' + 'c6120002',
      );
      const reply = buildArp(arpReplyFor(parseArp(request)!, 0x020000000002));
      assert.equal(
        hex(reply),
        '0001080006040002' + '020000000002' + 'c6120002' + '020000000001' + 'c6120001',
      );
      assert.equal(parseArp(request.subarray(0, 27)), null, 'truncated');
      const ipx = Uint8Array.from(request);
      ipx[3] = 0x37;
      assert.equal(parseArp(ipx), null, 'not IPv4');
    });
  });

  describe('neighbour discovery', () => {
    // A solicitation as Linux sends it: fd76:7272::1 asks for fd76:7272::2 via its solicited-node group.
    const src = parseIpv6('fd76:7272::1');
    const dst = parseIpv6('ff02::1:ff00:2');
    const target = parseIpv6('fd76:7272::2');
    const icmp = new Uint8Array(32);
    icmp[0] = 135;
    icmp.set(target, 8);
    icmp.set([1, 1, 0x02, 0, 0, 0, 0, 0x01], 24);
    const sum = icmpv6Checksum(src, dst, icmp);
    icmp[2] = sum >> 8;
    icmp[3] = sum & 0xff;
    const ipv6 = new Uint8Array(40 + icmp.length);
    ipv6.set([0x60, 0, 0, 0, 0, icmp.length, 58, 255]);
    ipv6.set(src, 8);
    ipv6.set(dst, 24);
    ipv6.set(icmp, 40);

    it('reads a solicitation: target and source link-layer address', () => {
      const ns = parseNeighborSolicitation(parseIcmpv6(ipv6)!)!;
      assert.equal(formatIpv6(ns.target), 'fd76:7272::2');
      assert.equal(ns.sourceMac, 0x020000000001);
    });

    it('refuses solicitations RFC 4861 says to drop (hop limit below 255, option of length 0)', () => {
      const lowHop = Uint8Array.from(ipv6);
      lowHop[7] = 64;
      assert.equal(parseNeighborSolicitation(parseIcmpv6(lowHop)!), null);
      const zeroOption = Uint8Array.from(ipv6);
      zeroOption[40 + 25] = 0;
      assert.equal(parseNeighborSolicitation(parseIcmpv6(zeroOption)!), null);
    });

    it('builds the advertisement: from the target to the solicitor, S and O set, checksum valid', () => {
      const ns = parseNeighborSolicitation(parseIcmpv6(ipv6)!)!;
      const na = buildNeighborAdvertisement(ns, 0x020000000002);
      const m = parseIcmpv6(na)!;
      assert.equal(m.type, 136);
      assert.equal(m.hopLimit, 255);
      assert.equal(formatIpv6(m.src), 'fd76:7272::2');
      assert.equal(formatIpv6(m.dst), 'fd76:7272::1');
      assert.equal(m.body[4], 0x60, 'Solicited | Override');
      assert.equal(formatIpv6(m.body.subarray(8, 24)), 'fd76:7272::2');
      assert.equal(hex(m.body.subarray(24, 32)), '0201020000000002', 'target link-layer address option');
      // Summing a message with its checksum in place gives 0xffff: its one's complement is 0.
      const stored = (m.body[2] << 8) | m.body[3];
      assert.equal(icmpv6Checksum(m.src, m.dst, m.body), stored);
    });
  });
});
