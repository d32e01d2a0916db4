// A headless Debian chromium for tests that look at a page the project makes (report.html, the live UI), driven
// by puppeteer-core: launch() with the flags that keep the browser offline and quiet (no QUIC, no background
// or component traffic, no sync, a fresh profile), newPage(), screenshot() into reports/test-artifacts/ (kept
// after the run for people to look at; gitignored with reports/), close() removing the profile.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';

/** Debian's chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go. */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'reports', 'test-artifacts');

/** Null when the browser can run here, else why not (for skipForMissing). */
export function browserUnavailableReason(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  return null;
}

/** One launched browser with its throw-away profile. */
export class TestBrowser {
  private constructor(
    readonly browser: Browser,
    private readonly profile: string,
  ) {}

  /** Launches headless chromium with a fresh --user-data-dir. */
  static async launch(options: { width?: number; height?: number } = {}): Promise<TestBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'vrr-chromium-'));
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      defaultViewport: { width: options.width ?? 1280, height: options.height ?? 900 },
      args: [
        '--headless',
        '--no-sandbox', // tests run as root, where chromium refuses its sandbox
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
      ],
    });
    return new TestBrowser(browser, profile);
  }

  /** A new tab; `requests` collects every URL the page asks for (a self-contained page asks for its own only). */
  async newPage(): Promise<{ page: Page; requests: string[] }> {
    const page = await this.browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    return { page, requests };
  }

  /** A full-page PNG of `page` as ARTIFACTS_DIR/<name>.png; returns its path. */
  async screenshot(page: Page, name: string): Promise<string> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const path = join(ARTIFACTS_DIR, `${name}.png`);
    await page.screenshot({ path: path as `${string}.png`, fullPage: true });
    return path;
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    await this.browser.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
