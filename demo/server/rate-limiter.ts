/**
 * Regal's limit: 300 requests per second per account, 429 beyond. Modelled as a token
 * bucket per API key whose capacity (the burst) equals the per-second rate (at least 1),
 * refilled continuously. The limit is read on every call, so lowering it (a fault) takes effect at
 * once: a full bucket is capped to the new capacity.
 */

/** The outcome of one request against the bucket. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one token for `key` if there is one; otherwise says when to come back. */
  take(key: string, limitPerSecond: number): RateDecision;
  /** Forgets every bucket (used by the reset of the stub). */
  reset(): void;
}

/**
 * @param now milliseconds clock, passed in so tests can drive time without sleeping.
 * @example
 * const limiter = createRateLimiter(() => performance.now());
 * limiter.take('demo-key', 300); // { allowed: true }
 */
export function createRateLimiter(now: () => number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, limitPerSecond) {
      const rate = Math.max(limitPerSecond, Number.MIN_VALUE);
      // Below 1/s the burst is still one request, or the bucket could never hold a token.
      const capacity = Math.max(1, rate);
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      // Retry-After is whole seconds and at least 1 (RFC 9110): rounding down to 0 would
      // invite an immediate retry that is refused again.
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      return { allowed: false, retryAfterSeconds };
    },
    reset() {
      buckets.clear();
    },
  };
}
