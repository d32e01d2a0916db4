import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { junitXml, writeJunit } from '../../../../src/testbed/report/junit.ts';
import type { RunReport } from '../../../../src/testbed/report/run-report.ts';

// A small real-lab report: a fault step, a verify step with attached checks (one failing with <&"> in its
// problems), a sim-style verify step whose checks are folded into figures, and two final checks.
function report(): RunReport {
  return {
    passed: false,
    lab: 'grid & co',
    topology: 'grid-3x3',
    seed: 42,
    runtime: 'netns',
    versions: { 'vrr-lab': '0.1.0', node: 'v20.0.0' },
    startedAt: '2025-01-02T03:04:05.000Z',
    nodes: 9,
    convergenceMs: 3200,
    links: [],
    steps: [
      {
        at: 5000,
        action: 'link-down',
        where: 'topologies/grid.yaml:12',
        passed: true,
        figures: { ringConsistentAfterMs: 800 },
      },
      {
        at: 6000,
        action: 'verify',
        where: 'topologies/grid.yaml:14',
        passed: false,
        figures: { 'ping-all.heldAfterMs': null },
        problems: ['step at topologies/grid.yaml:14: ping-all did not hold within 5 s'],
        checks: [
          {
            name: 'ping-all',
            passed: false,
            figures: { pairs: 72, delivered: 70 },
            problems: ['n3 -> n7 (198.18.1.2, IPv4): 3/3 lost <"unreachable"> & more', "it's'"],
          },
          { name: 'ring-consistent', passed: true, figures: { nodes: 9 } },
        ],
      },
      {
        at: 9000,
        action: 'verify',
        where: 'topologies/grid.yaml:16',
        passed: true,
        figures: { 'ring-consistent.heldAfterMs': 120, 'ring-consistent.nodes': 9 },
        notRun: ['dht: not run: the simulator attaches no DHT to its nodes yet'],
      },
    ],
    checks: [
      { name: 'ring-consistent', passed: true, figures: { nodes: 9 } },
      { name: 'dht', passed: true, figures: { keys: 20, found: 20 } },
    ],
    figures: {},
  };
}

// The minimal XML reading the test needs: entities decoded.
const unescape = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#10;/g, '\n')
    .replace(/&amp;/g, '&');

describe('testbed report: junit.xml', () => {
  it('has one test case per check per step, counts, the seed as a property, and escapes <&"', () => {
    const xml = junitXml(report());
    const cases = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)">/g)].map((m) => [
      unescape(m[1]),
      unescape(m[2]),
    ]);
    assert.deepEqual(cases, [
      ['at 5s link-down (topologies/grid.yaml:12)', 'link-down'],
      ['at 6s verify (topologies/grid.yaml:14)', 'ping-all'],
      ['at 6s verify (topologies/grid.yaml:14)', 'ring-consistent'],
      ['at 9s verify (topologies/grid.yaml:16)', 'ring-consistent'],
      ['at 9s verify (topologies/grid.yaml:16)', 'dht'],
      ['final checks', 'ring-consistent'],
      ['final checks', 'dht'],
    ]);
    const suite =
      /<testsuite name="([^"]*)" tests="(\d+)" failures="(\d+)" errors="0" skipped="(\d+)" timestamp="([^"]*)">/.exec(
        xml,
      );
    assert.ok(suite, xml);
    assert.equal(unescape(suite[1]), 'grid & co (netns, seed 42)');
    assert.deepEqual(suite.slice(2, 5), ['7', '1', '1']);
    assert.match(xml, /<property name="seed" value="42"\/>/);
    assert.match(xml, /<property name="node" value="v20.0.0"\/>/);

    const failure = /<failure message="([^"]*)" type="check">([^<]*)<\/failure>/.exec(xml);
    assert.ok(failure, xml);
    assert.equal(unescape(failure[1]), 'n3 -> n7 (198.18.1.2, IPv4): 3/3 lost <"unreachable"> & more');
    assert.equal(unescape(failure[2]), `n3 -> n7 (198.18.1.2, IPv4): 3/3 lost <"unreachable"> & more\nit's'`);
    assert.match(xml, /<skipped message="dht: not run: the simulator attaches no DHT to its nodes yet"\/>/);
    // Nothing raw: every < opens a tag, every & an entity.
    assert.doesNotMatch(xml.replace(/<\/?[a-z?][^<>]*>/g, ''), /[<>]/);
    assert.doesNotMatch(xml, /&(?!(amp|lt|gt|quot|apos|#\d+);)/);
  });

  it('unfolds a sim step: a check that never held fails with its own problem lines', () => {
    const r = report();
    r.steps = [
      {
        at: 0,
        action: 'verify',
        where: 'line-3.yaml:15',
        passed: false,
        figures: { 'ping-all.heldAfterMs': null, 'ping-all.pairs': 6, 'ring-consistent.heldAfterMs': 0 },
        problems: ['step at line-3.yaml:15: ping-all did not hold at once', 'ping-all: n1 -> n3: no route'],
      },
    ];
    r.checks = [];
    const xml = junitXml(r);
    assert.match(xml, /tests="2" failures="1"/);
    const failure =
      /<testcase classname="at 0s verify \(line-3.yaml:15\)" name="ping-all">\n\s*<failure message="([^"]*)"/.exec(
        xml,
      );
    assert.ok(failure, xml);
    assert.equal(unescape(failure[1]), 'step at line-3.yaml:15: ping-all did not hold at once');
    assert.match(xml, /<system-out>heldAfterMs never\npairs 6<\/system-out>/);
  });

  it('a failed step no check owns is a failing test case of its own', () => {
    const r = report();
    r.steps = [
      {
        at: 1000,
        action: 'crash',
        where: 'x.yaml:3',
        passed: false,
        figures: {},
        problems: ['step at x.yaml:3 (crash) did not run: the ring never converged'],
      },
    ];
    const xml = junitXml(r);
    assert.match(
      xml,
      /<testcase classname="at 1s crash \(x.yaml:3\)" name="crash">\n\s*<failure message="step at x.yaml:3/,
    );
  });

  it('writes dir/junit.xml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'junit-'));
    try {
      const path = writeJunit(join(dir, 'run'), report());
      assert.equal(path, join(dir, 'run', 'junit.xml'));
      assert.equal(readFileSync(path, 'utf8'), junitXml(report()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
