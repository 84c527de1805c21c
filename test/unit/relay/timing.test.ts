// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../src/wire/retry-timing';
import { upstreamRetryDelay } from '../../../src/relay/upstream/retry-delay';
import { createPacer } from '../../../src/relay/upstream/pacer';
import { createSlots } from '../../../src/relay/forward/slots';
import { classifyUpstreamStatus, upstreamReason } from '../../../src/relay/upstream/classify-upstream';
import { createFakeClock, flush } from './helpers';

describe('backoff', () => {
  it('draws full jitter from a range that doubles per retry up to the cap', () => {
    expect(upstreamRetryDelay(0, () => 0.999)).toBeLessThan(200);
    expect(upstreamRetryDelay(3, () => 0.5)).toBe(800);
    expect(upstreamRetryDelay(20, () => 0.5)).toBe(2_500); // cap 5 s
    expect(upstreamRetryDelay(5, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date, never negative', () => {
    const now = Date.parse('2026-05-24T15:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('Sun, 24 May 2026 15:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Sun, 24 May 2026 14:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

describe('pacer', () => {
  it('spaces sends 1/L seconds apart: N sends take (N-1)/L seconds', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ ratePerSecond: 50, now: clock.now, sleep: clock.sleep });
    const sentAt: number[] = [];
    for (let i = 0; i < 100; i++) void pacer.take(Infinity).then(() => sentAt.push(clock.now()));
    await clock.advance(5_000);
    expect(sentAt).toHaveLength(100);
    expect(sentAt[0]).toBe(0);
    expect(sentAt[99]).toBeCloseTo(1_980, 6);
  });

  it('does not wait at all without a limit', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ ratePerSecond: Infinity, now: clock.now, sleep: clock.sleep });
    const results = await Promise.all(Array.from({ length: 1_000 }, () => pacer.take(1)));
    expect(results.every(Boolean)).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('refuses, without reserving, a send that could not happen before the deadline', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
    expect(await pacer.take(1_000)).toBe(true); // t = 0
    const second = pacer.take(50); // next slot at 100 > 50
    expect(await second).toBe(false);
    const third = pacer.take(1_000);
    await clock.advance(100);
    expect(await third).toBe(true); // the refused one did not take the 100 ms slot
  });

  it('holds every sender during a pause, including those already waiting, then resumes at the rate', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
    const sentAt: number[] = [];
    for (let i = 0; i < 3; i++) void pacer.take(Infinity).then(() => sentAt.push(clock.now()));
    await clock.advance(50); // the first went at 0; two wait for 100 and 200
    pacer.pauseUntil(1_000);
    expect(pacer.pauseLeft()).toBe(950);
    await clock.advance(2_000);
    expect(sentAt).toEqual([0, 1_000, 1_100]);
    expect(pacer.pauseLeft()).toBe(0);
  });

  it('never shortens a pause', () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
    pacer.pauseUntil(5_000);
    pacer.pauseUntil(1_000);
    expect(pacer.pauseLeft()).toBe(5_000);
  });
});

describe('slots', () => {
  it('lets `limit` holders in and hands released slots to waiters first come, first served', async () => {
    const slots = createSlots(2);
    expect(slots.acquire()).toBeUndefined();
    expect(slots.acquire()).toBeUndefined();
    const order: string[] = [];
    void slots.acquire()!.then(() => order.push('third'));
    void slots.acquire()!.then(() => order.push('fourth'));
    expect(slots.inUse).toBe(2);
    slots.release();
    await flush(1);
    expect(order).toEqual(['third']);
    expect(slots.inUse).toBe(2);
    slots.release();
    slots.release();
    await flush(1);
    expect(order).toEqual(['third', 'fourth']);
    expect(slots.inUse).toBe(1);
  });

  it('keeps FIFO order over a long queue (compaction)', async () => {
    const slots = createSlots(1);
    slots.acquire();
    const order: number[] = [];
    for (let i = 0; i < 3_000; i++) void slots.acquire()!.then(() => order.push(i));
    for (let i = 0; i < 3_000; i++) slots.release();
    await flush(1);
    expect(order).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
  });
});

describe('upstream status classification', () => {
  it.each([
    [200, 'accepted'],
    [202, 'accepted'],
    [429, 'throttled'],
    [408, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [400, 'rejected'],
    [413, 'rejected'],
    [422, 'rejected'],
    [401, 'misconfigured'],
    [403, 'misconfigured'],
    [404, 'misconfigured'],
    [301, 'misconfigured'],
  ])('%s is %s', (code, kind) => {
    expect(classifyUpstreamStatus(code)).toBe(kind);
  });

  it("builds the reason from Regal's JSON message, a text body, or the status alone", () => {
    expect(upstreamReason({ status: 400, retryAfter: null, body: '{"message":"traits: required","code":"bad"}' })).toBe('upstream 400: traits: required');
    expect(upstreamReason({ status: 400, retryAfter: null, body: ' Bad thing \n' })).toBe('upstream 400: Bad thing');
    expect(upstreamReason({ status: 400, retryAfter: null, body: '' })).toBe('upstream 400');
    expect(upstreamReason({ status: 400, retryAfter: null, body: 'x'.repeat(1_000) })).toHaveLength('upstream 400: '.length + 303);
  });
});
