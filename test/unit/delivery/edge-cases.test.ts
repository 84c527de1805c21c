// Edge cases of delivery and the queue found by a review (each failed on the code as reviewed).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFlusher, type FlusherDeps } from '../../../src/browser/delivery/flusher';
import { relayTransport, type SendOutcome, type Transport } from '../../../src/browser/delivery/transport';
import { createQueue, type QueuedRecord } from '../../../src/browser/queue/queue';
import { memoryStore, type KeyValueStore } from '../../../src/browser/queue/store';
import { createRegal } from '../../../src/browser/client/client';
import { createRelay } from '../../../src/relay';
import type { RegalClient } from '../../../src/browser/types';
import { fakeRelay, hidePage, leadThenHide, madeHereSentThere, tick } from '../helpers';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** A store that two tabs' queues share and that says it is IndexedDB (so refresh looks at it). */
function sharedStore(): KeyValueStore {
  const m = memoryStore();
  return { ...m, kind: 'indexeddb' };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const limits = { maxEvents: 1000, maxBytes: 1e7, maxAgeMs: 1e9 };

function rec(i: number, over: Partial<QueuedRecord> & { userId?: string; props?: Record<string, unknown> } = {}): QueuedRecord {
  const event: any = { messageId: `m${i}`, userId: over.userId ?? 'u1', traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] }, name: `E${i}`, eventSource: 'Website' };
  if (over.props) event.properties = over.props;
  return { key: `e:${String(i).padStart(6, '0')}`, event, anon: over.anon ?? 'a', held: false, at: 0, bytes: over.bytes ?? JSON.stringify(event).length };
}

function makeFlusher(queue: ReturnType<typeof createQueue>, store: KeyValueStore, transport: Transport, extra: Partial<FlusherDeps> = {}) {
  const delivered: string[] = [];
  const rejected: string[] = [];
  const flusher = createFlusher({
    queue,
    store,
    transport,
    limits: { maxEvents: 100, maxBytes: 256_000 },
    now: Date.now,
    random: () => 1,
    tabId: 'tab1',
    lockName: 'review-lock',
    beforeRound: async () => {},
    delivered: (rs) => delivered.push(...rs.map((r) => r.event.messageId)),
    rejected: (rs) => rejected.push(...rs.map((r) => r.event.messageId)),
    failed: () => {},
    ...extra,
  });
  return { flusher, delivered, rejected };
}

describe('flusher', () => {
  it('honours the Retry-After the relay sends with a 200 answer whose events are to be retried', async () => {
    const store = memoryStore();
    const queue = createQueue(store, limits, () => {});
    await queue.add(rec(0));
    // The relay met a 429 upstream with Retry-After: 30 and answers 200, retry: [m0], Retry-After: 30.
    const transport: Transport = async (events) => ({ status: 200, retryAfterMs: 30_000, result: { accepted: [], rejected: [], retry: events.map((e) => e.messageId) } });
    const { flusher } = makeFlusher(queue, store, transport);
    const before = Date.now();
    await flusher.flush();
    flusher.stop();
    // Before the fix: the pause is the plain backoff (2 s here), so every tab comes back 28 s early.
    expect(flusher.pausedUntil()).toBeGreaterThanOrEqual(before + 30_000);
  });

  it('a flush({keepalive: true}) asked for during a round sends the waiting events with keepalive', async () => {
    const store = memoryStore();
    const queue = createQueue(store, limits, () => {});
    const first = deferred<SendOutcome>();
    const calls: Array<{ ids: string[]; keepalive: boolean }> = [];
    const transport: Transport = (events, keepalive) => {
      calls.push({ ids: events.map((e) => e.messageId), keepalive });
      return calls.length == 1 ? first.promise : Promise.resolve({ status: 200 });
    };
    const { flusher } = makeFlusher(queue, store, transport);
    await queue.add(rec(0));
    const background = flusher.flush(); // a background round, its request still waiting
    await tick();
    // A lead form: the lead is stored, then flush with keepalive before the page navigates.
    await queue.add(rec(1, { userId: 'u2', anon: 'b' }));
    const formFlush = flusher.flush(true);
    first.resolve({ status: 200 });
    await Promise.all([background, formFlush]);
    flusher.stop();
    const lead = calls.find((c) => c.ids.includes('m1'));
    expect(lead).toBeDefined();
    expect(lead!.keepalive).toBe(true);
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

  it('gives up on a request that never answers and sends again (no flusher stuck for good)', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let calls = 0;
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      calls++;
      // A connection that hangs (proxy, captive portal, a stalled relay): answers only if aborted.
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    });
    const store = memoryStore();
    const queue = createQueue(store, limits, () => {});
    await queue.add(rec(0));
    const { flusher } = makeFlusher(queue, store, relayTransport('https://shop.example/regal', Date.now));
    void flusher.flush();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    flusher.flush();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    flusher.stop();
    // Before the fix: one request, no timeout, the round (and its tab lock) held forever.
    expect(calls).toBeGreaterThan(1);
  });

  it('looks again after going offline in the middle of a round, even without an online event', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let online = true;
    vi.spyOn(navigator, 'onLine', 'get').mockImplementation(() => online);
    const store = memoryStore();
    const queue = createQueue(store, limits, () => {});
    await queue.add(rec(0));
    await queue.add(rec(1, { userId: 'u2', anon: 'b' }));
    await queue.add(rec(2, { userId: 'u3', anon: 'c' }));
    const sent: string[] = [];
    const transport: Transport = async (events) => {
      sent.push(...events.map((e) => e.messageId));
      // The connection drops while this (successful) request is answered.
      online = false;
      return { status: 200 };
    };
    const { flusher } = makeFlusher(queue, store, transport, { limits: { maxEvents: 1, maxBytes: 256_000 } });
    await flusher.flush();
    expect(queue.list().length).toBeGreaterThan(0);
    // Back online; this browser fires no `online` event (the case OFFLINE_RECHECK_MS is for).
    online = true;
    await vi.advanceTimersByTimeAsync(60_000);
    flusher.stop();
    expect(queue.list()).toHaveLength(0);
  });

  it('never has two requests in flight for one visitor, also across an identify that set a userId', async () => {
    const store = memoryStore();
    const queue = createQueue(store, limits, () => {});
    // One visitor (anon 'a'): an event from before identify('u1') and one after it.
    await queue.add(rec(0, { userId: 'a', anon: 'a' }));
    await queue.add(rec(1, { userId: 'u1', anon: 'a' }));
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    let n = 0;
    const transport: Transport = async (events) => {
      const call = n++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // The first request fails after the second one has been answered.
      await new Promise((r) => setTimeout(r, call == 0 ? 20 : 1));
      inFlight--;
      if (call == 0) return { status: 503 };
      order.push(...events.map((e) => e.messageId));
      return { status: 200 };
    };
    let clock = 1_000_000;
    const { flusher } = makeFlusher(queue, store, transport, { limits: { maxEvents: 1, maxBytes: 256_000 }, now: () => clock });
    await flusher.flush(); // m0 fails: the queue pauses, m1 waits behind it
    clock += 120_000; // past the backoff
    await flusher.flush();
    flusher.stop();
    expect(maxInFlight).toBe(1);
    expect(order).toEqual(['m0', 'm1']);
  });
});

describe('tab lock without navigator.locks', () => {
  it('a second tab does not send events the first is still sending when its round outlasts the lease', async () => {
    vi.stubGlobal('navigator', { onLine: true }); // Safari < 15.4: no Web Locks, the localStorage lease
    let clock = 1_000_000;
    const now = () => clock;
    const store = sharedStore();
    const qa = createQueue(store, limits, () => {});
    const qb = createQueue(store, limits, () => {});
    for (let i = 0; i < 3; i++) await qa.add(rec(i));
    const answerA = deferred<SendOutcome>();
    const sentA: string[] = [];
    const sentB: string[] = [];
    const a = makeFlusher(qa, store, (events) => (sentA.push(...events.map((e) => e.messageId)), answerA.promise), { now, tabId: 'tabA', beforeRound: async () => void (await qa.refresh()) });
    const b = makeFlusher(qb, store, async (events) => (sentB.push(...events.map((e) => e.messageId)), { status: 200 }), { now, tabId: 'tabB', beforeRound: async () => void (await qb.refresh()) });
    const roundA = a.flusher.flush();
    await tick();
    expect(sentA).toEqual(['m0', 'm1', 'm2']);
    // A slow relay (its forward budget, a slow network): tab A's round is still running 31 s later.
    clock += 31_000;
    await b.flusher.flush();
    answerA.resolve({ status: 200 });
    await roundA;
    a.flusher.stop();
    b.flusher.stop();
    // Before the fix: tab B takes the expired lease and sends m0..m2 a second time, in parallel.
    expect(sentB).toEqual([]);
  });
});

describe('client', () => {
  let clients: RegalClient[] = [];
  afterEach(() => {
    clients.forEach((c) => c.destroy());
    clients = [];
  });
  const make = (opts: Parameters<typeof createRegal>[0] = {}) => {
    const c = createRegal({ endpoint: '/regal', flushIntervalMs: 0, captureAttribution: false, ...opts });
    clients.push(c);
    return c;
  };

  it('a rescue copy whose events were delivered afterwards is not sent again by the next page load', async () => {
    // The page hides before the write of the lead has committed: it is copied aside.
    const { relay, first } = await leadThenHide(make);
    await first.flush(); // the write commits and the hidden tab delivers it
    expect(relay.events().filter((e) => e.name == 'Lead Form Submitted')).toHaveLength(1);
    expect(first.stats().queued).toBe(0);
    first.destroy(); // the tab is closed without becoming visible again
    const next = make(); // a later visit
    await next.flush();
    await tick(20);
    await next.flush();
    const leads = relay.events().filter((e) => e.name == 'Lead Form Submitted');
    if (leads.length == 2) expect(leads[1].messageId).toBe(leads[0].messageId); // the same event, resent
    // Before the fix: the stale copy is queued again and the delivered lead is sent a second time.
    expect(relay.events().filter((e) => e.name == 'Lead Form Submitted')).toHaveLength(1);
  });

  it('does not drop a relay batch for good when it is over the relay\'s byte limit in UTF-8 (counted in UTF-16 units)', async () => {
    // The real relay (default options: maxBodyBytes 512 KB, counted in UTF-8 bytes by read-body.ts).
    const upstream = async () => new Response('{}', { status: 200 });
    // A relay with a body limit under the SDK's batch cap, so that a 413 does happen.
    const handler = createRelay({ apiKey: 'k', fetch: upstream as typeof fetch, rateLimitPerSecond: Infinity, maxBodyBytes: 200_000 });
    const relay = fakeRelay((body) => handler(new Request('https://shop.example/regal', { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) })));
    const statuses: number[] = [];
    const regal = make({ holdUntilContactable: false });
    // 100 events of 2,000 CJK characters: 200 K characters (under batchBytes 256,000) but ~600 KB of UTF-8.
    for (let i = 0; i < 100; i++) regal.track('Review Read', { text: '評'.repeat(2000) });
    await regal.flush();
    expect(relay.sent.length).toBeGreaterThan(0);
    statuses.push(...(await Promise.all(relay.fetchMock.mock.results.map(async (r: any) => (await r.value).status))));
    expect(statuses).toContain(413); // the relay refused the whole batch as too large
    // Before the fix: one 413, and all 100 valid events are dropped as 'rejected'.
    expect(regal.stats().dropped.rejected).toBe(0);
  });

  it('.delivered resolves false (not true) in the tab that made an event another tab\'s relay refused for good', async () => {
    // The relay refuses every event for good (e.g. Regal answered 400 for it).
    const relay = fakeRelay((body) => new Response(JSON.stringify({ accepted: [], rejected: body.batch.map((e: any) => ({ messageId: e.messageId, reason: 'upstream 400' })), retry: [] }), { status: 200 }));
    const { maker, sender, delivered } = await madeHereSentThere(make);
    expect(relay.events().map((e) => e.name ?? 'identify')).toContain('Made here');
    expect(sender.stats().dropped.rejected).toBeGreaterThan(0);
    await maker.flush(); // the maker sees it gone from storage
    // Before the fix: "gone" is taken as "another tab delivered it", so .delivered says true.
    await expect(delivered).resolves.toBe(false);
  });
});
