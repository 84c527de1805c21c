/**
 * The real-browser harness: Debian's Chromium driven by playwright-core, against the demo
 * server (reference ingest + the relay at /regal + the demo pages) serving the BUILT
 * bundles from dist/. `npm test` builds first.
 *
 * - Chromium is /usr/bin/chromium (`npx playwright install` cannot work here). Without it
 *   the suite is skipped with a loud message, except under CI (`CI` set), where it fails.
 * - One server per test file (port 0, a temporary record), reset before each test; one
 *   fresh browser context (its own IndexedDB) per visitor.
 * - Every page's console errors and uncaught errors are collected: tests assert none.
 * - Tests add pages of their own under /t/ (`harness.serve`), e.g. one sent with a CSP.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { createDemoMounts } from '../../demo/server/demo-mounts';
import { createRelay, toNodeHandler } from '../../src/relay/index';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import type { StoredEvent } from '../../demo/server/event-store';
import type { Contact } from '../../demo/server/contact-book';

export type { StoredEvent, Contact };

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const root = resolve(__dirname, '../..');
const hasChromium = existsSync(CHROMIUM);
const MISSING = `real-browser tests need Debian Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
if (!hasChromium) {
  if (process.env.CI) throw new Error(`CI: ${MISSING}. Refusing to skip them.`);
  console.warn(`\n${'!'.repeat(100)}\nSKIPPED: ${MISSING}\n${'!'.repeat(100)}\n`);
}
if (!existsSync(join(root, 'dist/regal.min.js'))) {
  throw new Error('The browser tests run against dist/: run `npm run build` first (npm test does).');
}

/** `describe` that skips (loudly, above) when Chromium is missing. */
export const describeInBrowser = describe.skipIf(!hasChromium);

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A page a test serves under /t/: its HTML (or JS, by extension) and extra headers. */
export interface TestPage {
  body: string;
  headers?: Record<string, string>;
}

/** A request that reached /regal, as the server saw it. */
export interface RelayRequest {
  at: number;
  /** `Sec-Fetch-Mode`: `no-cors` for `sendBeacon`, `cors` for `fetch` (keepalive or not). */
  mode: string;
}

/** One visitor: a browser context of its own, and the problems its pages reported. */
export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of every page of this visitor, as text. */
  problems: string[];
  /** Opens another tab of the same visitor (same storage). */
  newPage(): Promise<Page>;
}

export interface Harness {
  url: string;
  server: ReferenceServer;
  browser: Browser;
  /** Serves `page` at `/t/<name>` (e.g. `serve('csp.html', {...})`). */
  serve(name: string, page: TestPage): string;
  /** A new visitor (fresh storage), with console errors and page errors collected. */
  visitor(): Promise<Visitor>;
  /** Closes every visitor's browser context opened since the last call. */
  closeVisitors(): Promise<void>;
  /** What the reference server recorded, in arrival order. */
  events(): Promise<StoredEvent[]>;
  contacts(): Promise<Contact[]>;
  /** Polls `events()` until `done(events)` holds (or throws after timeoutMs with what came). */
  waitForEvents(done: (events: StoredEvent[]) => boolean, timeoutMs?: number): Promise<StoredEvent[]>;
  /**
   * Cuts every connection to /regal at the server while on. Playwright's `route.abort()`
   * blocks what a page sends, but a keepalive request still in flight when its page
   * navigates away escapes the routing; this does not.
   */
  blockRelay(on: boolean): void;
  /** The requests that reached /regal since the last reset (beacon or fetch), in arrival order. */
  relayRequests(): RelayRequest[];
  /** Forgets the record, contacts and faults, and unblocks /regal. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css' };

/** Serves the pages tests register, under /t/. */
function testPages(pages: Map<string, TestPage>): NodeHandler {
  return (req, res) => {
    const name = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/t\/?/, '');
    const page = pages.get(name);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`No test page ${name}`);
      return;
    }
    const ext = name.split('.').pop() ?? 'html';
    res.writeHead(200, { 'Content-Type': TYPES[ext] ?? TYPES.html, 'Cache-Control': 'no-store', ...page.headers });
    res.end(page.body);
  };
}

/**
 * The demo mounts (the relay at /regal). They may need the server's own URL (the relay
 * forwards to its /events), which is known only once it listens: the mounts are created
 * after the start and reached through a forwarding handler.
 */
function lateMounts() {
  let mounts: Record<string, NodeHandler> = {};
  let blocked = false;
  const forward =
    (prefix: string): NodeHandler =>
    (req, res) => {
      if (blocked) {
        req.socket.destroy(); // to the browser: a network error, as when the path is blocked
        return;
      }
      const handler = mounts[prefix];
      if (!handler) {
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`${prefix} is not mounted (see demo/server/demo-mounts.ts)`);
        return;
      }
      return handler(req, res);
    };
  return {
    handlers: { '/regal': forward('/regal') },
    set(created: Record<string, NodeHandler>) {
      mounts = created;
    },
    block(on: boolean) {
      blocked = on;
    },
  };
}

/**
 * The relay at /regal, forwarding to this server's /events: the demo's own mounts when
 * they provide it (demo/server/demo-mounts.ts), else the relay from src/relay directly.
 */
function relayMounts(server: ReferenceServer): Record<string, NodeHandler> {
  const options = { selfUrl: server.url, upstream: `${server.url}/events`, apiKey: server.apiKey };
  const demo = (createDemoMounts as (options: unknown) => Record<string, NodeHandler>)(options);
  if (demo['/regal']) return demo;
  return { '/regal': toNodeHandler(createRelay({ apiKey: server.apiKey, upstream: `${server.url}/events` })) as NodeHandler };
}

export async function startHarness(): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'regal-browser-'));
  const pages = new Map<string, TestPage>();
  const visitors = new Set<BrowserContext>();
  const late = lateMounts();
  const relayRequests: RelayRequest[] = [];
  const logRelay = (req: IncomingMessage) => relayRequests.push({ at: Date.now(), mode: String(req.headers['sec-fetch-mode'] ?? '') });
  const server = await startReferenceServer({
    port: 0,
    host: '127.0.0.1',
    apiKey: 'browser-test-key',
    dataDir,
    publicDir: join(root, 'demo/public'),
    distDir: join(root, 'dist'),
    mounts: { '/regal': (req, res) => (logRelay(req), late.handlers['/regal'](req, res)), '/t': testPages(pages) },
    quiet: true,
  });
  late.set(relayMounts(server));

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const stub = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}/_stub${path}`, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} /_stub${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const events = async () => (await stub('/events')).events as StoredEvent[];

  return {
    url: server.url,
    server,
    browser,
    serve(name, page) {
      pages.set(name, page);
      return `${server.url}/t/${name}`;
    },
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
    events,
    async contacts() {
      return (await stub('/contacts')).contacts as Contact[];
    },
    async waitForEvents(done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let last: StoredEvent[] = [];
      while (Date.now() < deadline) {
        last = await events();
        if (done(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Timed out after ${timeoutMs} ms waiting for events; the server has:\n${describeEvents(last)}`);
    },
    async closeVisitors() {
      await Promise.all([...visitors].map((c) => c.close().catch(() => {})));
      visitors.clear();
    },
    blockRelay: (on) => late.block(on),
    relayRequests: () => [...relayRequests],
    async reset() {
      relayRequests.length = 0;
      late.block(false);
      await stub('', { method: 'DELETE' });
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
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

/** One line per event, for failure messages. */
export function describeEvents(events: StoredEvent[]): string {
  return (
    events
      .map((e) => `  #${e.seq} ${e.name ?? '(identify)'} userId=${e.userId} phones=${JSON.stringify(e.traits?.phones?.map((p) => p.phoneNumber))} ${e.name === 'Page Viewed' ? (e.properties as { path?: string })?.path : ''}`)
      .join('\n') || '  (none)'
  );
}

/** Event names in arrival order, identify events as `(identify)`. */
export const names = (events: StoredEvent[]) => events.map((e) => e.name ?? '(identify)');

/** The Chromium network log line for a request the test itself blocked: not the library's. */
export function isBlockedRequestLog(problem: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`: Failed to load resource: net::ERR_[A-Z_]+ \\(https?://[^/]+${escaped}\\)$`).test(problem);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
