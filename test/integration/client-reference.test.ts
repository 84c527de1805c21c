/**
 * The client, driven as a page would drive it, against the reference server over real
 * HTTP (direct mode: the plain one-event-per-request sender to `/events`). Checks what
 * the server recorded: contacts, events, order, timestamps.
 */
import 'fake-indexeddb/auto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { createRegal } from '../../src/browser/client/client';

let server: ReferenceServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'regal-client-'));
  server = await startReferenceServer({ port: 0, dataDir, quiet: true });
});
afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fetch(`${server.url}/_stub`, { method: 'DELETE' });
});

const stub = async (path: string) => (await fetch(`${server.url}/_stub/${path}`)).json();
let n = 0;
const client = () =>
  createRegal({ mode: 'direct', endpoint: `${server.url}/events`, apiKey: server.apiKey, storageName: `visitor-${n++}`, flushIntervalMs: 0, captureAttribution: false });

describe('client against the reference server', () => {
  it('held events arrive after identify, with the right phone, in order, with their original timestamps', async () => {
    const regal = client();
    await regal.track('Pricing Viewed', { plan: 'pro' }, { timestamp: '2026-11-20T10:00:00.000Z' });
    await regal.track('CTA Clicked', {}, { timestamp: '2026-11-20T10:00:05.000Z' });
    await regal.flush();
    expect((await stub('events')).events).toHaveLength(0);

    await regal.identify('user-42', { phone: '(555) 123-4567', email: 'jane@Example.com', firstName: 'Jane', phones: [] } as any, { timestamp: '2026-11-20T10:01:00.000Z' });
    await regal.track('Quote Requested', {}, { timestamp: '2026-11-20T10:02:00.000Z' });
    await regal.flush();

    const { events } = await stub('events');
    expect(events.map((e: any) => e.name ?? 'identify')).toEqual(['Pricing Viewed', 'CTA Clicked', 'identify', 'Quote Requested']);
    expect(events.map((e: any) => e.originalTimestamp)).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-20T10:00:05.000Z', '2026-11-20T10:01:00.000Z', '2026-11-20T10:02:00.000Z']);
    const contactIds = new Set(events.map((e: any) => e.contactId));
    expect(contactIds.size).toBe(1);
    expect([...contactIds][0]).toBeTruthy();

    const { contacts } = await stub('contacts');
    expect(contacts).toHaveLength(1);
    expect(contacts[0].phones.map((p: any) => p.phoneNumber)).toEqual(['+15551234567']);
    expect(contacts[0].emails.map((e: any) => e.emailAddress)).toEqual(['jane@example.com']);
    expect(contacts[0].userIds).toContain('user-42');
    expect(contacts[0].events).toHaveLength(4);
    expect(regal.stats()).toMatchObject({ held: 0, queued: 0, delivered: 4 });
    regal.destroy();
  });

  it('two visitors on one device (reset between) become two contacts, nothing crosses over', async () => {
    const regal = client();
    await regal.identify({ phone: '+14155550101' });
    await regal.track('First visitor event');
    await regal.flush();
    await regal.reset();
    await regal.track('Second visitor browsing');
    await regal.identify({ phone: '+14155550102' });
    await regal.flush();
    const { contacts } = await stub('contacts');
    expect(contacts).toHaveLength(2);
    const byPhone = Object.fromEntries(contacts.map((c: any) => [c.phones[0].phoneNumber, c.events.map((e: any) => e.name ?? 'identify')]));
    expect(byPhone['+14155550101']).toEqual(['identify', 'First visitor event']);
    expect(byPhone['+14155550102']).toEqual(['Second visitor browsing', 'identify']);
    regal.destroy();
  });

  it('retries through server errors without losing or duplicating an event', async () => {
    await fetch(`${server.url}/_stub/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1, errorStatus: 503 }) });
    const regal = client();
    await regal.identify({ email: 'retry@example.com' });
    await regal.track('Through the storm');
    await regal.flush();
    expect(regal.stats().queued).toBe(2);
    await fetch(`${server.url}/_stub/faults`, { method: 'DELETE' });
    // The backoff's first pause is at most 2 s; wait for the flusher's own retry.
    const deadline = Date.now() + 15_000;
    while (regal.stats().queued && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { events } = await stub('events');
    expect(events.map((e: any) => e.name ?? 'identify')).toEqual(['identify', 'Through the storm']);
    regal.destroy();
  });
});
