import { describe, expect, it, vi } from 'vitest';
import { createFlusher, PAUSE_KEY } from '../../../src/browser/delivery/flusher';
import { createQueue, type QueuedRecord } from '../../../src/browser/queue/queue';
import { memoryStore } from '../../../src/browser/queue/store';
import type { SendOutcome } from '../../../src/browser/delivery/transport';

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
