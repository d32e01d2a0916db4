// The page in a real browser (Debian's chromium, headless) on a replayed simulator run of partition-heal-12: it
// loads with nothing fetched from elsewhere, draws the 12 nodes, their links and the ring, the slider brings back
// the partition (cut links, two partitions), and a click on a node shows its vset. Needs no root.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { runSimulation } from '../../../../src/sim/run-sim.ts';
import { loadTopology } from '../../../../src/checks/topology.ts';
import { bundlePage } from '../../../../src/testbed/ui/page-bundle.ts';
import { loadReplay, ReplayBackend } from '../../../../src/testbed/ui/replay-backend.ts';
import { startUiServer, type UiServer } from '../../../../src/testbed/ui/server.ts';
import { SimTimelineRecorder } from '../../../../src/testbed/ui/sim-timeline.ts';
import { writeTimelineEvents } from '../../../../src/testbed/report/html-report.ts';
import { skipForMissing } from '../../../support/skip.ts';
import { clickOn, drawn, nodePanel, openUi, screenshot, type PageProbe } from '../../../support/ui-page.ts';
import { browserUnavailableReason, TestBrowser } from '../../../support/browser.ts';

describe('testbed ui page on a replayed simulator run (chromium)', function () {
  this.timeout(180_000);
  let dir = '';
  let server: UiServer | null = null;
  let browser: TestBrowser | null = null;
  let page: Page;
  let errors: string[] = [];
  let backend: ReplayBackend;

  before(async function () {
    const reason = browserUnavailableReason();
    if (reason !== null) skipForMissing(this, 'browser tests of testbed ui', reason);
    dir = mkdtempSync(join(tmpdir(), 'vrr-ui-page-'));
    const topology = loadTopology('topologies/partition-heal-12.yaml');
    const recorder = new SimTimelineRecorder(topology, 12, 'topologies/partition-heal-12.yaml');
    runSimulation(topology, { seed: 12, recorder });
    const timeline = writeTimelineEvents(dir, recorder.events);
    backend = new ReplayBackend(loadReplay(timeline));
    server = await startUiServer({ backend, assets: await bundlePage(null) });
    browser = await TestBrowser.launch({ width: 1600, height: 900 });
    ({ page, errors } = await openUi(browser.browser, server.url));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws every node and link, the ring with its vset edges, and a consistent ring at the end', async () => {
    const d = await drawn(page);
    assert.equal(d.physNodes, 12);
    assert.equal(d.physEdges, 17);
    assert.equal(d.ringNodes, 12);
    assert.ok(d.vsetEdges >= 12, `vset edges drawn: ${d.vsetEdges}`);
    assert.equal(d.up, 17);
    assert.match(await page.$eval('#verdict', (e) => e.textContent ?? ''), /ring consistent/);
    assert.match(await page.$eval('#mode', (e) => e.textContent ?? ''), /replay/);
    await screenshot(page, 'replay-end');
    assert.deepEqual(errors, []);
  });

  it('scrubs back to the partition: links cut, two partitions', async () => {
    const cutAt = backend.topology().marks![0].t;
    await page.evaluate((t) => {
      const slider = document.getElementById('slider') as HTMLInputElement;
      slider.value = String(t);
      slider.dispatchEvent(new Event('input'));
    }, cutAt + 5000);
    await page.waitForFunction(
      (t) => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state?.t === t,
      { timeout: 10_000 },
      cutAt + 5000,
    );
    const d = await drawn(page);
    assert.ok(d.cut > 0, `cut links drawn: ${d.cut}`);
    const partitions = await page.evaluate(
      () => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state!.ring.partitions,
    );
    assert.equal(partitions, 2);
    assert.match(await page.$eval('#clock', (e) => e.textContent ?? ''), /t = /);
    await screenshot(page, 'replay-partition');
  });

  it('shows a node’s vset when it is clicked', async () => {
    await clickOn(page, { node: 'r2c2' });
    const summary = await nodePanel(page, 'r2c2');
    assert.ok(
      summary.some((s) => /^Virtual neighbours \([1-9]/.test(s)),
      summary.join(' | '),
    );
    await screenshot(page, 'replay-node');
  });
});
