import { describe, expect, it, vi } from 'vitest';
import { createFlusher, PAUSE_KEY } from '../../../src/browser/delivery/flusher';
import { createQueue, type QueuedRecord } from '../../../src/browser/queue/queue';
import { memoryStore } from '../../../src/browser/queue/store';
import type { SendOutcome, Transport } from '../../../src/browser/delivery/transport';
import { restoreAfterEach, tick } from '../helpers';
import { deferred, limits, makeFlusher, rec } from './helpers';

restoreAfterEach();

function setup(answers: Array<(ids: string[]) => SendOutcome | Promise<SendOutcome>>, opts: { maxEvents?: number } = {}) {
  let clock = 1_000_000;
  const store = memoryStore();
  const drops: string[] = [];
  const queue = createQueue(store, { maxEvents: 1000, maxBytes: 1e7, maxAgeMs: 1e9 }, (reason, rs) => rs.forEach(() => drops.push(reason)));
  const requests: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const delivered: string[] = [];
  const failures: number[] = [];
  const flusher = createFlusher({
    queue,
    store,
    transport: async (events) => {
      const ids = events.map((e) => e.messageId);
      requests.push(ids);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
      return answer(ids);
    },
    limits: { maxEvents: opts.maxEvents ?? 2, maxBytes: 1e6 },
    now: () => clock,
    random: () => 1,
    tabId: 't1',
    lockName: 'test-lock',
    beforeRound: async () => {},
    delivered: (rs) => delivered.push(...rs.map((r) => r.event.messageId)),
    rejected: (rs) => rs.forEach(() => drops.push('rejected')),
    failed: (status) => failures.push(status),
    warned: () => {},
  });
  const add = async (n: number, userId = (i: number) => 'u1') => {
    for (let i = 0; i < n; i++) {
      const r: QueuedRecord = { key: `e:${String(i).padStart(4, '0')}`, event: { messageId: `m${i}`, userId: userId(i), traits: {} }, anon: userId(i), held: false, at: clock, bytes: 50 };
      await queue.add(r);
    }
  };
  return { flusher, queue, store, requests, delivered, drops, failures, add, advance: (ms: number) => (clock += ms), stats: () => ({ maxInFlight }) };
}

const ok = (): SendOutcome => ({ status: 200 });

describe('flusher', () => {
  it('sends everything in batches and removes what was confirmed', async () => {
    const t = setup([ok]);
    await t.add(5);
    await t.flusher.flush();
    expect(t.requests).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
    expect(t.delivered).toHaveLength(5);
    expect(t.queue.list()).toHaveLength(0);
    t.flusher.stop();
  });

  it('never sends one visitor\'s batches in parallel, but two visitors at once', async () => {
    const one = setup([ok]);
    await one.add(6);
    await one.flusher.flush();
    expect(one.stats().maxInFlight).toBe(1);
    const two = setup([ok]);
    await two.add(8, (i) => (i < 4 ? 'a' : 'b'));
    await two.flusher.flush();
    expect(two.stats().maxInFlight).toBe(2);
    expect(two.delivered).toHaveLength(8);
    one.flusher.stop();
    two.flusher.stop();
  });

  it('pauses everything on a retryable failure, honouring Retry-After, and shares the pause', async () => {
    const t = setup([() => ({ status: 429, retryAfterMs: 90_000 }), ok]);
    await t.add(3);
    await t.flusher.flush();
    expect(t.requests).toHaveLength(1);
    expect(t.failures).toEqual([429]);
    expect(t.flusher.pausedUntil()).toBe(1_000_000 + 90_000);
    expect(await t.store.get(PAUSE_KEY)).toBe(1_000_000 + 90_000);
    await t.flusher.flush();
    expect(t.requests).toHaveLength(1);
    t.advance(90_001);
    await t.flusher.flush();
    expect(t.delivered).toEqual(['m0', 'm1', 'm2']);
    t.flusher.stop();
  });

  it('keeps a visitor\'s order when a batch fails and is retried', async () => {
    const t = setup([() => ({ status: 0 }), ok]);
    await t.add(4);
    await t.flusher.flush();
    t.advance(10 * 60_000);
    await t.flusher.flush();
    expect(t.delivered).toEqual(['m0', 'm1', 'm2', 'm3']);
    t.flusher.stop();
  });

  it('drops and reports a batch refused for good (4xx)', async () => {
    const t = setup([() => ({ status: 400 })]);
    await t.add(2);
    await t.flusher.flush();
    expect(t.drops).toEqual(['rejected', 'rejected']);
    expect(t.queue.list()).toHaveLength(0);
    t.flusher.stop();
  });

  it('follows the relay\'s per-event answer; unnamed events stay queued', async () => {
    const t = setup([(ids) => ({ status: 200, result: { accepted: [ids[0]], rejected: [{ messageId: ids[1], reason: 'bad' }], retry: [] } })], { maxEvents: 3 });
    await t.add(3);
    await t.flusher.flush();
    expect(t.delivered).toEqual(['m0']);
    expect(t.drops).toEqual(['rejected']);
    expect(t.queue.list().map((r) => r.event.messageId)).toEqual(['m2']);
    t.flusher.stop();
  });

  it('runs one round at a time: a flush during a round joins it', async () => {
    const t = setup([ok]);
    await t.add(4);
    const a = t.flusher.flush();
    const b = t.flusher.flush();
    await Promise.all([a, b]);
    const sent = t.requests.flat();
    expect(sent).toEqual(['m0', 'm1', 'm2', 'm3']);
    t.flusher.stop();
  });

  it('does not send while the browser says it is offline', async () => {
    const t = setup([ok]);
    await t.add(1);
    const spy = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    await t.flusher.flush();
    expect(t.requests).toHaveLength(0);
    spy.mockRestore();
    await t.flusher.flush();
    expect(t.requests).toHaveLength(1);
    t.flusher.stop();
  });
});

describe('flusher: pauses, keepalive and reconnecting', () => {
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
    // The plain backoff would be 2 s here: every tab would come back 28 s before Regal asked.
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
