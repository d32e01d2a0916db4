import assert from 'node:assert/strict';
import { startMulticastStream, type StreamResult } from '../../../../src/checks/multicast/sim.ts';
import type { SimNetwork } from '../../../../src/sim/network.ts';
import type { MulticastCheckSpec } from '../../../../src/checks/multicast/spec.ts';
import { convergedNetwork } from '../../../sim/helpers/converged.ts';
import { gridTopology } from '../../../sim/helpers/topologies.ts';

/** 160 kbit/s of 1000-byte datagrams: 20 a second. */
function spec(over: Partial<MulticastCheckSpec> = {}): MulticastCheckSpec {
  return {
    group: '239.1.1.1',
    source: 'r0c0',
    members: ['r0c2', 'r1c1', 'r2c2'],
    rateBps: 160_000,
    durationMs: 5000,
    expect: { deliveryPct: 99, duplicates: 0 },
    ...over,
  };
}

/** Starts a stream, runs `during` (may advance the clock), then runs until the verdict. */
function stream(network: SimNetwork, s: MulticastCheckSpec, during?: () => void): StreamResult {
  let result: StreamResult | null = null;
  const handle = startMulticastStream(network, s, { streamId: 1, settleMs: 3000 }, (r) => (result = r));
  during?.();
  network.runUntil(Math.max(network.now(), handle.finishAt));
  assert.ok(result, 'the stream gave its verdict at finishAt');
  assert.equal(handle.result(), result);
  return result;
}

describe('sim check: multicast', function () {
  it('delivers a stream to every member of a small graph', () => {
    const network = convergedNetwork(gridTopology(3, 3), 2);
    const result = stream(network, spec());
    assert.equal(result.passed, true, result.problems.join('\n'));
    assert.deepEqual(result.figures, {
      members: 3,
      membersSkipped: 0,
      sent: 100,
      deliveryPct: 100,
      meanDeliveryPct: 100,
      lost: 0,
      duplicates: 0,
      outOfOrder: 0,
      // The source held its first 3 s of datagrams while the tree formed, then sent them in one burst.
      longestOutageMs: result.figures.longestOutageMs,
    });
    assert.ok(result.figures.longestOutageMs <= 100, `longest outage ${result.figures.longestOutageMs} ms`);
  });

  it('fails for a member cut off the whole stream, naming it, its delivery and its outage', () => {
    const network = convergedNetwork(gridTopology(3, 3), 2);
    network.partition([['r2c2']]);
    const result = stream(network, spec());
    assert.equal(result.passed, false);
    assert.equal(result.figures.deliveryPct, 0);
    assert.equal(result.figures.longestOutageMs, 5000);
    assert.deepEqual(result.problems, [
      'r2c2: received 0/100 datagrams (0%), expected at least 99% (longest outage 5000 ms)',
    ]);
  });

  it('measures the outage of a member partitioned away mid-stream and back', () => {
    const network = convergedNetwork(gridTopology(3, 3), 2);
    const s = spec({ durationMs: 30_000, expect: { deliveryPct: 50, duplicates: 0 } });
    const result = stream(network, s, () => {
      network.runFor(8000);
      network.partition([['r2c2', 'r2c1', 'r1c2']]);
      network.runFor(8000);
      network.heal();
    });
    assert.equal(result.passed, true, result.problems.join('\n'));
    assert.ok(result.figures.deliveryPct < 100, JSON.stringify(result.figures));
    assert.ok(result.figures.longestOutageMs >= 7000, JSON.stringify(result.figures));
    assert.equal(result.figures.duplicates, 0);
  });

  it('a dead source sends nothing: the check fails saying so', () => {
    const network = convergedNetwork(gridTopology(2, 2), 2);
    network.crash('r0c0');
    const result = stream(network, spec({ members: ['r1c1'] }));
    assert.equal(result.passed, false);
    assert.deepEqual(result.problems, ['source r0c0 is not alive: no stream to 239.1.1.1']);
    assert.equal(result.figures.membersSkipped, 1);
  });

  it('skips members that are not alive and judges the others', () => {
    const network = convergedNetwork(gridTopology(3, 3), 2);
    network.crash('r2c2');
    const result = stream(network, spec());
    assert.equal(result.figures.members, 2);
    assert.equal(result.figures.membersSkipped, 1);
    assert.equal(result.passed, true, result.problems.join('\n'));
  });
});
