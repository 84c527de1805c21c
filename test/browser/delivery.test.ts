/**
 * Delivery in real Chromium across tabs opened before the visitor was known. The lifecycle
 * cases (a reload mid-flush, a tab closed right after a call, two tabs sending, the
 * back/forward cache, offline) are in guarantees/delivery.test.ts, which runs them in
 * Chromium and in WebKit.
 *
 * Fixture page: demo/public/test/delivery.html (the script tag in relay mode, nothing else;
 * it calls `regal.ready()` so that a page load sends what earlier visits left).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeEvents, describeInBrowser, libraryLoaded, useHarness, stats, type Harness, type Visitor } from './harness';
import { exactlyOnce, ns, ONCE_IN_ORDER, PHONE, range } from './guarantees/helpers';

const FIXTURE = '/test/delivery.html';

async function open(page: Page, base: string) {
  await page.goto(`${base}${FIXTURE}`);
  await libraryLoaded(page);
}

/** Identifies the visitor (so that their events are sendable) and waits for the server to have it. */
async function identify(h: Harness, page: Page) {
  await page.evaluate((phone) => (window as any).regal.identify({ phone }).delivered, PHONE);
  await h.waitForEvents((e) => e.some((x) => x.name === undefined && x.traits.phones?.[0]?.phoneNumber === PHONE));
}

function track(page: Page, name: string, from: number, count: number) {
  return page.evaluate(
    ([name, from, count]) => {
      for (let n = from; n < from + count; n++) (window as any).regal.track(name, { n });
    },
    [name, from, count] as const,
  );
}

/** Polls `check` (a page function) until it is true, or fails after `timeoutMs`. */
async function until(page: Page, check: () => boolean, timeoutMs = 15_000) {
  await page.waitForFunction(check, undefined, { timeout: timeoutMs, polling: 100 });
}


describeInBrowser('delivery through the page lifecycle', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('a tab already open when another tab identified the visitor sends what it tracks next (both tabs visible, as two windows side by side)', async () => {
    visitor = await h.visitor();
    const tab1 = visitor.page;
    const tab2 = await visitor.newPage();
    await open(tab1, h.url);
    await open(tab2, h.url); // open before the visitor is known
    await identify(h, tab1);
    // Tab 1 is done; the visitor carries on in tab 2, which is never hidden in between.
    await track(tab2, 'Second tab', 0, 5);
    const events = await h.waitForEvents((e) => ns(e, 'Second tab').length >= 5, 8_000).catch(async (error) => {
      const [s1, s2] = [await stats(tab1), await stats(tab2)];
      throw new Error(`${(error as Error).message}\ntab 1 ${JSON.stringify(s1)}\ntab 2 ${JSON.stringify(s2)}`);
    });
    await until(tab2, () => (window as any).regal.stats().held === 0 && (window as any).regal.stats().queued === 0);
    expect(exactlyOnce(ns(events, 'Second tab'), range(5)), describeEvents(events)).toEqual(ONCE_IN_ORDER);
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber, describeEvents(events)).toBe(PHONE);
    expect(visitor.problems).toEqual([]);
  });

});
