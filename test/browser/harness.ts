/**
 * The real-browser harness: Debian's Chromium driven by playwright-core, against the demo
 * server of site.ts (reference ingest + the relay at /regal + the demo pages) serving the
 * BUILT bundles from dist/. `npm test` builds first.
 *
 * - Chromium is /usr/bin/chromium (`npx playwright install` cannot work here). Without it
 *   the suite is skipped with a loud message, except under CI (`CI` set), where it fails.
 * - One server per test file (port 0, a temporary record), reset before each test; one
 *   fresh browser context (its own IndexedDB) per visitor.
 * - Every page's console errors and uncaught errors are collected: tests assert none.
 * - Tests add pages of their own under /t/ (`harness.serve`), e.g. one sent with a CSP.
 *
 * The tests that run in every engine (WebKit too) use engines/ instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { root, startSite, type Site } from './site';

export { describeEvents, names, sleep, type Contact, type RelayRequest, type StoredEvent, type TestPage } from './site';

import { CHROMIUM, CHROMIUM_ARGS } from './engines/chromium-engine';
export { CHROMIUM };

const hasChromium = existsSync(CHROMIUM);
const MISSING = `real-browser tests need Debian Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
if (!hasChromium) {
  if (process.env.CI) throw new Error(`CI: ${MISSING}. Refusing to skip them.`);
  console.warn(`\n${'!'.repeat(100)}\nSKIPPED: ${MISSING}\n${'!'.repeat(100)}\n`);
}

/** `describe` that skips (loudly, above) when Chromium is missing. */
export const describeInBrowser = describe.skipIf(!hasChromium);

/** One visitor: a browser context of its own, and the problems its pages reported. */
export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of every page of this visitor, as text. */
  problems: string[];
  /** Opens another tab of the same visitor (same storage). */
  newPage(): Promise<Page>;
}

export interface Harness extends Site {
  browser: Browser;
  /** A new visitor (fresh storage), with console errors and page errors collected. */
  visitor(): Promise<Visitor>;
  /** Closes every visitor's browser context opened since the last call. */
  closeVisitors(): Promise<void>;
}

/** Starts Chromium (the launch flags above). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function startHarness(): Promise<Harness> {
  const site = await startSite();
  const visitors = new Set<BrowserContext>();
  const browser = await launchChromium();
  return {
    ...site,
    browser,
    async visitor() {
      const context = await browser.newContext();
      visitors.add(context);
      const problems: string[] = [];
      const watch = (page: Page) => {
        page.on('console', (message: ConsoleMessage) => {
          if (message.type() === 'error') problems.push(`console.error on ${page.url()}: ${message.text()} (${message.location().url})`);
        });
        page.on('pageerror', (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
      };
      context.on('page', watch);
      // Chromium asks every page for /favicon.ico; the demo has none, and its 404 is no
      // error of the library's.
      await context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
      const page = await context.newPage();
      return { context, page, problems, newPage: () => context.newPage() };
    },
    async closeVisitors() {
      await Promise.all([...visitors].map((c) => c.close().catch(() => {})));
      visitors.clear();
    },
    async close() {
      await browser.close().catch(() => {});
      await site.close();
    },
  };
}

/**
 * The lifecycle every browser test file shares: one harness (server + Chromium) per file,
 * a clean record before each test, and every visitor's browser context closed after it.
 * Returns the harness (a stand-in that forwards to it once `beforeAll` has started it).
 */
export function useHarness(): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness();
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(async () => {
    await started!.reset();
  });
  afterEach(async () => {
    await started?.closeVisitors();
  });
  return new Proxy({} as Harness, {
    get: (_, key) => {
      if (!started) throw new Error('The harness starts in beforeAll: use it inside tests and hooks.');
      return started[key as keyof Harness];
    },
  });
}

/** The Chromium network log line for a request the test itself blocked: not the library's. */
export function isBlockedRequestLog(problem: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`: Failed to load resource: net::ERR_[A-Z_]+ \\(https?://[^/]+${escaped}\\)$`).test(problem);
}

/** The minified pre-load snippet, as a site pastes it. */
export const snippet = () => readFileSync(join(root, 'dist/snippet.min.js'), 'utf8').trim();

/** Waits until the script-tag library has replaced the snippet's queue with the live API. */
export async function libraryLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const regal = (window as unknown as { regal?: unknown }).regal;
    return !!regal && !Array.isArray(regal);
  });
  await page.evaluate(() => (window as unknown as { regal: { ready(): Promise<void> } }).regal.ready());
}

/** `window.regal.stats()` of the page. */
export function stats(page: Page): Promise<{ held: number; queued: number; delivered: number; storage: string }> {
  return page.evaluate(() => (window as unknown as { regal: { stats(): any } }).regal.stats());
}

/** Waits until the page's client holds at least `count` events (they are stored). */
export async function heldAtLeast(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (window as unknown as { regal: { stats(): { held: number } } }).regal.stats().held >= n, count);
}
