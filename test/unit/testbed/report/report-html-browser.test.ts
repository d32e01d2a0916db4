// report.html in a real browser: `testbed sim topologies/partition-heal-12.yaml --report-dir` writes it, Debian's
// headless chromium opens it from disk, and the page shows the outage: the ring-health chart dips between the
// partition and the heal markers, the eastern members' multicast rows turn red there, the ping matrices are
// drawn cell by cell, the styles apply (the CSP lets inline CSS through), and nothing but the file itself is
// requested. A full-page screenshot is left in reports/test-artifacts/report-html.png for people to look at.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSimulation } from '../../../../src/sim/run-sim.ts';
import { runSimCommand } from '../../../../src/testbed/commands/sim.ts';
import { loadTopology } from '../../../../src/checks/topology.ts';
import { browserUnavailableReason, TestBrowser } from '../../../support/browser.ts';
import { skipForMissing } from '../../../support/skip.ts';
import { topologiesDir } from '../../topology/topology-test-kit.ts';

interface PageFacts {
  title: string;
  ringWidth: number;
  nodes: number;
  minRight: number;
  minRightAt: number;
  faults: { label: string; t: number }[];
  outageRows: Record<string, number>;
  matrices: { ok: number; fail: number; none: number }[];
  badgeColor: string;
  verifyMarkers: number;
}

describe('report.html of partition-heal-12 in headless chromium', function () {
  this.timeout(540_000);
  let dir = '';
  let browser: TestBrowser | null = null;
  let facts: PageFacts;
  let requests: string[] = [];
  const errors: string[] = [];
  let screenshot = '';

  before(async function () {
    const reason = browserUnavailableReason();
    if (reason !== null) skipForMissing(this, 'the report.html browser test', reason);
    dir = mkdtempSync(join(tmpdir(), 'vrr-report-html-'));
    const file = join(topologiesDir, 'partition-heal-12.yaml');
    const code = runSimCommand(
      file,
      { reportDir: dir, json: true },
      {
        load: loadTopology,
        simulate: runSimulation,
        stdout: () => {},
        stderr: () => {},
        wallNow: () => 0,
        interactive: false,
      },
    );
    assert.equal(code, 0, 'the simulated run passed');
    browser = await TestBrowser.launch({ width: 1280, height: 900 });
    const opened = await browser.newPage();
    requests = opened.requests;
    const page = opened.page;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    const url = pathToFileURL(join(dir, 'report.html')).href;
    await page.goto(url, { waitUntil: 'load' });
    facts = await page.evaluate((): PageFacts => {
      const ring = document.querySelector<SVGSVGElement>('#ring-health')!;
      const rows: Record<string, number> = {};
      for (const label of document.querySelectorAll('#stream-0 .row-label')) {
        const y = Number(label.getAttribute('y'));
        const name = label.firstChild!.textContent!;
        rows[name] = [...document.querySelectorAll('#stream-0 rect.bucket.outage')].filter(
          (r) => Math.abs(Number(r.getAttribute('y')) - (y - 12)) < 1,
        ).length;
      }
      return {
        title: document.title,
        ringWidth: ring.getBoundingClientRect().width,
        nodes: Number(ring.dataset.nodes),
        minRight: Number(ring.dataset.minRight),
        minRightAt: Number(ring.dataset.minRightAt),
        faults: [...ring.querySelectorAll<SVGGElement>('.fault-marker')].map((g) => ({
          label: g.dataset.label!,
          t: Number(g.dataset.t),
        })),
        outageRows: rows,
        matrices: [...document.querySelectorAll('figure.matrix')].map((f) => ({
          ok: f.querySelectorAll('rect.cell.ok').length,
          fail: f.querySelectorAll('rect.cell.fail').length,
          none: f.querySelectorAll('rect.cell.none').length,
        })),
        badgeColor: getComputedStyle(document.querySelector('.badge')!).backgroundColor,
        verifyMarkers: ring.querySelectorAll('.verify-marker').length,
      };
    });
    screenshot = await browser.screenshot(page, 'report-html');
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens offline: the file is the only request, and no script error', () => {
    assert.equal(requests.length, 1);
    assert.match(requests[0], /^file:\/\/.*report\.html$/);
    assert.deepEqual(errors, []);
    assert.match(facts.title, /^partition-heal-12: PASS$/);
    assert.equal(facts.badgeColor, 'rgb(47, 158, 98)', 'the inline styles apply');
  });

  it('shows the ring-health chart dipping between the partition and the heal', () => {
    assert.ok(facts.ringWidth > 900, `chart ${facts.ringWidth} px wide`);
    assert.deepEqual(
      facts.faults.map((f) => f.label),
      ['partition', 'heal'],
    );
    const [partition, heal] = facts.faults;
    assert.equal(facts.nodes, 12);
    assert.ok(facts.minRight < 12, `the fewest right vsets were ${facts.minRight}`);
    assert.ok(facts.minRightAt > partition.t && facts.minRightAt <= heal.t, `dip at ${facts.minRightAt}`);
    assert.equal(facts.verifyMarkers, 6, 'one diamond per verify step');
  });

  it('shows the eastern members’ multicast outage during the partition, none for the source’s side', () => {
    assert.equal(facts.outageRows.r1c2, 0);
    for (const east of ['r1c4', 'r2c4', 'r3c3']) {
      assert.ok(facts.outageRows[east] >= 20, `${east}: ${facts.outageRows[east]} seconds without datagrams`);
    }
  });

  it('draws every ping-all round as a 12 x 12 matrix of delivered cells', () => {
    assert.equal(facts.matrices.length, 3);
    for (const m of facts.matrices) assert.deepEqual(m, { ok: 132, fail: 0, none: 12 });
    console.log(`      screenshot: ${screenshot}`);
  });
});
