/**
 * One visitor across subdomains, in real Chromium: `www.example.test` and
 * `apply.example.test` both resolve to the test server (`--host-resolver-rules`), so the
 * two origins have their own IndexedDB each and share only the visitor cookie, which
 * `cookieDomain: 'auto'` puts on `example.test`. The relay renews it (`visitorCookie`).
 *
 * Its own launcher (the shared harness serves one origin): the reference server with the
 * relay at /regal and these pages under /t/, and Chromium with the two host names mapped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createDemoMounts } from '../../demo/server/demo-mounts';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { CHROMIUM_ARGS } from './engines/chromium-engine';
import { CHROMIUM, describeEvents, describeInBrowser, sleep, snippet, type Contact, type StoredEvent } from './harness';

const DOMAIN = 'example.test';
const WWW = `www.${DOMAIN}`;
const APPLY = `apply.${DOMAIN}`;
// The harness's flags, plus the two names, and without the checks that stop a page of a
// public-looking name from reaching a loopback address (Chromium's Local Network Access).
const chromiumArgs = (port: number) => [
  ...CHROMIUM_ARGS,
  `--host-resolver-rules=MAP ${WWW} 127.0.0.1, MAP ${APPLY} 127.0.0.1`,
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests',
  // cookieStore exists in secure contexts only: the test's plain-http origins count as one,
  // as the https pages of a real site do (the focus test below takes it away).
  `--unsafely-treat-insecure-origin-as-secure=http://${WWW}:${port},http://${APPLY}:${port}`,
];

type Regal = {
  track(name: string, properties?: object): { delivered: Promise<boolean> };
  reset(): Promise<void>;
  ready(): Promise<void>;
  user(): { anonymousId: string; userId: string | null };
  stats(): { held: number; queued: number; delivered: number; dropped: Record<string, number> };
};
declare const regal: Regal;

const head = (title: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">
<script>${snippet()}
regal.load({ endpoint: '/regal', flushIntervalMs: 50 });
regal.page();
</script></head>`;

const PAGES: Record<string, string> = {
  'home.html': `${head('Home')}<body><h1>Solar quotes</h1></body></html>`,
  'quote.html': `${head('Quote')}<body>
<form id="lead" data-regal-form="Lead Form Submitted" action="/t/thanks.html" method="get">
  <label>Full name <input id="name" type="text" required></label>
  <label>Mobile phone <input id="phone" type="tel" required></label>
  <label>Email <input id="email" type="email"></label>
  <label><input id="sms-consent" type="checkbox" data-regal-consent="sms"> Texts from Fixture Co are fine.</label>
  <button id="submit" type="submit">Get my quote</button>
</form></body></html>`,
  // No library: what the form captured must leave its own page.
  'thanks.html': '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Thanks</title></head><body>Thanks</body></html>',
};

let server: ReferenceServer;
let browser: Browser;
let dataDir: string;
let port: number;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
const setCookies: string[] = [];

const url = (host: string, page: string) => `http://${host}:${port}/t/${page}`;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'regal-subdomains-'));
  let relay: ((req: IncomingMessage, res: ServerResponse) => void | Promise<void>) | undefined;
  server = await startReferenceServer({
    port: 0,
    host: '127.0.0.1',
    apiKey: 'subdomain-test-key',
    dataDir,
    publicDir: resolve(__dirname, '../../demo/public'),
    distDir: resolve(__dirname, '../../dist'),
    quiet: true,
    mounts: {
      '/regal': (req, res) => {
        relay ||= createDemoMounts({ apiKey: server.apiKey, upstream: `${server.url}/events`, relay: { visitorCookie: { domain: DOMAIN } } })['/regal'];
        return relay(req, res);
      },
      '/t': (req, res) => {
        const name = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/t\//, '');
        const body = PAGES[name];
        res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(body ?? 'no such page');
      },
    },
  });
  port = server.port;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(port), headless: true });
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  problems.length = 0;
  setCookies.length = 0;
  await fetch(`${server.url}/_stub`, { method: 'DELETE' });
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
});

/** A visitor: one browser context (its cookies and both origins' storage), errors collected. */
async function visitor(): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  context.on('page', (page) => {
    page.on('console', (m) => m.type() === 'error' && problems.push(`console.error on ${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`uncaught on ${page.url()}: ${e.message}`));
    page.on('response', async (r) => {
      if (new URL(r.url()).pathname !== '/regal') return;
      const header = await r.headerValue('set-cookie').catch(() => null);
      if (header) setCookies.push(header);
    });
  });
  return context;
}

async function open(page: Page, host: string, name: string): Promise<void> {
  await page.goto(url(host, name));
  await page.waitForFunction(() => !Array.isArray((window as unknown as { regal: unknown }).regal));
  await page.evaluate(() => regal.ready());
}

async function submitLead(page: Page, phone: string, email: string): Promise<void> {
  await open(page, APPLY, 'quote.html');
  await page.fill('#name', 'Jane Doe');
  await page.fill('#phone', phone);
  await page.fill('#email', email);
  await page.check('#sms-consent');
  await Promise.all([page.waitForURL('**/t/thanks.html*'), page.click('#submit')]);
}

const events = async (): Promise<StoredEvent[]> => (await (await fetch(`${server.url}/_stub/events`)).json()).events;
const contacts = async (): Promise<Contact[]> => (await (await fetch(`${server.url}/_stub/contacts`)).json()).contacts;
const named = (all: StoredEvent[], name: string) => all.filter((e) => e.name === name);

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; the server has:\n${describeEvents(await events())}`);
    await sleep(100);
  }
}

/** Waits until nothing more arrives for a while. */
async function settled(quietMs = 1000): Promise<StoredEvent[]> {
  let last = -1;
  for (;;) {
    const all = await events();
    if (all.length === last) return all;
    last = all.length;
    await sleep(quietMs);
  }
}

/** No event twice (the relay keeps messageIds from Regal: an event is its name, moment and
 * properties). */
function expectEachOnce(all: StoredEvent[]): void {
  const keys = all.map((e) => JSON.stringify([e.name, e.originalTimestamp, e.properties]));
  expect(new Set(keys).size, describeEvents(all)).toBe(keys.length);
}

const track = (page: Page, name: string) => page.evaluate((n) => void regal.track(n), name);
const user = (page: Page) => page.evaluate(() => regal.user());
const stats = (page: Page) => page.evaluate(() => regal.stats());
const heldAtLeast = (page: Page, n: number) => page.waitForFunction((count) => regal.stats().held >= count, n);

describeInBrowser('one visitor across subdomains', () => {
  it('anonymous on www, the lead form on apply, back to www: every event once, under one userId, on one contact', async () => {
    const context = await visitor();
    const page = await context.newPage();
    await open(page, WWW, 'home.html');
    await track(page, 'Pricing Viewed');
    await track(page, 'CTA Clicked');
    await heldAtLeast(page, 3);
    const anonymous = await user(page);

    await submitLead(page, '(415) 555-0134', 'jane@example.com');
    await waitFor('the lead', async () => named(await events(), 'Lead Form Submitted').length > 0);
    // The held www events wait for a www page: apply's IndexedDB cannot reach them.
    expect(named(await events(), 'Pricing Viewed')).toEqual([]);

    await open(page, WWW, 'home.html');
    await waitFor('the www events', async () => named(await events(), 'CTA Clicked').length > 0);
    const all = await settled();
    console.log(`www → apply → www: ${all.length} events:\n${describeEvents(all)}`);

    expectEachOnce(all);
    expect(all.map((e) => e.name ?? '(identify)').sort()).toEqual(['(identify)', 'CTA Clicked', 'Lead Form Submitted', 'Page Viewed', 'Page Viewed', 'Page Viewed', 'Pricing Viewed'].sort());
    expect(all.map((e) => e.properties?.path ?? '').filter(Boolean).sort()).toEqual(['/t/home.html', '/t/home.html', '/t/quote.html']);
    // One id all along: the anonymous id www began with is the userId of everything.
    expect(new Set(all.map((e) => e.userId))).toEqual(new Set([anonymous.anonymousId]));
    const [contact] = await contacts();
    expect(await contacts()).toHaveLength(1);
    expect(contact.phones.map((p) => p.phoneNumber)).toEqual(['+14155550134']);
    expect(all.map((e) => e.contactId)).toEqual(all.map(() => contact.id));

    // The cookie: on the registrable domain, a year, SameSite=Lax; no phone, email or name.
    const cookies = await context.cookies();
    const shared = cookies.find((c) => c.name === 'regal-browser')!;
    expect(shared).toMatchObject({ domain: `.${DOMAIN}`, path: '/', sameSite: 'Lax', httpOnly: false });
    expect(shared.expires * 1000 - Date.now()).toBeGreaterThan(364 * 86_400_000);
    for (const pii of ['4155550134', '555', 'jane', 'Jane', 'example.com', 'Doe', '%40']) expect(shared.value).not.toContain(pii);
    expect(shared.value.length).toBeLessThan(80);
    // The relay renewed it (what keeps it past Safari's 7-day cap on cookies written by scripts).
    expect(setCookies.length).toBeGreaterThan(0);
    expect(setCookies[0]).toMatch(new RegExp(`^regal-browser=1\\|[^;]+; Domain=${DOMAIN}; Path=/; Max-Age=31536000; SameSite=Lax$`));
    expect(problems).toEqual([]);
  });

  it('an open www tab releases its events when the visitor becomes contactable on apply, without a reload', async () => {
    const context = await visitor();
    const www = await context.newPage();
    await open(www, WWW, 'home.html');
    await track(www, 'Pricing Viewed');
    await track(www, 'CTA Clicked');
    await heldAtLeast(www, 3);
    await www.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    const apply = await context.newPage();
    const submitted = Date.now();
    await submitLead(apply, '(415) 555-0177', 'sam@example.com');
    await waitFor('the www tab’s events', async () => named(await events(), 'CTA Clicked').length > 0);
    console.log(`open www tab released its events ${Date.now() - submitted} ms after the submit on apply`);
    const all = await settled();
    expectEachOnce(all);
    expect(await www.evaluate(() => (window as unknown as { marker: number }).marker), 'the www tab was not reloaded').toBe(42);
    expect((await stats(www)).held).toBe(0);
    const [contact] = await contacts();
    expect(await contacts()).toHaveLength(1);
    expect(all.map((e) => e.contactId)).toEqual(all.map(() => contact.id));
    expect(problems).toEqual([]);
  });

  it('without cookieStore (Firefox, older Safari), the www tab notices when it gets focus back', async () => {
    const context = await visitor();
    await context.addInitScript(() => Object.defineProperty(window, 'cookieStore', { value: undefined }));
    const www = await context.newPage();
    await open(www, WWW, 'home.html');
    expect(await www.evaluate(() => (window as unknown as { cookieStore?: unknown }).cookieStore)).toBeUndefined();
    await track(www, 'Pricing Viewed');
    await heldAtLeast(www, 2);

    const apply = await context.newPage();
    await submitLead(apply, '(415) 555-0188', 'kim@example.com');
    await waitFor('the lead', async () => named(await events(), 'Lead Form Submitted').length > 0);
    await www.evaluate(() => window.dispatchEvent(new Event('focus')));
    await waitFor('the www tab’s events', async () => named(await events(), 'Pricing Viewed').length > 0);
    const all = await settled();
    expectEachOnce(all);
    expect(new Set(all.map((e) => e.contactId)).size).toBe(1);
    expect(problems).toEqual([]);
  });

  it('reset() on apply starts a new visitor on www too: its events are never sent under the old identity', async () => {
    const context = await visitor();
    const www = await context.newPage();
    await open(www, WWW, 'home.html');
    await track(www, 'Before reset');
    const apply = await context.newPage();
    await submitLead(apply, '(415) 555-0101', 'first@example.com');
    await waitFor('the first visitor’s www events', async () => named(await events(), 'Before reset').length > 0);
    const first = (await user(www)).userId ?? (await user(www)).anonymousId;

    // A second person on the same browser: reset on apply.
    await open(apply, APPLY, 'quote.html');
    await apply.evaluate(() => regal.reset());
    const second = (await user(apply)).anonymousId;
    await waitFor('www to take the new visitor', async () => (await user(www)).anonymousId === second);
    await track(www, 'After reset');
    await heldAtLeast(www, 1);
    await sleep(1000);
    expect(named(await events(), 'After reset'), 'sent under the old visitor').toEqual([]);

    // A third: reset again before the second left a phone. The second's held www event is
    // dropped (counted as reset), never sent as the third.
    await apply.evaluate(() => regal.reset());
    const third = (await user(apply)).anonymousId;
    await waitFor('www to take the third visitor', async () => (await user(www)).anonymousId === third);
    expect((await stats(www)).dropped.reset).toBe(1);
    await track(www, 'Third visitor');
    await submitLead(apply, '(415) 555-0102', 'third@example.com');
    await waitFor('the third visitor’s www event', async () => named(await events(), 'Third visitor').length > 0);
    const all = await settled();
    console.log(`reset on apply:\n${describeEvents(all)}`);

    expectEachOnce(all);
    expect(named(all, 'After reset')).toEqual([]);
    const [firstContact, thirdContact] = await contacts();
    expect(await contacts()).toHaveLength(2);
    expect(thirdContact.phones.map((p) => p.phoneNumber)).toEqual(['+14155550102']);
    const [thirdEvent] = named(all, 'Third visitor');
    expect(thirdEvent.userId).toBe(third);
    expect(thirdEvent.contactId).toBe(thirdContact.id);
    expect(named(all, 'Before reset')[0]).toMatchObject({ userId: first, contactId: firstContact.id });
    // Nothing of the third visitor reached the first contact, and the reverse.
    for (const e of all) expect(e.contactId === firstContact.id, `${e.name}: ${e.userId}`).toBe(e.userId === first);
    expect(problems).toEqual([]);
  });
});
