// How events go out: text/plain batches to the relay, one event per request to Regal in
// direct mode, and a timeout on a request that never answers.
import { describe, expect, it, vi } from 'vitest';
import { relayTransport } from '../../../src/browser/delivery/transport';
import { createQueue } from '../../../src/browser/queue/queue';
import { memoryStore } from '../../../src/browser/queue/store';
import { clientsPerTest, fakeRelay } from '../helpers';
import { limits, makeFlusher, rec } from './helpers';

const make = clientsPerTest();

describe('requests', () => {
  it('posts text/plain batches to the relay (no CORS preflight) with messageIds', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    regal.track('a');
    await regal.track('b');
    await regal.flush();
    expect(relay.sent).toHaveLength(1);
    expect(relay.sent[0].headers['Content-Type']).toMatch(/^text\/plain/);
    expect(relay.sent[0].url).toBe(new URL('/regal', location.href).href);
    expect(relay.sent[0].body.batch.map((e: any) => e.name)).toEqual(['a', 'b']);
  });

  it('direct mode: one event per request, the key bare in Authorization, no messageId', async () => {
    const relay = fakeRelay(() => new Response('{"status":"accepted"}', { status: 200 }));
    const regal = make({ mode: 'direct', apiKey: 'k-123', endpoint: undefined });
    regal.track('a');
    await regal.identify({ phone: '+15551234567' });
    await regal.flush();
    expect(relay.sent).toHaveLength(2);
    for (const s of relay.sent) {
      expect(s.url).toBe('https://events.regalvoice.com/events');
      expect(s.headers.Authorization).toBe('k-123');
      expect(s.body.messageId).toBeUndefined();
      expect(s.body.traits.phones[0].phoneNumber).toBe('+15551234567');
    }
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
    // Without a timeout: one request, and the round (and its tab lock) held forever.
    expect(calls).toBeGreaterThan(1);
  });
});
