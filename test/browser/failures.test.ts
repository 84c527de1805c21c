/**
 * What the host page sees when things go wrong around the library: an unreachable relay,
 * a blocked script, storage that throws. Never an exception or console error of ours; the
 * site keeps working; and what could not be sent is kept, not lost.
 *
 * Chromium itself logs "Failed to load resource: net::ERR_FAILED" for a request that the
 * test blocks. That line is the browser's report of the test's own doing (no script can
 * prevent it), so it is the one console error allowed, and only for the blocked path.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  describeEvents,
  describeInBrowser,
  heldAtLeast,
  isBlockedRequestLog,
  libraryLoaded,
  names,
  sleep,
  useHarness,
  stats,
  type StoredEvent,
  type Visitor,
} from './harness';

async function submitLeadForm(page: Page) {
  await page.fill('#name', 'Sam Lee');
  await page.fill('#phone', '415-555-0177');
  await page.check('#sms-consent');
  await Promise.all([page.waitForURL('**/thanks.html*'), page.click('#lead button[type=submit]')]);
}

describeInBrowser('failures around the library', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('an unreachable endpoint (/regal blocked) produces no error in the page, and the events are sent once it is back', async () => {
    visitor = await h.visitor();
    const { context, page } = visitor;
    await context.route('**/regal', (route) => route.abort());
    h.blockRelay(true); // also the keepalive requests that outlive their page (see harness)
    await page.goto(`${h.url}/`);
    await libraryLoaded(page);
    await page.click('#cta');
    await heldAtLeast(page, 2);
    await submitLeadForm(page);
    await libraryLoaded(page);
    await sleep(1500); // a few failed attempts
    expect(await h.events()).toEqual([]);
    // What the landing page wrote as it unloaded reaches this page's queue at its next send
    // round (after a backoff pause): wait for it rather than for a fixed time.
    await page.waitForFunction(() => (window as any).regal.stats().queued >= 4, undefined, { timeout: 15_000, polling: 100 }).catch(() => {});
    const kept = await stats(page);
    const inStore = await page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const open = indexedDB.open('regal-browser');
          open.onsuccess = () => {
            const all = open.result.transaction('kv').objectStore('kv').getAll();
            all.onsuccess = () => resolve(all.result.filter((r: any) => r && r.event).map((r: any) => `${r.event.name ?? 'identify'}${r.held ? ' (held)' : ''}`));
          };
        }),
    );
    expect(kept.queued, `${JSON.stringify(kept)}; in IndexedDB: ${JSON.stringify(inStore)}`).toBeGreaterThanOrEqual(4); // 2 held + identify + form (+ thank-you view)
    expect(visitor.problems.filter((p) => !isBlockedRequestLog(p, '/regal'))).toEqual([]);

    await context.unroute('**/regal');
    h.blockRelay(false);
    await page.reload(); // a new page load retries what is stored
    // Everything: the landing view and click, the form, the thank-you view made while
    // blocked, and the one of the reload.
    const thanksViews = (e: StoredEvent[]) => e.filter((x) => x.name === 'Page Viewed' && (x.properties as { path: string }).path === '/thanks.html');
    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted') && thanksViews(e).length >= 2, 30_000);
    const order = names(events);
    expect(order.slice(0, 2), describeEvents(events)).toEqual(['Page Viewed', 'CTA Clicked']);
    expect(order).toContain('Lead Form Submitted');
    await page.waitForFunction(() => (window as any).regal.stats().queued === 0);
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber).toBe('+14155550177');
    expect(visitor.problems.filter((p) => !isBlockedRequestLog(p, '/regal'))).toEqual([]);
  });

  it('a blocked script (/regal.min.js) leaves the snippet queue in place and the site working, without errors', async () => {
    visitor = await h.visitor();
    const { context, page } = visitor;
    await context.route('**/regal.min.js', (route) => route.abort());
    await page.goto(`${h.url}/`);
    await page.click('#cta');
    const queued = await page.evaluate(() => {
      const regal = (window as any).regal;
      regal.identify({ phone: '+14155550100' });
      regal.ready(() => {});
      return { isQueue: Array.isArray(regal), calls: regal.map((call: unknown[]) => call[0]), user: regal.user() };
    });
    expect(queued).toEqual({ isQueue: true, calls: ['load', 'page', 'track', 'identify', 'ready'], user: undefined });
    await submitLeadForm(page); // the form still submits and navigates
    await sleep(500);
    expect(await h.events()).toEqual([]);
    expect(visitor.problems.filter((p) => !isBlockedRequestLog(p, '/regal.min.js'))).toEqual([]);
  });

  it('storage that throws on access (as in sandboxed frames) costs nothing: memory storage, events still sent', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    await page.addInitScript(() => {
      for (const name of ['indexedDB', 'localStorage', 'sessionStorage']) {
        Object.defineProperty(window, name, {
          get() {
            throw new DOMException('The document is sandboxed', 'SecurityError');
          },
        });
      }
    });
    await page.goto(`${h.url}/`);
    await libraryLoaded(page);
    expect((await stats(page)).storage).toBe('memory');
    await page.click('#cta');
    await heldAtLeast(page, 2);
    await submitLeadForm(page);
    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    expect(names(events).slice(0, 2), describeEvents(events)).toEqual(['Page Viewed', 'CTA Clicked']);
    expect(visitor.problems).toEqual([]);
  });
});
