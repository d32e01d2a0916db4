// What the overlay lets through from the mesh to the host (src/daemon/overlay.ts): the ICMPv6 type behind any
// extension headers, which decides whether an IPv6 packet is router or neighbour discovery (dropped). The TAP
// itself, with ARP and discovery packets delivered from the mesh, is tested against the kernel in overlay.test.ts.

import assert from 'node:assert/strict';
import { icmpv6TypeOf } from '../../src/daemon/overlay.ts';

/** An IPv6 packet: fixed header with `next`, then `rest`. */
function ipv6(next: number, rest: number[]): Uint8Array {
  const out = new Uint8Array(40 + rest.length);
  out[0] = 0x60;
  out[6] = next;
  out[7] = 255;
  out.set(rest, 40);
  return out;
}

describe('daemon/overlay: what reaches the host from the mesh', () => {
  it('finds the ICMPv6 type directly after the header, and behind extension headers', () => {
    assert.equal(icmpv6TypeOf(ipv6(58, [134, 0, 0, 0])), 134);
    // Hop-by-hop options (8 bytes), then ICMPv6.
    assert.equal(icmpv6TypeOf(ipv6(0, [58, 0, 5, 2, 0, 0, 1, 0, 136, 0, 0, 0])), 136);
    // A first fragment carrying ICMPv6: its type counts; a later fragment has none.
    assert.equal(icmpv6TypeOf(ipv6(44, [58, 0, 0, 1, 0, 0, 0, 1, 135, 0])), 135);
    assert.equal(icmpv6TypeOf(ipv6(44, [58, 0, 0, 0x18, 0, 0, 0, 1, 135, 0])), null);
  });

  it('answers null for UDP, for cut packets and for what is not IPv6', () => {
    assert.equal(icmpv6TypeOf(ipv6(17, [0, 0, 0, 0, 0, 0, 0, 0])), null);
    assert.equal(icmpv6TypeOf(ipv6(0, [58])), null);
    assert.equal(icmpv6TypeOf(ipv6(58, [])), null);
    assert.equal(icmpv6TypeOf(new Uint8Array(60).fill(0x45, 0, 1)), null);
  });
});
