import assert from 'node:assert/strict';
import { simDhtCheck } from '../../../../src/checks/dht/sim.ts';
import { dhtCheckKey } from '../../../../src/checks/dht/sample.ts';
import { convergedNetwork, runUntilConsistent } from '../../../sim/helpers/converged.ts';
import { gridTopology } from '../../../sim/helpers/topologies.ts';

const SPEC = { keys: 30, expect: { foundPct: 100 } };

describe('sim check: dht', function () {
  it('puts keys from seeded nodes and finds every one from other nodes on a converged lab', () => {
    const network = convergedNetwork(gridTopology(3, 3), 3);
    const result = simDhtCheck(network, SPEC, 3);
    assert.equal(result.passed, true, result.problems.join('\n'));
    assert.deepEqual(result.problems, []);
    const f = result.figures;
    assert.deepEqual(
      [f.keys, f.found, f.wrongValue, f.missing, f.putFailed, f.foundPct],
      [30, 30, 0, 0, 0, 100],
    );
    assert.ok(f.meanHops > 0, `mean hops ${f.meanHops}`); // a round trip, most owners elsewhere
    assert.ok(f.meanLatencyMs > 0 && f.meanLatencyMs < 200, `mean latency ${f.meanLatencyMs} ms`);
  });

  it('fails when a partition puts keys out of reach, naming the key, the nodes and the step of the journey', () => {
    const network = convergedNetwork(gridTopology(2, 4), 4);
    const west = ['r0c0', 'r0c1', 'r1c0', 'r1c1'];
    network.partition([west]);
    assert.notEqual(runUntilConsistent(network), null, 'each half forms its own ring');
    const result = simDhtCheck(network, SPEC, 4);
    assert.equal(result.passed, false);
    assert.ok(result.figures.found < 30 && result.figures.missing > 0, JSON.stringify(result.figures));
    assert.match(result.problems[0], /^found [\d.]+% of 30 keys, expected at least 100%$/);
    const lines = result.problems.slice(1);
    assert.ok(lines.length > 0);
    for (const line of lines) {
      // A key put in one half lives there: the other half's get finds nothing (or gets no answer).
      const m =
        /^key (check-4-\d+) \(put from (\w+)\): get from (\w+) (found nothing|failed: .*), expected "(.*)"$/.exec(
          line,
        );
      assert.ok(m, line);
      assert.notEqual(
        west.includes(m[2]),
        west.includes(m[3]),
        `${line}: the two nodes are in different halves`,
      );
      assert.ok(m[5].startsWith(`${m[1]}:`), 'the value carries its key');
    }
    // Lines in key order, as the real check lists them.
    const order = lines.map((l) => Number(l.split(' ')[1].split('-')[2]));
    assert.deepEqual(
      order,
      [...order].sort((x, y) => x - y),
    );
    assert.equal(lines[0].split(' ')[1], dhtCheckKey(4, order[0]));
  });

  it('draws the same plan and figures for the same seed', () => {
    const a = simDhtCheck(convergedNetwork(gridTopology(2, 3), 8), SPEC, 8);
    const b = simDhtCheck(convergedNetwork(gridTopology(2, 3), 8), SPEC, 8);
    assert.deepEqual(a, b);
  });

  it('with no alive node, fails saying so', () => {
    const network = convergedNetwork(gridTopology(1, 2), 1);
    network.crash('r0c0');
    network.crash('r0c1');
    const result = simDhtCheck(network, SPEC, 1);
    assert.equal(result.passed, false);
    assert.deepEqual(result.problems, ['no alive node to put keys from']);
    assert.equal(result.figures.missing, 30);
  });
});
