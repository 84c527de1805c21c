/**
 * Delivery in real Chromium, against the relay at /regal and the reference server behind
 * it: what the page lifecycle does to events on their way out. A reload in the middle of
 * a flush, a tab closed right after a call, two tabs of one visitor, the back/forward
 * cache, going offline. Every event must reach the server exactly once (counted by its
 * `n` property), in order, and no page may see an error of ours.
 *
 * Fixture pages: demo/public/test/delivery.html (the script tag in relay mode, nothing
 * else; it calls `regal.ready()` so that a page load sends what earlier visits left) and
 * demo/public/test/away.html (a page of the site without the library).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { CHROMIUM, describeEvents, describeInBrowser, libraryLoaded, sleep, useHarness, stats, type Harness, type StoredEvent, type Visitor } from './harness';

const FIXTURE = '/test/delivery.html';
const PHONE = '+14155550142';

/** The `n` property of every recorded event named `name`, in arrival order. */
const ns = (events: StoredEvent[], name: string) => events.filter((e) => e.name === name).map((e) => (e.properties as { n: number }).n);

/** What is wrong with `got` as "each of `expected` exactly once, in this order". */
function exactlyOnce(got: number[], expected: number[]) {
  const seen = new Map<number, number>();
  for (const n of got) seen.set(n, (seen.get(n) ?? 0) + 1);
  return {
    missing: expected.filter((n) => !seen.has(n)),
    duplicates: [...seen].filter(([, count]) => count > 1).map(([n]) => n),
    unexpected: got.filter((n) => !expected.includes(n)),
    inOrder: got.every((n, i) => i === 0 || got[i - 1] < n),
  };
}
const range = (count: number, from = 0) => Array.from({ length: count }, (_, i) => from + i);

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
const drained = () => (window as any).regal.stats().queued === 0;

async function setFaults(h: Harness, faults: Record<string, number>) {
  const response = await fetch(`${h.url}/_stub/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(faults) });
  expect(response.status).toBe(200);
}

describeInBrowser('delivery through the page lifecycle', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('a reload in the middle of a flush: all 200 events arrive exactly once, in order', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const posts = { before: 0, after: 0 };
    let reloaded = false;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/regal') posts[reloaded ? 'after' : 'before']++;
    });
    await open(page, h.url);
    await identify(h, page);

    // A slow Regal: the relay forwards one event per request, so a batch takes seconds.
    await setFaults(h, { latencyMs: 20 });
    const firstPost = page.waitForRequest((r) => new URL(r.url()).pathname === '/regal');
    await track(page, 'Bulk', 0, 200);
    await firstPost;
    // The relay is forwarding the first batch: reload now.
    await h.waitForEvents((e) => ns(e, 'Bulk').length >= 3);
    const beforeReload = ns(await h.events(), 'Bulk').length;
    reloaded = true;
    const reloadAt = Date.now();
    await page.reload();
    await libraryLoaded(page);

    await h.waitForEvents((e) => new Set(ns(e, 'Bulk')).size >= 200, 25_000);
    await until(page, drained);
    await sleep(500); // a straggler (a resend) would show up by now
    const events = await h.events();
    const bulk = ns(events, 'Bulk');
    const check = exactlyOnce(bulk, range(200));
    console.log(
      `reload mid-flush: ${beforeReload} of 200 recorded at the reload; ${bulk.length} recorded in all, ` +
        `${check.duplicates.length} duplicates, ${check.missing.length} missing, in order: ${check.inOrder}; ` +
        `POST /regal ${posts.before} before the reload, ${posts.after} after (seen by the page), ` +
        `${h.relayRequests().filter((r) => r.at >= reloadAt && r.mode === 'no-cors').length} beacon(s) at the reload (seen by the server)`,
    );
    expect(beforeReload, 'the reload came too late to be mid-flush').toBeLessThan(200);
    expect(check, describeEvents(events)).toEqual({ missing: [], duplicates: [], unexpected: [], inOrder: true });
    expect(visitor.problems).toEqual([]);
  });

  it('a page closed right after track(): the event arrives (by beacon at pagehide, or on the next visit)', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    await open(page, h.url);
    await identify(h, page);

    const tracked = Date.now();
    await page.evaluate(() => {
      (window as any).regal.track('Last click', { n: 1 });
    });
    await page.close({ runBeforeUnload: false });

    let path = 'the closing page';
    try {
      await h.waitForEvents((e) => ns(e, 'Last click').length > 0, 5_000);
    } catch {
      path = 'the next visit';
    }
    // How the closing page sent (Sec-Fetch-Mode at the server: no-cors is a beacon).
    const fromClosing = h.relayRequests().filter((r) => r.at >= tracked).map((r) => (r.mode === 'no-cors' ? 'beacon' : 'fetch'));
    // The next visit, either way: it delivers the event if the beacon did not, and must
    // not deliver it a second time if it did.
    const next = await visitor.newPage();
    await open(next, h.url);
    await h.waitForEvents((e) => ns(e, 'Last click').length > 0, 10_000);
    await until(next, drained);
    await sleep(500);
    const events = await h.events();
    console.log(`closed page: 'Last click' delivered by ${path}; requests to /regal from the closing page: ${JSON.stringify(fromClosing)}`);
    expect(ns(events, 'Last click'), describeEvents(events)).toEqual([1]);
    expect(visitor.problems).toEqual([]);
  });

  it('two tabs of one visitor: every event exactly once, and only one tab sends at a time', async () => {
    visitor = await h.visitor();
    const tab1 = visitor.page;
    // What each tab posted to the relay, timed from this side: the request is held here
    // from its arrival until the relay's answer is back, so the span lies within the
    // span the tab itself saw.
    const log: Array<{ tab: number; start: number; end: number; ids: string[]; beacon: boolean }> = [];
    const instrument = (page: Page, tab: number) =>
      page.route('**/regal', async (route) => {
        const start = performance.now();
        const request = route.request();
        let ids: string[] = [];
        try {
          ids = (JSON.parse(request.postData() ?? '{}').batch ?? []).map((e: { messageId: string }) => e.messageId);
        } catch {}
        try {
          const response = await route.fetch();
          log.push({ tab, start, end: performance.now(), ids, beacon: request.resourceType() === 'ping' });
          await route.fulfill({ response });
        } catch {
          // The context closed under a request: nothing to record.
        }
      });
    await instrument(tab1, 1);
    await open(tab1, h.url);
    await identify(h, tab1);
    const tab2 = await visitor.newPage();
    await instrument(tab2, 2);
    await open(tab2, h.url);

    // Waves of events in both tabs at once, against a slower Regal so that a round of
    // sending takes a while: the tab that tracks first starts sending, the other tries
    // while it does. Who goes first alternates, so that both tabs get to send.
    await setFaults(h, { latencyMs: 5 });
    const tabs = [tab1, tab2];
    for (let wave = 0; wave < 4; wave++) {
      const order = wave % 2 ? [1, 0] : [0, 1];
      for (let i = 0; i < 5; i++) for (const t of order) await track(tabs[t], `Tab ${t + 1}`, wave * 25 + i * 5, 5);
      await h.waitForEvents((e) => ns(e, 'Tab 1').length >= (wave + 1) * 25 && ns(e, 'Tab 2').length >= (wave + 1) * 25, 15_000);
    }
    await h.waitForEvents((e) => new Set(ns(e, 'Tab 1')).size >= 100 && new Set(ns(e, 'Tab 2')).size >= 100, 20_000);
    await until(tab1, drained);
    await until(tab2, drained);
    await sleep(500);

    const events = await h.events();
    const checks = [exactlyOnce(ns(events, 'Tab 1'), range(100)), exactlyOnce(ns(events, 'Tab 2'), range(100))];
    const requests = [1, 2].map((tab) => log.filter((r) => r.tab === tab));
    const sent = new Map<string, number>();
    for (const r of log) for (const id of r.ids) sent.set(id, (sent.get(id) ?? 0) + 1);
    const overlaps = [];
    for (const a of requests[0]) for (const b of requests[1]) if (a.start < b.end && b.start < a.end) overlaps.push([a, b]);
    console.log(
      `two tabs: requests tab 1 ${requests[0].length} (${requests[0].reduce((s, r) => s + r.ids.length, 0)} events), ` +
        `tab 2 ${requests[1].length} (${requests[1].reduce((s, r) => s + r.ids.length, 0)} events); ` +
        `recorded ${events.length} events (identify included); duplicates at the server ${checks[0].duplicates.length + checks[1].duplicates.length}; ` +
        `events sent more than once by the browser ${[...sent.values()].filter((c) => c > 1).length}; overlapping requests across tabs ${overlaps.length}`,
    );
    for (const check of checks) expect(check, describeEvents(events)).toEqual({ missing: [], duplicates: [], unexpected: [], inOrder: true });
    expect(overlaps.map(([a, b]) => `tab 1 ${a.start.toFixed(0)}-${a.end.toFixed(0)} ms vs tab 2 ${b.start.toFixed(0)}-${b.end.toFixed(0)} ms`)).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });

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
    expect(exactlyOnce(ns(events, 'Second tab'), range(5)), describeEvents(events)).toEqual({ missing: [], duplicates: [], unexpected: [], inOrder: true });
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber, describeEvents(events)).toBe(PHONE);
    expect(visitor.problems).toEqual([]);
  });

  it('back/forward cache: away and back, the library keeps working (what was left in flight arrives once, new events arrive)', async () => {
    // Playwright turns the back/forward cache off (--disable-back-forward-cache) in the
    // browser it launches; this test needs one with the cache on.
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    });
    try {
      const context = await browser.newContext();
      const problems: string[] = [];
      const page = await context.newPage();
      page.on('console', (m) => m.type() === 'error' && problems.push(`console.error on ${page.url()}: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`uncaught on ${page.url()}: ${e.message}`));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Page.enable');
      const notCached: string[] = [];
      cdp.on('Page.backForwardCacheNotUsed', (e) => notCached.push(...e.notRestoredExplanations.map((x) => `${x.type}: ${x.reason}`)));

      await open(page, h.url);
      await identify(h, page);
      await track(page, 'Before leaving', 0, 3);
      await Promise.all([page.waitForURL('**/test/away.html'), page.click('#away')]);
      await sleep(300);
      const whileAway = ns(await h.events(), 'Before leaving').length;
      // A page restored from the cache fires no load event: wait for the commit only.
      await page.goBack({ waitUntil: 'commit' });
      await page.waitForURL(`**${FIXTURE}`, { waitUntil: 'commit' });
      await libraryLoaded(page);
      const shows = await page.evaluate(() => (window as any).pageShows as boolean[]);
      const restored = shows[shows.length - 1] === true;
      await track(page, 'After return', 0, 3);

      await h.waitForEvents((e) => ns(e, 'Before leaving').length >= 3 && ns(e, 'After return').length >= 3);
      await until(page, drained);
      await sleep(500);
      const events = await h.events();
      console.log(`back/forward cache: page restored from it: ${restored} (pageshow persisted: ${JSON.stringify(shows)}); ${whileAway} of 3 'Before leaving' arrived while away${notCached.length ? `; not cached because ${notCached.join(', ')}` : ''}`);
      expect(restored, `not restored from the back/forward cache: ${notCached.join(', ')}`).toBe(true);
      expect(exactlyOnce(ns(events, 'Before leaving'), range(3)), describeEvents(events)).toEqual({ missing: [], duplicates: [], unexpected: [], inOrder: true });
      expect(exactlyOnce(ns(events, 'After return'), range(3)), describeEvents(events)).toEqual({ missing: [], duplicates: [], unexpected: [], inOrder: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close().catch(() => {});
    }
  });

  it('offline: events tracked meanwhile are kept, and sent when the browser is back online', async () => {
    visitor = await h.visitor();
    const { context, page } = visitor;
    await open(page, h.url);
    await identify(h, page);

    await context.setOffline(true);
    await until(page, () => !navigator.onLine);
    await track(page, 'Offline', 0, 10);
    await sleep(1000); // well past the flush interval
    expect(ns(await h.events(), 'Offline')).toEqual([]);
    expect(await stats(page)).toMatchObject({ queued: 10 });

    const back = Date.now();
    await context.setOffline(false);
    // Sooner than the 10 s re-check that covers browsers without the `online` event.
    const events = await h.waitForEvents((e) => ns(e, 'Offline').length >= 10, 8_000);
    const after = Date.now() - back;
    await until(page, drained);
    const { onlineEvents, regalErrors } = await page.evaluate(() => ({ onlineEvents: (window as any).onlineEvents, regalErrors: (window as any).regalErrors }));
    console.log(`offline: 10 events arrived ${after} ms after going back online (online events: ${onlineEvents}; error channel: ${JSON.stringify(regalErrors)})`);
    expect(onlineEvents).toBeGreaterThanOrEqual(1);
    expect(exactlyOnce(ns(await h.events(), 'Offline'), range(10)), describeEvents(events)).toEqual({ missing: [], duplicates: [], unexpected: [], inOrder: true });
    expect(visitor.problems).toEqual([]);
  });
});
