// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../src/wire/retry-timing';
import { isRetryableStatus, isSuccessStatus } from '../../../src/wire/status';
import { deliveryVerdict } from '../../../src/browser/delivery/verdict';
import { classifyUpstreamStatus } from '../../../src/relay/upstream/classify-upstream';

const now = Date.parse('2026-11-27T15:00:00Z');

describe('Retry-After, read the same way by the browser and the relay', () => {
  it('reads delay-seconds, with a fraction read as written', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an IMF-fixdate and the obsolete RFC 850 date, a past date as now', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 15:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Friday, 27-Nov-26 15:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 14:00:00 GMT', now)).toBe(0);
  });

  it('answers undefined for a negative value, a sign, or anything that is neither form', () => {
    for (const value of ['-1', '-0.5', '+3', '1e3', '0x10', '3 s', 'soon', 'Fri Nov 27 15:00:30 2026', '27 Nov 2026 15:00:30 GMT', 'Fri, 32 Nov 2026 15:00:30 GMT']) {
      expect(parseRetryAfter(value, now), value).toBeUndefined();
    }
  });

  it('answers undefined when the header is absent or empty', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('   ', now)).toBeUndefined();
  });

  it('caps a value or a date that is absurdly far away at an hour', () => {
    expect(parseRetryAfter('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Sat, 27 Nov 2027 15:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
  });
});

describe('backoff with full jitter', () => {
  it('draws uniformly below base · 2^attempt, up to the cap', () => {
    expect(backoffDelay(0, () => 0.5, 200, 5_000)).toBe(100);
    expect(backoffDelay(3, () => 0.5, 200, 5_000)).toBe(800);
    expect(backoffDelay(20, () => 0.5, 200, 5_000)).toBe(2_500);
    expect(backoffDelay(5, () => 0, 200, 5_000)).toBe(0);
    expect(backoffDelay(4, () => 0.999, 1_000, 60_000)).toBeLessThan(16_000);
  });

  it('stays finite for any number of attempts', () => {
    expect(backoffDelay(10_000, () => 1, 1_000, 60_000)).toBe(60_000);
  });
});

describe('status vocabulary', () => {
  it.each([
    [200, true, false],
    [204, true, false],
    [0, false, false],
    [302, false, false],
    [400, false, false],
    [404, false, false],
    [408, false, true],
    [413, false, false],
    [429, false, true],
    [500, false, true],
    [503, false, true],
    [599, false, true],
    [600, false, false],
  ] as const)('%i: success %s, retryable %s', (status, success, retryable) => {
    expect(isSuccessStatus(status)).toBe(success);
    expect(isRetryableStatus(status)).toBe(retryable);
  });

  it('both halves agree on what is done and what is worth another try', () => {
    for (let status = 0; status < 700; status++) {
      const verdict = deliveryVerdict(status);
      const upstream = classifyUpstreamStatus(status);
      expect(verdict === 'delivered', `${status}`).toBe(upstream === 'accepted');
      if (isRetryableStatus(status)) {
        expect(verdict).toBe('retry');
        expect(['throttled', 'transient']).toContain(upstream);
      }
      // A 4xx the browser drops is one the relay rejects, unless it says the relay itself is misconfigured.
      if (verdict === 'drop') expect(['rejected', 'misconfigured']).toContain(upstream);
    }
  });
});
