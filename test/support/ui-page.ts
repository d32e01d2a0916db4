// The testbed ui page as tests see it, in a browser from test/support/browser.ts: open it and wait for its first
// draw, read what it drew, click where it draws a node or link, screenshots, the node panel.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ARTIFACTS_DIR } from './browser.ts';

/** Where the UI tests put their screenshots (gitignored). */
export const ARTIFACTS = join(ARTIFACTS_DIR, 'ui');

/** What the page exposes for tests (src/testbed/ui/page/main.ts, window.__vrrUi), as seen from here. */
export interface PageProbe {
  renders: number;
  firstDrawMs: number | null;
  state: { t: number; links: string[]; ring: { passed: boolean; partitions: number } } | null;
  selected: string | null;
  path: { hops: string[]; reached: boolean; reason: string | null } | null;
  drawn?: () => Record<string, number>;
}

/** Opens the UI's URL in a new page and waits until it has drawn its first state; returns the draw time (ms). */
export async function openUi(
  browser: Browser,
  url: string,
): Promise<{ page: Page; drawMs: number; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(new URL(url).origin) && !r.url().startsWith('data:'))
      errors.push(`foreign request: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(
    () => (window as unknown as { __vrrUi?: PageProbe }).__vrrUi?.firstDrawMs != null,
    {
      timeout: 60_000,
    },
  );
  const drawMs = await page.evaluate(
    () => (window as unknown as { __vrrUi: PageProbe }).__vrrUi.firstDrawMs!,
  );
  return { page, drawMs, errors };
}

/** Counts of what the page draws (physNodes, vsetEdges, down, cut, ...). */
export function drawn(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    (window as unknown as { __vrrUi: { drawn: () => Record<string, number> } }).__vrrUi.drawn(),
  );
}

/** Clicks a node (or a link's middle) where the page draws it; with shift for a path. */
export async function clickOn(
  page: Page,
  what: { node?: string; link?: number; view?: 'ring' | 'phys' },
  modifier?: 'Shift' | 'Control',
): Promise<void> {
  const at = await page.evaluate(
    (w) =>
      (window as unknown as { __vrrUi: { at: (x: unknown) => { x: number; y: number } | null } }).__vrrUi.at(
        w,
      ),
    what,
  );
  if (at === null) throw new Error(`the page draws no ${JSON.stringify(what)}`);
  if (modifier) await page.keyboard.down(modifier);
  await page.mouse.click(at.x, at.y);
  if (modifier) await page.keyboard.up(modifier);
}

/** Saves a screenshot under ARTIFACTS; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: path as `${string}.png` });
  return path;
}

/** Waits until the node panel shows `name`; returns its section titles ("Virtual neighbours (4)", ...). */
export async function nodePanel(page: Page, name: string): Promise<string[]> {
  await page.waitForFunction(
    (n) => document.querySelector('#node-panel h3')?.textContent?.includes(n),
    { timeout: 10_000 },
    name,
  );
  return page.$$eval('#node-panel summary', (s) => s.map((e) => e.textContent ?? ''));
}
