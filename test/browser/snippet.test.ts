/**
 * The script-tag install: the pre-load snippet, the replay of early calls, the install
 * under a strict Content-Security-Policy, and a library that fails while loading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeEvents, describeInBrowser, libraryLoaded, names, sleep, snippet, useHarness, type Visitor } from './harness';

/** Holds every request for the library back until the returned function is called. */
async function holdLibrary(visitor: Visitor): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await visitor.context.route('**/regal.min.js', async (route: Route) => {
    await released;
    await route.continue();
  });
  return release;
}

describeInBrowser('script tag and snippet', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('the landing page embeds the snippet as built (dist/snippet.min.js)', () => {
    const landing = readFileSync(join(__dirname, '../../demo/public/index.html'), 'utf8');
    const thanks = readFileSync(join(__dirname, '../../demo/public/thanks.html'), 'utf8');
    expect(landing).toContain(snippet());
    expect(thanks).toContain(snippet());
  });

  it("replays the calls made before the library arrived, in order, each with its own page and time", async () => {
    const url = h.serve('early.html', {
      body: `<!doctype html><html><head><title>First title</title>
        <script>${snippet()}
          window.marks = [new Date().toISOString()];
          regal.load({ endpoint: '/regal', flushIntervalMs: 0 });
          regal.page();
          marks.push(new Date().toISOString());
        </script></head><body>
        <script>
          history.pushState(null, '', '/t/early-second?utm_source=ads');
          document.title = 'Second title';
          regal.page('Pricing', { plan: 'pro' });
          marks.push(new Date().toISOString());
          regal.track('Early Click', { n: 1 }, function (err) { window.trackCallback = err === null ? 'ok' : String(err); });
          marks.push(new Date().toISOString());
          regal.identify('early-user', { phone: '+1 (415) 555-0199', email: 'early@example.com' });
          marks.push(new Date().toISOString());
        </script></body></html>`,
    });
    visitor = await h.visitor();
    const { page } = visitor;

    // Hold the library back until the calls have been made and the page has moved on.
    const release = await holdLibrary(visitor);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const recorded = await page.evaluate(() => (window as any).regal.map((call: any[]) => call[0]));
    expect(recorded).toEqual(['load', 'page', 'page', 'track', 'identify']);
    await page.evaluate(() => {
      history.pushState(null, '', '/t/early-third');
      document.title = 'Third title';
    });
    await sleep(50);
    const releasedAt = new Date().toISOString();
    release();
    await libraryLoaded(page);

    const events = await h.waitForEvents((e) => e.length >= 4);
    expect(names(events), describeEvents(events)).toEqual(['Page Viewed', 'Page Viewed', 'Early Click', '(identify)']);
    const [first, second, click, identify] = events;
    expect(first.properties).toMatchObject({ path: '/t/early.html', title: 'First title', url: url, search: '' });
    expect(second.properties).toMatchObject({
      path: '/t/early-second',
      title: 'Second title',
      search: '?utm_source=ads',
      name: 'Pricing',
      plan: 'pro',
      utm_source: 'ads',
    });
    expect(click.properties).toMatchObject({ n: 1 });

    // Each event carries the moment of its call, not of the replay.
    const marks: string[] = await page.evaluate(() => (window as any).marks);
    events.forEach((event, i) => {
      expect(event.originalTimestamp! >= marks[i], `${event.name} at ${event.originalTimestamp} is before its call`).toBe(true);
      expect(event.originalTimestamp! <= marks[i + 1], `${event.name} at ${event.originalTimestamp} is after its call`).toBe(true);
      expect(event.originalTimestamp! < releasedAt).toBe(true);
    });
    // Held while anonymous, then stamped with the identity given later.
    for (const event of events) {
      expect(event.userId).toBe('early-user');
      expect(event.traits.phones?.[0]?.phoneNumber).toBe('+14155550199');
    }
    expect(identify.traits.emails?.[0]?.emailAddress).toBe('early@example.com');
    await page.waitForFunction(() => (window as any).trackCallback === 'ok');
    expect(visitor.problems).toEqual([]);
  });

  it('every call form replays as it was made: null category, numeric userId, options and callbacks; a throwing ready() callback stays in the page', async () => {
    // The same calls before and after the library loads must make the same events.
    const calls = `
      regal.page(null, 'Pricing', { plan: 'pro' });
      regal.page('Docs', 'Intro', { section: 'a' }, { timestamp: '2026-01-02T03:04:05.000Z' });
      regal.screen('Home', { tab: 1 }, function () { window.callbacks = (window.callbacks || 0) + 1; });
      regal.track('Clicked', null, { timestamp: '2026-01-02T03:04:06.000Z' }, function () { window.callbacks = (window.callbacks || 0) + 1; });
      regal.identify(42, { phone: '+1 415 555 0142', firstName: 'Ada' });`;
    const url = h.serve('forms-of-calls.html', {
      body: `<!doctype html><html><head><title>Forms</title>
        <script>${snippet()}
          regal.load({ endpoint: '/regal', flushIntervalMs: 0 });
          regal.ready(function () { throw new Error('a bug in the page callback'); });
          ${calls}
        </script></head><body></body></html>`,
    });
    visitor = await h.visitor();
    const { page } = visitor;
    const release = await holdLibrary(visitor);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    release();
    await libraryLoaded(page);
    const early = await h.waitForEvents((e) => e.length >= 5);
    await page.evaluate(calls);
    const all = await h.waitForEvents((e) => e.length >= 10);
    const shape = (e: (typeof all)[number]) => ({ name: e.name, properties: e.properties, userId: e.userId, phone: e.traits.phones?.[0]?.phoneNumber, firstName: e.traits.firstName });
    const expected = [
      { name: 'Page Viewed', properties: expect.objectContaining({ name: 'Pricing', plan: 'pro', path: '/t/forms-of-calls.html' }), userId: '42', phone: '+14155550142' },
      { name: 'Page Viewed', properties: expect.objectContaining({ name: 'Intro', category: 'Docs', section: 'a' }), userId: '42', phone: '+14155550142' },
      { name: 'Screen Viewed', properties: { name: 'Home', tab: 1 }, userId: '42', phone: '+14155550142' },
      { name: 'Clicked', properties: {}, userId: '42', phone: '+14155550142' },
      { userId: '42', phone: '+14155550142', firstName: 'Ada' },
    ];
    expect(early.slice(0, 5).map(shape), describeEvents(all)).toMatchObject(expected);
    expect(early[0].properties).not.toHaveProperty('category');
    expect(early[1].originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(early[3].originalTimestamp).toBe('2026-01-02T03:04:06.000Z');
    // After load the same calls make the same events.
    expect(all.slice(5).map(shape), describeEvents(all)).toMatchObject(expected);
    await page.waitForFunction(() => (window as any).callbacks === 4);
    expect(visitor.problems).toEqual([]);
  });

  it('loads itself from its data- attributes, and calls on the live API before load() wait with their own page', async () => {
    const url = h.serve('manual.html', {
      body: `<!doctype html><html><head><title>Manual</title>
        <script async src="/regal.min.js"></script></head><body>
        <button id="go">go</button></body></html>`,
    });
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(url);
    // No snippet, no options on the tag: the library waits for regal.load().
    await page.waitForFunction(() => typeof (window as any).regal?.load === 'function');
    await page.evaluate(() => {
      const regal = (window as any).regal;
      regal.page();
      history.pushState(null, '', '/t/manual-later');
      regal.identify({ email: 'manual@example.com' });
      regal.load({ endpoint: '/regal', flushIntervalMs: 0 });
    });
    const events = await h.waitForEvents((e) => e.length >= 2);
    expect(names(events)).toEqual(['Page Viewed', '(identify)']);
    expect(events[0].properties).toMatchObject({ path: '/t/manual.html' });
    expect(events[0].traits.emails?.[0]?.emailAddress).toBe('manual@example.com');

    const tagged = h.serve('tagged.html', {
      body: `<!doctype html><html><head><title>Tagged</title>
        <script async src="/regal.min.js" data-endpoint="/regal" data-flush-interval-ms="0" data-event-source="Tag Test"></script>
        </head><body></body></html>`,
    });
    await page.goto(tagged);
    await libraryLoaded(page);
    await page.evaluate(() => (window as any).regal.track('Tagged', { ok: true }));
    const more = await h.waitForEvents((e) => e.some((x) => x.name === 'Tagged'));
    expect(more.find((x) => x.name === 'Tagged')).toMatchObject({ eventSource: 'Tag Test', properties: { ok: true } });
    expect(visitor.problems).toEqual([]);
  });

  it("works under a strict Content-Security-Policy (script-src 'self') with the snippet as a file", async () => {
    const csp = { 'Content-Security-Policy': "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'" };
    h.serve('csp-site.js', {
      body: `window.violations = [];
        document.addEventListener('securitypolicyviolation', function (e) { violations.push(e.violatedDirective + ' ' + e.blockedURI); });
        regal.page();`,
    });
    h.serve('csp-thanks.html', { body: '<!doctype html><title>Thanks</title><p>Thanks</p>', headers: csp });
    const url = h.serve('csp.html', {
      headers: csp,
      body: `<!doctype html><html><head><title>Strict CSP</title>
        <link rel="stylesheet" href="/demo.css" />
        <script src="/dist/snippet.min.js"></script>
        <script async src="/regal.min.js" data-endpoint="/regal" data-flush-interval-ms="0"></script>
        <script src="/t/csp-site.js"></script>
        </head><body>
        <form id="lead" data-regal-form="Lead Form Submitted" action="/t/csp-thanks.html" method="get">
          <input id="phone" type="tel" autocomplete="tel" />
          <label><input id="sms" type="checkbox" data-regal-consent="sms" /> I agree to receive texts.</label>
          <button type="submit">Send</button>
        </form></body></html>`,
    });
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(url);
    await libraryLoaded(page);
    await page.fill('#phone', '415 555 0123');
    await page.check('#sms');
    expect(await page.evaluate(() => (window as any).violations)).toEqual([]);
    await Promise.all([page.waitForURL('**/t/csp-thanks.html*'), page.click('button[type=submit]')]);

    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    expect(names(events).filter((n) => n !== '(identify)')).toEqual(['Page Viewed', 'Lead Form Submitted']);
    const [contact] = await h.contacts();
    expect(contact.phones[0]).toMatchObject({ phoneNumber: '+14155550123', smsOptIn: { subscribed: true, text: 'I agree to receive texts.' } });
    // CSP violations are reported as console errors, which the harness collects.
    expect(visitor.problems).toEqual([]);
  });

  it('a library that fails while loading leaves calls as no-ops, with nothing thrown into the page', async () => {
    const url = h.serve('broken.html', {
      body: `<!doctype html><html><head><title>Broken</title>
        <script>${snippet()}
          regal.load({ get endpoint() { throw new Error('hostile options'); } });
          regal.page();
        </script></head><body></body></html>`,
    });
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(url);
    await page.waitForFunction(() => !Array.isArray((window as any).regal));
    const outcome = await page.evaluate(async () => {
      const regal = (window as any).regal;
      const result = regal.track('After Failure', { x: 1 });
      regal.identify({ phone: '+14155550100' });
      regal.page();
      await regal.ready();
      return { isPromise: typeof result.then === 'function', delivered: await result.delivered, stats: regal.stats() };
    });
    expect(outcome).toMatchObject({ isPromise: true, delivered: false, stats: { storage: 'none', queued: 0 } });
    await sleep(500);
    expect(await h.events()).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });
});
