/**
 * No event lost, none duplicated: 2,000 events from 20 visitors through the relay to the
 * reference `/events`, while `/events` answers 30% of requests with 503, drops 5% of
 * connections, then rate-limits hard (429 with Retry-After), and while the browser goes
 * offline for a while. Every event must arrive at `/events` exactly once, and each
 * visitor's events in the order they were made.
 */
import 'fake-indexeddb/auto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { createRelay, toNodeHandler } from '../../src/relay/index';
import { createRegal } from '../../src/browser/client/client';

const VISITORS = 20;
const EVENTS_EACH = 100;

let reference: ReferenceServer;
let relayServer: Server;
let relayUrl: string;
let dataDir: string;
let relayRequests = 0;
const browserSends = new Map<string, number>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'regal-faults-'));
  reference = await startReferenceServer({ port: 0, dataDir, quiet: true });
  const handler = toNodeHandler(createRelay({ apiKey: reference.apiKey, upstream: `${reference.url}/events`, allowedOrigins: '*', forwardTimeoutMs: 4000 }));
  // Reads each batch on its way in, to count what the browser sent (and sent again).
  relayServer = createServer((req, res) => {
    relayRequests++;
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        for (const e of JSON.parse(body).batch) browserSends.set(e.messageId, (browserSends.get(e.messageId) || 0) + 1);
      } catch {}
      (req as any).body = body;
      handler(req, res);
    });
  });
  await new Promise<void>((r) => relayServer.listen(0, '127.0.0.1', r));
  relayUrl = `http://127.0.0.1:${(relayServer.address() as AddressInfo).port}/regal`;
});

afterAll(async () => {
  relayServer.closeAllConnections();
  await new Promise((r) => relayServer.close(r));
  await reference.close();
  await rm(dataDir, { recursive: true, force: true });
  vi.unstubAllGlobals();
});

const faults = (body: object | null) =>
  fetch(`${reference.url}/_stub/faults`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : { method: 'DELETE' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('delivers 2,000 events exactly once, in per-visitor order, through 5xx, dropped connections, 429s and an offline period', async () => {
  const started = Date.now();
  const clients = Array.from({ length: VISITORS }, (_, v) => createRegal({ endpoint: relayUrl, storageName: `faults-${v}`, flushIntervalMs: 50, captureAttribution: false }));
  let browserSent = 0;
  clients.forEach((c) => c.on('delivered', (d) => (browserSent += d.messageIds.length)));

  await faults({ errorRate: 0.3, errorStatus: 503, dropRate: 0.05 });
  const track = async (from: number, to: number) => {
    for (let n = from; n < to; n++) await Promise.all(clients.map((c, v) => c.track('Step', { visitor: v, n })));
  };
  // Anonymous first: held until identify.
  await track(0, 10);
  await Promise.all(clients.map((c, v) => c.identify(`user-${v}`, { phone: `+1415555${String(1000 + v)}` })));
  await track(10, 40);

  // A burst of 429s with Retry-After.
  await faults({ errorRate: 0.3, errorStatus: 503, dropRate: 0.05, rateLimit: 20 });
  await track(40, 60);
  await sleep(1500);

  // Offline: nothing is sent, nothing is lost.
  vi.stubGlobal('navigator', { onLine: false });
  await sleep(500); // requests already on the wire finish
  const whileOffline = relayRequests;
  await track(60, 80);
  await Promise.all(clients.map((c) => c.flush()));
  expect(relayRequests).toBe(whileOffline);
  vi.unstubAllGlobals();
  // The browser's `online` event: flush.
  await faults({ errorRate: 0.3, errorStatus: 503, dropRate: 0.05 });
  clients.forEach((c) => c.flush());
  await track(80, EVENTS_EACH);

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && clients.some((c) => c.stats().queued + c.stats().held > 0)) {
    await sleep(250);
    clients.forEach((c) => c.flush());
  }
  const drainMs = Date.now() - started;
  await faults(null);

  const { events } = await (await fetch(`${reference.url}/_stub/events`)).json();
  const steps = events.filter((e: any) => e.name == 'Step');
  const seen = new Map<string, number>();
  for (const e of steps) {
    const key = `${e.properties.visitor}:${e.properties.n}`;
    seen.set(key, (seen.get(key) || 0) + 1);
  }
  const duplicates = [...seen.values()].filter((c) => c > 1).length;
  const missing = VISITORS * EVENTS_EACH - seen.size;
  const stats = await (await fetch(`${reference.url}/_stub/stats`)).json();
  console.log(
    `[faults] events=${VISITORS * EVENTS_EACH} arrived=${steps.length} unique=${seen.size} missing=${missing} duplicatesAtEvents=${duplicates} ` +
      `browserRequests=${relayRequests} browserEventSends=${[...browserSends.values()].reduce((a, b) => a + b, 0)} browserResends=${[...browserSends.values()].reduce((a, b) => a + b - 1, 0)} upstreamRequests=${stats.requests} injectedErrors=${stats.faults?.errors} injectedDrops=${stats.faults?.drops} drainMs=${drainMs}`,
  );
  expect(missing).toBe(0);
  expect(duplicates).toBe(0);
  expect(steps).toHaveLength(VISITORS * EVENTS_EACH);

  // Per-visitor order: n strictly increasing in arrival order.
  const last = new Map<number, number>();
  for (const e of steps) {
    const { visitor, n } = e.properties;
    expect(n, `visitor ${visitor} out of order`).toBeGreaterThan(last.get(visitor) ?? -1);
    last.set(visitor, n);
  }
  // Every event carries its visitor's phone, the held ones too.
  for (const e of steps) expect(e.traits.phones[0].phoneNumber).toBe(`+1415555${String(1000 + e.properties.visitor)}`);
  for (const c of clients) expect(c.stats().dropped).toEqual({ invalid: 0, overflow: 0, expired: 0, rejected: 0, reset: 0, 'opted-out': 0 });
  // The faults really were in the way: about 30% of upstream requests failed, 5% were cut.
  expect(stats.faults.errors).toBeGreaterThan(0.2 * VISITORS * EVENTS_EACH);
  expect(stats.faults.drops).toBeGreaterThan(0.02 * VISITORS * EVENTS_EACH);
  clients.forEach((c) => c.destroy());
}, 180_000);
