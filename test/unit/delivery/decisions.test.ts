import { describe, expect, it } from 'vitest';
import { CAP_MS, HARD_AFTER, HARD_CAP_MS, MIN_MS, retryDelay } from '../../../src/browser/delivery/retry-delay';
import { deliveryVerdict } from '../../../src/browser/delivery/verdict';
import { parseRetryAfter } from '../../../src/wire/retry-timing';
import { chunkWithin, nextBatch } from '../../../src/browser/delivery/batch';
import type { QueuedRecord } from '../../../src/browser/queue/queue';

// One visitor per userId: a visitor is told apart by its anonymous id (`anon`).
const rec = (i: number, userId = 'u1', bytes = 100): QueuedRecord => ({
  key: `e:${String(i).padStart(4, '0')}`,
  event: { messageId: `m${i}`, userId, traits: {} },
  anon: userId,
  held: false,
  at: 0,
  bytes,
});

describe('backoff with full jitter', () => {
  it('grows as 1 s × 2^n under full jitter, capped near 60 s', () => {
    expect(retryDelay(1, () => 1)).toBe(2000);
    expect(retryDelay(3, () => 1)).toBe(8000);
    expect(retryDelay(10, () => 1)).toBe(CAP_MS);
    expect(retryDelay(3, () => 0.5)).toBe(4000);
  });

  it('never waits less than the floor, so instant failures cannot spin', () => {
    expect(retryDelay(1, () => 0)).toBe(MIN_MS);
    expect(retryDelay(50, () => 0.0001)).toBeGreaterThanOrEqual(MIN_MS);
  });

  it('backs off hard after repeated network failures (an ad blocker)', () => {
    expect(retryDelay(12, () => 1, HARD_AFTER - 1)).toBe(CAP_MS);
    expect(retryDelay(12, () => 1, HARD_AFTER)).toBe(HARD_CAP_MS);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  it('reads delta seconds', () => expect(parseRetryAfter('3', now)).toBe(3000));
  it('reads an HTTP date', () => expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000));
  it('treats a past date as now', () => expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0));
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
  it('caps absurd values at an hour', () => expect(parseRetryAfter('99999999', now)).toBe(3_600_000));
});

describe('status classification', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [0, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'drop'],
    [401, 'drop'],
    [403, 'drop'],
    [404, 'drop'],
    [413, 'drop'],
  ] as const)('%i → %s', (status, verdict) => expect(deliveryVerdict(status)).toBe(verdict));
});

describe('batching', () => {
  it('takes the oldest events up to the count limit', () => {
    const records = [1, 2, 3, 4, 5].map((i) => rec(i));
    expect(nextBatch(records, { maxEvents: 3, maxBytes: 1e6 }, new Set()).map((r) => r.key)).toEqual(['e:0001', 'e:0002', 'e:0003']);
  });

  it('stops at the byte limit but never leaves an oversized event behind forever', () => {
    const records = [rec(1, 'u1', 600), rec(2, 'u1', 600)];
    expect(nextBatch(records, { maxEvents: 10, maxBytes: 1000 }, new Set())).toHaveLength(1);
    expect(nextBatch([rec(1, 'u1', 5000)], { maxEvents: 10, maxBytes: 1000 }, new Set())).toHaveLength(1);
  });

  it('skips visitors with a request in flight, so their events cannot be reordered', () => {
    const records = [rec(1, 'busy'), rec(2, 'free'), rec(3, 'busy'), rec(4, 'free')];
    expect(nextBatch(records, { maxEvents: 10, maxBytes: 1e6 }, new Set(['busy'])).map((r) => r.key)).toEqual(['e:0002', 'e:0004']);
  });

  it('chunks unload sends within a shared byte budget', () => {
    const records = Array.from({ length: 10 }, (_, i) => rec(i, 'u', 99));
    const chunks = chunkWithin(records, 250, 700);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 1]);
    expect(chunks.flat().length * 100).toBeLessThanOrEqual(700);
  });
});
