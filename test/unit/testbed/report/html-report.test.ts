// report.html's structure, from a hand-made report and timeline (a sim run and a lab run): self-contained and
// deterministic, text escaped, and every chart drawn from the data it was given: the ring-health dip, the fault
// markers and the stretch they disturbed, the verify diamonds, the multicast outage cells, the ping matrices.

import assert from 'node:assert/strict';
import { htmlReport } from '../../../../src/testbed/report/html-report.ts';
import { reportSeries } from '../../../../src/testbed/report/report-series.ts';
import type { RunReport } from '../../../../src/testbed/report/run-report.ts';
import type { TimelineEvent } from '../../../../src/testbed/report/timeline.ts';

const NODES = ['a', 'b', 'c', 'd'];

function simReport(): RunReport {
  return {
    passed: false,
    lab: 'tiny',
    topology: 'tiny',
    seed: 7,
    runtime: 'sim',
    versions: { 'vrr-lab': '0.1.0' },
    nodes: 4,
    convergenceMs: 2000,
    links: [],
    steps: [
      {
        at: 0,
        action: 'verify',
        where: '/x/tiny.yaml:10',
        passed: true,
        figures: { 'multicast.heldAfterMs': 9000 },
      },
      {
        at: 3000,
        action: 'partition',
        where: '/x/tiny.yaml:12',
        passed: true,
        figures: { ringConsistentAfterMs: 2000 },
      },
      {
        at: 6000,
        action: 'heal',
        where: '/x/tiny.yaml:14',
        passed: true,
        figures: { ringConsistentAfterMs: 1000 },
      },
      {
        at: 6000,
        action: 'verify',
        where: '/x/tiny.yaml:16',
        passed: false,
        figures: { 'ping-all.heldAfterMs': null, 'ping-all.delivered': 11, lateMs: 500 },
        problems: ['ping-all: a -> d: lost <script>alert(1)</script>'],
      },
    ],
    checks: [{ name: 'ring-consistent', passed: true, figures: { nodes: 4, wrongVsets: 0 } }],
    figures: { links: 3, events: 1234, routesPerNode: { mean: 2.5, max: 4 } },
  };
}

function simEvents(): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const right = [0, 2, 4, 4, 4, 4, 2, 4, 4, 4, 4, 4];
  right.forEach((r, i) =>
    events.push({
      t: i * 1000,
      source: 'sim',
      type: 'ring-health',
      nodes: 4,
      right: r,
      wrongVset: i === 0 ? 0 : 4 - r,
      inactive: i === 0 ? 4 : 0,
      partitions: i >= 5 && i < 8 ? 2 : 1,
      down: 0,
    }),
  );
  events.push({
    t: 5000,
    source: 'sim',
    type: 'fault',
    action: 'partition',
    detail: 'partition [a,b] [c,d]',
  });
  events.push({ t: 8000, source: 'sim', type: 'fault', action: 'heal', detail: 'heal all' });
  events.push({
    t: 9000,
    source: 'sim',
    type: 'ping-matrix',
    where: '/x/tiny.yaml:16',
    nodes: NODES,
    pairs: NODES.flatMap((f) =>
      NODES.filter((t) => t !== f).map((t) => [f, t, f === 'a' && t === 'd' ? null : 2]),
    ),
  });
  events.push({
    t: 12000,
    source: 'sim',
    type: 'stream-series',
    group: '239.1.1.1',
    where: '/x/tiny.yaml:10',
    startedAt: 2000,
    durationMs: 8000,
    bucketMs: 1000,
    sentPerBucket: [10, 10, 10, 10, 10, 10, 10, 10],
    members: { b: [10, 10, 10, 10, 10, 10, 10, 10], d: [10, 10, 10, 0, 0, 0, 5, 10] },
  });
  return events;
}

const count = (html: string, re: RegExp): number => (html.match(new RegExp(re.source, 'g')) ?? []).length;
const attr = (html: string, id: string, name: string): string | undefined =>
  new RegExp(`id="${id}"[^>]*?${name}="([^"]*)"`).exec(html)?.[1];

describe('report.html', () => {
  const html = htmlReport(simReport(), simEvents());

  it('is one self-contained page: no script, nothing fetched, a CSP that forbids fetching', () => {
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\b(src|href)=/i);
    assert.doesNotMatch(html, /url\(|@import|https?:\/\//i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.ok(html.endsWith('</html>\n'));
  });

  it('is a pure function of the report and the events', () => {
    assert.equal(htmlReport(simReport(), simEvents()), html);
  });

  it('escapes what it shows', () => {
    assert.ok(html.includes('lost &lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('says the verdict, the run and its figures', () => {
    assert.match(html, /<title>tiny: FAIL<\/title>/);
    assert.match(html, /<span class="badge fail">FAIL<\/span>/);
    assert.match(html, /simulator · seed 7 · 4 nodes · 3 links/);
    assert.match(html, /<span>routesPerNode<\/span><b>mean 2.5, max 4<\/b>/);
    assert.match(html, /<span>timeline steps<\/span><b>3 \/ 4 held<\/b>/);
  });

  it('draws ring health with its dip after convergence, the faults and the verify steps', () => {
    assert.equal(attr(html, 'ring-health', 'data-samples'), '12');
    assert.equal(attr(html, 'ring-health', 'data-min-right'), '2');
    assert.equal(attr(html, 'ring-health', 'data-min-right-at'), '6000');
    const faults = [...html.matchAll(/<g class="fault-marker" data-t="(\d+)" data-label="([^"]+)"/g)].map(
      (m) => [Number(m[1]), m[2]],
    );
    // Once over ring health, once over the stream.
    assert.deepEqual(faults, [
      [5000, 'partition'],
      [8000, 'heal'],
      [5000, 'partition'],
      [8000, 'heal'],
    ]);
    assert.equal(count(html, /class="converged-marker"/), 1);
    assert.equal(count(html, /class="verify-marker"[^>]*fill="#2f9e62"/), 1);
    assert.equal(count(html, /class="verify-marker"[^>]*fill="#d1495b"/), 1);
    assert.equal(count(html, /class="disruption"/), 2);
    assert.equal(count(html, /class="partition-lane" data-partitions="2"/), 1);
    assert.match(html, /the fewest nodes with the right vset: <b>2 of 4<\/b> at 6 s \(2 partitions\)/);
  });

  it('puts the disrupted stretch from the partition to the heal', () => {
    const series = reportSeries(simReport(), simEvents());
    assert.deepEqual(series.disruptions, [{ from: 5000, to: 8000, label: 'partition [a,b] [c,d]' }]);
    assert.deepEqual(
      series.markers.map((m) => [m.t, m.kind]),
      [
        [2000, 'converged'],
        [2000, 'verify'],
        [5000, 'fault'],
        [8000, 'fault'],
        [8500, 'verify'],
      ],
    );
  });

  it('draws the stream per member and second, outages red', () => {
    assert.match(html, /<svg id="stream-0"/);
    assert.equal(count(html, /class="bucket( outage)?"/), 16);
    assert.equal(count(html, /class="bucket outage"/), 3);
    assert.match(html, />d<tspan class="muted"> 56.3%<\/tspan>/);
    assert.match(html, /longest outage of a member 3 s/);
  });

  it('draws the ping matrix: delivered, lost and not-asked cells', () => {
    assert.match(
      html,
      /<figure class="matrix" id="matrix-0" style="width:242px" data-ok="11" data-fail="1" data-delivered="11" data-asked="12">/,
    );
    assert.match(html, /<title>a → d: not delivered<\/title>/);
    assert.match(html, /11 of 12 pairs delivered \(91.7%\)/);
  });

  it('lists every step, the failed one marked, figures grouped by check', () => {
    assert.equal(count(html, /<tr class="(pass|fail)"><td class="nowrap">/), 4);
    assert.equal(count(html, /<tr class="fail">/), 1);
    assert.match(html, /<b>ping-all<\/b><span class="chip"><span>heldAfterMs<\/span> never<\/span>/);
    assert.match(html, /tiny\.yaml:16/);
  });

  it('draws a lab run from report.json’s check details and the controller’s events', () => {
    const lab: RunReport = {
      ...simReport(),
      runtime: 'netns',
      startedAt: '2026-01-01T00:00:00.000Z',
      steps: [
        {
          at: 0,
          action: 'verify',
          where: '/x/tiny.yaml:10',
          passed: true,
          figures: {},
          checks: [
            {
              name: 'ping-all',
              passed: false,
              figures: {},
              details: {
                matrix: {
                  IPv4: { a: { b: { lossPct: 0, rttMs: 1.5 } }, b: { a: { lossPct: 100, rttMs: null } } },
                  IPv6: { a: { b: { lossPct: 0, rttMs: 1.7 } }, b: { a: { lossPct: 0, rttMs: 2 } } },
                },
              },
            },
            {
              name: 'multicast',
              passed: true,
              figures: { durationMs: 8000 },
              details: {
                members: [
                  {
                    node: 'c',
                    deliveryPct: 80,
                    longestOutageMs: 1500,
                    firstArrivalMs: 100,
                    lastArrivalMs: 7900,
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    const events: TimelineEvent[] = [
      { t: 0, source: 'controller', type: 'run-start' },
      { t: 20_000, source: 'controller', type: 'ring-converged', ms: 19_000 },
      {
        t: 21_000,
        source: 'controller',
        type: 'ring-health',
        nodes: 4,
        right: 4,
        wrongVset: 0,
        inactive: 0,
        partitions: 1,
      },
      { t: 22_000, source: 'controller', type: 'stream-start', group: '239.1.1.1' },
      { t: 23_000, source: 'controller', type: 'fault', action: 'link-down', did: 'link a-b down' },
    ];
    const page = htmlReport(lab, events);
    assert.match(page, /netns lab tiny · seed 7/);
    assert.match(page, /data-ok="1" data-fail="1" data-delivered="1" data-asked="2"/);
    assert.match(page, /<title>b → a: IPv4 lost, IPv6 2 ms<\/title>/);
    assert.equal(count(page, /class="member-span"/), 1);
    assert.match(page, /data-label="link-down"/);
    const series = reportSeries(lab, events);
    assert.equal(
      series.range.from,
      20_000,
      'a lab’s axis starts at the first consistent ring, not before up',
    );
  });

  it('says so when a run has no ring-health samples', () => {
    assert.match(htmlReport(simReport(), []), /No ring-health samples/);
  });
});
