// `testbed ui` on a real 3x3 lab in network namespaces, in Debian's chromium: the page loads and draws the 9
// nodes and the ring; a link set down with the CLI verb's own function (lab/faults.ts setLink, what `testbed link
// LAB A B down` runs) shows on the page within 2 s; a click on a node shows its vset from its vrrd; a shift-click
// traces a path through the route tables; the page's own Up button (token-protected POST) brings the link back.
// Needs root and network namespaces (run under `flock /tmp/vrr-labs.lock`); screenshots go to
// reports/test-artifacts/ui/.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { setLink } from '../../src/testbed/lab/faults.ts';
import { readLabState } from '../../src/testbed/lab/lab-state.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { LiveBackend } from '../../src/testbed/ui/live-backend.ts';
import { openLiveLab } from '../../src/testbed/ui/live-lab.ts';
import { bundlePage } from '../../src/testbed/ui/page-bundle.ts';
import { startUiServer, type UiServer } from '../../src/testbed/ui/server.ts';
import type { UiNodeTables } from '../../src/testbed/ui/ui-types.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { skipForMissing } from '../support/skip.ts';
import { clickOn, drawn, nodePanel, openUi, screenshot, type PageProbe } from '../support/ui-page.ts';
import { browserUnavailableReason, TestBrowser } from '../support/browser.ts';
import { labName, privateStateRoot } from './fixtures/lab-kit.ts';

const probe = (page: Page): Promise<PageProbe> =>
  page.evaluate(() => {
    const p = (window as unknown as { __vrrUi: PageProbe }).__vrrUi;
    return {
      renders: p.renders,
      firstDrawMs: p.firstDrawMs,
      state: p.state,
      selected: p.selected,
      path: p.path,
    };
  });

describe('testbed ui on a live netns lab (chromium)', function () {
  this.timeout(600_000);
  const runtime = new NetnsRuntime();
  const lab = labName('ui');
  let root = '';
  let up: UpResult | null = null;
  let backend: LiveBackend | null = null;
  let server: UiServer | null = null;
  let browser: TestBrowser | null = null;
  let page: Page;
  let errors: string[] = [];
  let linkIndex = -1;

  before(async function () {
    const reason = netnsUnavailableReason() ?? browserUnavailableReason();
    if (reason !== null) skipForMissing(this, 'testbed ui on a netns lab', reason);
    root = privateStateRoot();
    up = await upLab(loadTopology(`${REPO_ROOT}/topologies/grid-3x3.yaml`), {
      seed: 42,
      runtime,
      lab,
      progress: () => {},
    });
    assert.notEqual(up.convergenceMs, null, up.ring.problems.join('\n'));
    linkIndex = up.lab.plan.links.findIndex((l) => l.a === 'r2c2' && l.b === 'r2c3');
    backend = new LiveBackend(await openLiveLab(lab));
    await backend.start();
    server = await startUiServer({ backend, assets: await bundlePage(null) });
    browser = await TestBrowser.launch({ width: 1600, height: 900 });
    ({ page, errors } = await openUi(browser.browser, server.url));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await backend?.close();
    if (up) await downLabs(lab, async () => [runtime]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('loads and draws the 9 nodes, the 12 links and the ring', async () => {
    await page.waitForFunction(() => document.getElementById('conn')?.className === 'conn on', {
      timeout: 10_000,
    });
    await page.waitForFunction(
      () => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state?.ring.passed === true,
      { timeout: 30_000 },
    );
    const d = await drawn(page);
    assert.equal(d.physNodes, 9);
    assert.equal(d.ringNodes, 9);
    assert.equal(d.up, 12);
    assert.ok(d.vsetEdges >= 9, `vset edges: ${d.vsetEdges}`);
    assert.equal(d.missing + d.wrong, 0);
    assert.match(await page.$eval('#mode', (e) => e.textContent ?? ''), /live · netns/);
    await screenshot(page, 'live-grid');
    assert.deepEqual(errors, []);
  });

  it('shows a link set down (the `testbed link` verb’s code) within 2 s', async () => {
    const started = Date.now();
    await setLink(up!.lab, 'r2c2', 'r2c3', false);
    await page.waitForFunction(
      (i) => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state?.links[i] === 'down',
      { timeout: 2000 },
      linkIndex,
    );
    console.log(`      link down on the page ${Date.now() - started} ms after setLink was called`);
    assert.equal((await drawn(page)).down, 1);
    // The daemons' own events arrive over the stream too.
    await page.waitForFunction(() => (document.getElementById('event-list')?.childElementCount ?? 0) > 0, {
      timeout: 5000,
    });
    await screenshot(page, 'live-link-down');
  });

  it('shows a node’s vset, from its vrrd, when the node is clicked', async () => {
    await clickOn(page, { node: 'r1c1' });
    const summaries = await nodePanel(page, 'r1c1');
    assert.ok(
      summaries.some((s) => s === 'Virtual neighbours (4)'),
      summaries.join(' | '),
    );
    const vsetRows = await page.$$eval('#node-panel details:first-of-type tbody tr', (r) => r.length);
    assert.equal(vsetRows, 4);
    assert.ok(summaries.some((s) => /^Routes \([1-9]/.test(s)));
    // The same tables over the API: vrrd's representatives verb answers, the DHT count is there.
    const res = await fetch(`http://127.0.0.1:${server!.port}/api/node/r1c1`, {
      headers: { 'x-vrr-token': server!.token },
    });
    const tables = (await res.json()) as UiNodeTables;
    assert.ok((tables.representatives?.length ?? 0) >= 1, JSON.stringify(tables.representatives));
    assert.equal(typeof tables.dhtEntries, 'number');
    assert.ok(tables.neighbors.every((n) => n.quality >= 0 && n.quality <= 1));
    await screenshot(page, 'live-node');
  });

  it('traces the hop-by-hop path to a shift-clicked node through the route tables', async () => {
    await clickOn(page, { node: 'r3c3' }, 'Shift');
    await page.waitForFunction(() => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.path !== null, {
      timeout: 15_000,
    });
    const p = (await probe(page)).path!;
    assert.equal(p.reached, true, p.reason ?? '');
    assert.equal(p.hops[0], 'r1c1');
    assert.equal(p.hops[p.hops.length - 1], 'r3c3');
    assert.match(await page.$eval('#path-result', (e) => e.textContent ?? ''), /r1c1 → .* → r3c3/);
    await screenshot(page, 'live-path');
  });

  it('brings the link back up with the page’s own button (a POST with the token)', async () => {
    await clickOn(page, { link: linkIndex });
    assert.ok(await pressButton(page, 'Link r2c2 — r2c3', 'Up'), 'the link row has an Up button');
    await page.waitForFunction(
      (i) => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state?.links[i] === 'up',
      { timeout: 10_000 },
      linkIndex,
    );
    assert.equal(readLabState(lab)!.links[linkIndex].adminDown, false);
  });

  it('partitions the picked nodes off and heals, with the page’s buttons', async () => {
    for (const node of ['r1c1', 'r1c2', 'r1c3']) await clickOn(page, { node }, 'Control');
    assert.ok(await pressButton(page, 'Picked: r1c1, r1c2, r1c3', 'Partition them off'));
    await page.waitForFunction(
      () =>
        (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state?.links.filter((s) => s === 'cut')
          .length === 3,
      { timeout: 10_000 },
    );
    assert.deepEqual(readLabState(lab)!.partition, [['r1c1', 'r1c2', 'r1c3']]);
    await screenshot(page, 'live-partition');
    assert.ok(await pressButton(page, 'Picked', 'Heal'));
    await page.waitForFunction(
      () => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.state?.links.every((s) => s === 'up'),
      { timeout: 10_000 },
    );
    assert.equal(readLabState(lab)!.partition, null);
  });

  it('crashes and restarts the selected node with the page’s buttons', async () => {
    await clickOn(page, { node: 'r3c1' });
    assert.ok(await pressButton(page, 'Node r3c1', 'Crash'));
    await page.waitForFunction(
      () => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.drawn!().dead === 1,
      {
        timeout: 10_000,
      },
    );
    assert.equal(readLabState(lab)!.nodes.r3c1.daemonPid, null);
    await screenshot(page, 'live-crash');
    assert.ok(await pressButton(page, 'Node r3c1', 'Restart'));
    await page.waitForFunction(
      () => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.drawn!().dead === 0,
      {
        timeout: 20_000,
      },
    );
    assert.notEqual(readLabState(lab)!.nodes.r3c1.daemonPid, null);
  });
});

// Clicks the button labelled `label` in the controls row whose text starts with `row`; false when there is none.
function pressButton(page: Page, row: string, label: string): Promise<boolean> {
  return page.$$eval(
    '#controls .row',
    (rows, row, label) => {
      const r = rows.find((e) => e.textContent?.startsWith(row));
      const b = [...(r?.querySelectorAll('button') ?? [])].find((x) => x.textContent === label);
      b?.click();
      return b !== undefined;
    },
    row,
    label,
  );
}
