/**
 * The site every real-browser test visits, whatever the engine: the demo server (reference
 * ingest + the relay at /regal + the demo pages) serving the BUILT bundles from dist/
 * (`npm test` builds first), on 127.0.0.1 and a free port, with a temporary record.
 *
 * Tests add pages of their own under /t/ (`serve`), e.g. one sent with a CSP; they read what
 * the reference server recorded, and can cut the relay off at the server.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoMounts } from '../../demo/server/demo-mounts';
import { createRelay, toNodeHandler } from '../../src/relay/index';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import type { StoredEvent } from '../../demo/server/event-store';
import type { Contact } from '../../demo/server/contact-book';

export type { StoredEvent, Contact };

export const root = resolve(__dirname, '../..');
if (!existsSync(join(root, 'dist/regal.min.js'))) {
  throw new Error('The browser tests run against dist/: run `npm run build` first (npm test does).');
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A page a test serves under /t/: its HTML (or JS, by extension) and extra headers. */
export interface TestPage {
  body: string;
  headers?: Record<string, string>;
}

/** A request that reached /regal, as the server saw it. */
export interface RelayRequest {
  at: number;
  /** When the answer was sent (or the connection cut); undefined while in flight. */
  end?: number;
  /** `Sec-Fetch-Mode`: `no-cors` for `sendBeacon`, `cors` for `fetch` (keepalive or not). */
  mode: string;
}

export interface Site {
  url: string;
  server: ReferenceServer;
  /** Serves `page` at `/t/<name>` (e.g. `serve('csp.html', {...})`). */
  serve(name: string, page: TestPage): string;
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
  /** Sets the reference server's faults (e.g. `{ latencyMs: 20 }`: a slow Regal). */
  setFaults(faults: Record<string, number>): Promise<void>;
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

export async function startSite(): Promise<Site> {
  const dataDir = await mkdtemp(join(tmpdir(), 'regal-browser-'));
  const pages = new Map<string, TestPage>();
  const late = lateMounts();
  const relayRequests: RelayRequest[] = [];
  const logRelay = (req: IncomingMessage, res: ServerResponse) => {
    const request: RelayRequest = { at: Date.now(), mode: String(req.headers['sec-fetch-mode'] ?? '') };
    relayRequests.push(request);
    res.on('close', () => (request.end = Date.now()));
  };
  const server = await startReferenceServer({
    port: 0,
    host: '127.0.0.1',
    apiKey: 'browser-test-key',
    dataDir,
    publicDir: join(root, 'demo/public'),
    distDir: join(root, 'dist'),
    mounts: { '/regal': (req, res) => (logRelay(req, res), late.handlers['/regal'](req, res)), '/t': testPages(pages) },
    quiet: true,
  });
  late.set(relayMounts(server));

  const stub = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}/_stub${path}`, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} /_stub${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const events = async () => (await stub('/events')).events as StoredEvent[];

  return {
    url: server.url,
    server,
    serve(name, page) {
      pages.set(name, page);
      return `${server.url}/t/${name}`;
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
    blockRelay: (on) => late.block(on),
    relayRequests: () => [...relayRequests],
    async setFaults(faults) {
      await stub('/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(faults) });
    },
    async reset() {
      relayRequests.length = 0;
      late.block(false);
      await stub('', { method: 'DELETE' });
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
