/**
 * The engine API on Chromium (Debian's /usr/bin/chromium, through playwright-core): a
 * browser context per visitor, a page per tab, problems from the page's own events.
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Site } from '../site';
import type { Engine, EngineDefinition, EngineVisitor, Tab } from './engine';

/** Debian's Chromium (`npx playwright install` cannot work here). */
export const CHROMIUM = '/usr/bin/chromium';
/** The flags every test launch uses: headless as root, and none of Chromium's own network
 * traffic (this machine's network is closed, and it would fail many connections at once). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function tab(page: Page, base: string): Tab {
  const at = (path: string) => new URL(path, base).href;
  const loaded = () => page.waitForFunction(() => document.readyState === 'complete', undefined, { polling: 50 }).then(() => {});
  return {
    goto: (path) => page.goto(at(path)).then(() => {}),
    url: async () => page.url(),
    run: (fn, arg) => page.evaluate(fn as never, arg) as never,
    waitFor: (fn, arg, timeoutMs = 15_000) => page.waitForFunction(fn as never, arg, { timeout: timeoutMs, polling: 100 }).then(() => {}),
    reload: () => page.reload().then(() => {}),
    // A page restored from the back/forward cache fires no load event: wait for the commit.
    back: () => page.goBack({ waitUntil: 'commit' }).then(loaded),
    forward: () => page.goForward({ waitUntil: 'commit' }).then(loaded),
    fill: (selector, text) => page.fill(selector, text),
    check: (selector) => page.check(selector),
    click: (selector) => page.click(selector),
    clickToNavigate: async (selector, path) => {
      await Promise.all([page.waitForURL((url) => url.pathname === path), page.click(selector)]);
    },
    close: () => page.close({ runBeforeUnload: false }),
  };
}

export const chromiumEngine: EngineDefinition = {
  missing: () => (existsSync(CHROMIUM) ? undefined : `the Chromium tests need Debian Chromium at ${CHROMIUM} (apt-get install -y chromium)`),
  async start(): Promise<Engine> {
    // The back/forward cache on, as in every browser people use (playwright turns it off
    // by default with --disable-back-forward-cache).
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    });
    const contexts = new Set<BrowserContext>();
    return {
      name: 'chromium',
      async visitor(site: Site): Promise<EngineVisitor> {
        const context = await browser.newContext();
        contexts.add(context);
        const problems: string[] = [];
        // Chromium asks every page for /favicon.ico; the demo has none, and that 404 is no
        // error of the library's. (Not answered by a route: interception could cost the
        // back/forward cache, which the tests need as browsers ship it.)
        const note = (problem: string) => problem.includes('/favicon.ico') || problems.push(problem);
        context.on('page', (page) => {
          page.on('console', (m) => m.type() === 'error' && note(`console.error on ${page.url()}: ${m.text()} (${m.location().url})`));
          page.on('pageerror', (e) => note(`uncaught on ${page.url()}: ${e.message}`));
        });
        const first = await context.newPage();
        return {
          tab: tab(first, site.url),
          newTab: async () => tab(await context.newPage(), site.url),
          problems,
          setOffline: (offline) => context.setOffline(offline),
        };
      },
      async closeVisitors() {
        await Promise.all([...contexts].map((c) => c.close().catch(() => {})));
        contexts.clear();
      },
      close: () => browser.close().catch(() => {}),
    };
  },
};
