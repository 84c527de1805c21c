// When the page hides or goes away: what is waiting leaves by beacon or keepalive fetch,
// within the 64 KB browsers allow such requests.
import { describe, expect, it, vi } from 'vitest';
import { relayTransport } from '../../../src/browser/delivery/transport';
import { createQueue } from '../../../src/browser/queue/queue';
import { memoryStore } from '../../../src/browser/queue/store';
import { clientsPerTest, fakeRelay, hidePage } from '../helpers';
import { limits, makeFlusher, rec } from './helpers';

const make = clientsPerTest();

describe('leaving the page', () => {
  it('a page hidden before storage has answered still sends its lead by beacon', async () => {
    // IndexedDB that takes its time to open, as on a busy phone.
    const realOpen = indexedDB.open.bind(indexedDB);
    vi.stubGlobal('indexedDB', { open: (name: string) => { const late: any = {}; setTimeout(() => { const r = realOpen(name); r.onupgradeneeded = (e) => late.onupgradeneeded?.(e); r.onsuccess = (e) => { late.result = r.result; late.onsuccess?.(e); }; r.onerror = (e) => { late.error = r.error; late.onerror?.(e); }; }, 300); return late; } });
    const beacons: any[] = [];
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: (_url: string, body: string) => (beacons.push(JSON.parse(body)), true) });
    fakeRelay();
    const regal = make();
    regal.identify({ phone: '(415) 555-0134', smsOptIn: true } as any);
    regal.track('Lead Form Submitted');
    hidePage();
    const sent = beacons.flatMap((b) => b.batch);
    expect(sent.map((e: any) => e.name ?? 'identify')).toEqual(['identify', 'Lead Form Submitted']);
    expect(sent[1].traits.phones[0].phoneNumber).toBe('+14155550134');
    // The page stayed after all: storage answers, and the lead is still stored and sent once confirmed.
    await regal.ready();
    await regal.flush();
    expect(regal.user().traits.phones![0].phoneNumber).toBe('+14155550134');
  });

  it('keeps each keepalive request within the 64 KB keepalive budget', async () => {
    const bodies: Array<{ length: number; keepalive: boolean }> = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      bodies.push({ length: new TextEncoder().encode(String(init.body)).length, keepalive: !!init.keepalive });
      const ids = JSON.parse(String(init.body)).batch.map((e: any) => e.messageId);
      return new Response(JSON.stringify({ accepted: ids, rejected: [], retry: [] }), { status: 200 });
    });
    const store = memoryStore();
    const queue = createQueue(store, limits, () => {});
    for (let i = 0; i < 100; i++) await queue.add(rec(i, { props: { note: 'x'.repeat(900) } }));
    const { flusher } = makeFlusher(queue, store, relayTransport('https://shop.example/regal', Date.now));
    await flusher.flush(true);
    flusher.stop();
    const keepalive = bodies.filter((b) => b.keepalive);
    expect(keepalive.length).toBeGreaterThan(0);
    // Browsers refuse (TypeError, status 0 here) a keepalive body that does not fit in 64 KB.
    for (const b of keepalive) expect(b.length).toBeLessThanOrEqual(65_536);
  });
});
