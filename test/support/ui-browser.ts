// Debian's chromium driven by puppeteer-core for the UI tests and the draw bench: headless, no sandbox (root),
// nothing fetched from the network (no component updates, sync or background traffic), a fresh profile per
// launch. Returns null with a reason when there is no browser, so a test can skip through test/support/skip.ts.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';

/** Where Debian installs chromium (`apt-get install -y chromium`). */
export const CHROMIUM = process.env.VRR_CHROMIUM ?? '/usr/bin/chromium';

/** A launched browser and how to be rid of it (closes it and removes its profile). */
export interface UiBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Why no browser can be launched here, or null. */
export function browserUnavailableReason(): string | null {
  return existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (apt-get install -y chromium)`;
}

/** Launches headless chromium with a fresh profile. */
export async function launchUiBrowser(): Promise<UiBrowser> {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'vrr-ui-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
    defaultViewport: { width: 1600, height: 900 },
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
