import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '../../../../src/sim/run-sim.ts';
import { loadTopology } from '../../../../src/checks/topology.ts';
import { fromSimReport, reportPassed } from '../../../../src/testbed/report/run-report.ts';
import { reportJson, writeReportJson } from '../../../../src/testbed/report/report-json.ts';
import { junitXml } from '../../../../src/testbed/report/junit.ts';
import { summarizeRun } from '../../../../src/testbed/report/summary.ts';
import { vrrLabVersion } from '../../../../src/testbed/report/versions.ts';
import type { CheckResult } from '../../../../src/checks/report.ts';
import { topologiesDir } from '../../topology/topology-test-kit.ts';

describe('testbed report: RunReport', () => {
  const topology = loadTopology(join(topologiesDir, 'line-3.yaml'));
  const sim = runSimulation(topology, { seed: 3 });

  it('a SimReport of line-3 converts with fromSimReport, keeping every check and step', () => {
    const report = fromSimReport(sim, { version: '0.1.0', topology });
    assert.equal(report.runtime, 'sim');
    assert.equal(report.passed, sim.passed);
    assert.equal(report.passed, true);
    assert.equal(report.seed, 3);
    assert.equal(report.lab, 'line-3');
    assert.equal(report.topology, 'line-3');
    assert.equal(report.nodes, 3);
    assert.equal(report.convergenceMs, sim.convergenceMs);
    assert.equal('startedAt' in report, false);
    assert.deepEqual(report.versions, { 'vrr-lab': '0.1.0' });
    assert.deepEqual(report.checks, sim.checks);
    assert.deepEqual(report.steps, sim.steps);
    assert.deepEqual(
      report.links.map((l) => [l.a, l.b, l.shapedBy, l.aToB.delayMs]),
      [
        ['n1', 'n2', 'simulated', 1],
        ['n2', 'n3', 'simulated', 1],
      ],
    );
    assert.equal(report.figures.links, 2);
    assert.deepEqual(report.figures.routesPerNode, sim.figures.routesPerNode);
  });

  it('is byte-identical for the same topology and seed', () => {
    const again = runSimulation(topology, { seed: 3 });
    assert.equal(
      reportJson(fromSimReport(again, { version: '0.1.0', topology })),
      reportJson(fromSimReport(sim, { version: '0.1.0', topology })),
    );
  });

  it('feeds the summary and junit.xml', () => {
    const report = fromSimReport(sim, { version: vrrLabVersion(), topology });
    const lines = summarizeRun(report);
    assert.equal(
      lines[0],
      'lab line-3 (topology line-3, sim, seed 3): 3 nodes, 2 links (shaped by simulated)',
    );
    assert.match(lines[1], /^ring converged in \d+\.\d s \(simulated\)$/);
    assert.match(lines[2], /^PASS step at 0s verify \(.*line-3.yaml:\d+\): ring-consistent.heldAfterMs 0/);
    assert.ok(
      lines.some((l) => /^PASS ping-all: pairs 6, delivered 6/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^PASS ring-consistent: nodes 3, partitions 1/.test(l)),
      lines.join('\n'),
    );
    assert.equal(lines.at(-1), 'PASS');
    const xml = junitXml(report);
    // The step's two checks, then the two final checks.
    assert.match(xml, /tests="4" failures="0"/);
    assert.match(xml, /<property name="runtime" value="sim"\/>/);
  });

  it('summarizes failing checks with their problems, and writes report.json', () => {
    const failing: CheckResult = {
      name: 'multicast',
      passed: false,
      figures: { members: 3, sent: 120, deliveryPct: 50, meanDeliveryPct: 80, duplicates: 0, lost: 60 },
      problems: ['n2: received 60/120 datagrams (50%), expected at least 99%'],
      details: { members: [] },
    };
    const report = {
      ...fromSimReport(sim, { version: '0.1.0', topology }),
      runtime: 'netns' as const,
      startedAt: '2025-01-02T03:04:05.000Z',
      checks: [failing],
    };
    report.passed = reportPassed(report.steps, report.checks);
    assert.equal(report.passed, false);
    const lines = summarizeRun(report);
    assert.ok(
      lines.includes('FAIL multicast: members 3, sent 120, deliveryPct 50, meanDeliveryPct 80, duplicates 0'),
    );
    assert.ok(lines.includes('     n2: received 60/120 datagrams (50%), expected at least 99%'));
    assert.equal(lines[1], `ring converged in ${(sim.convergenceMs! / 1000).toFixed(1)} s`);
    assert.equal(lines.at(-1), 'FAIL');
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    try {
      const path = writeReportJson(dir, report);
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), report);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
