// The timing ceilings of src/topology/limits.ts where they are read: link parameters and scenario impairments of a
// topology file, `vrr.helloMs`, and the emulation settings vrrd and `vrrctl link set` parse (emulation-spec.ts).
// Each refusal says what was expected, what was found and where. (vrrd's own flags: test/daemon/config.test.ts.)

import assert from 'node:assert/strict';
import { parseTopology } from '../../../src/checks/topology.ts';
import { parseEmulationSpec } from '../../../src/topology/emulation-spec.ts';
import { MAX_DELAY_MS, MAX_HELLO_MS, MAX_JITTER_MS, MIN_HELLO_MS } from '../../../src/topology/limits.ts';

function topology(...lines: string[]): string {
  return ['name: t', 'nodes:', '  a: {}', '  b: {}', ...lines, ''].join('\n');
}

describe('topology/limits: timing ceilings', () => {
  it('are 10 s of delay and of jitter, and a hello period from 10 ms to 60 s', () => {
    assert.deepEqual([MAX_DELAY_MS, MAX_JITTER_MS, MIN_HELLO_MS, MAX_HELLO_MS], [10_000, 10_000, 10, 60_000]);
  });

  it('refuse a link delay or jitter past them in a topology file, naming the line', () => {
    assert.ok(parseTopology(topology('links:', '  - { ends: [a, b], delay: 10s, jitter: 10s }'), 't.yaml'));
    assert.throws(
      () => parseTopology(topology('links:', '  - { ends: [a, b], delay: 11s }'), 't.yaml'),
      /t\.yaml:6.*links\[0\]\.delay: expected a duration of at most 10s, found 11s/s,
    );
    assert.throws(
      () => parseTopology(topology('defaults:', '  link: { jitter: 1m }', 'links:', '  - [a, b]'), 't.yaml'),
      /t\.yaml:6.*expected a duration of at most 10s, found 1m/s,
    );
  });

  it('refuse them in a scenario impairment', () => {
    const lines = [
      'links:',
      '  - [a, b]',
      'scenario:',
      '  - { at: 1s, impair: { ends: [a, b], delay: 20s } }',
    ];
    assert.throws(() => parseTopology(topology(...lines), 't.yaml'), /t\.yaml:8.*at most 10s, found 20s/s);
  });

  it('refuse a hello period outside [10 ms, 60 s]', () => {
    for (const bad of [5, 70_000]) {
      assert.throws(
        () =>
          parseTopology(
            topology('defaults:', `  vrr: { helloMs: ${bad} }`, 'links:', '  - [a, b]'),
            't.yaml',
          ),
        new RegExp(`t\\.yaml:6.*from 10 to 60000.*found ${bad}`, 's'),
      );
    }
  });

  it('refuse them in emulation settings (vrrd config, --emulate, vrrctl link set)', () => {
    assert.deepEqual(parseEmulationSpec({ delay: '10s', jitter: '2ms' }, 'link set'), {
      delayMs: 10_000,
      jitterMs: 2,
    });
    assert.throws(
      () => parseEmulationSpec({ delay: '10.5s' }, 'link set'),
      /^RangeError: link set\.delay: expected a duration of at most 10s, found 10\.5s$/,
    );
    assert.throws(
      () => parseEmulationSpec({ jitter: '1m' }, 'settings'),
      /settings\.jitter: .* at most 10s, found 1m/,
    );
  });
});
