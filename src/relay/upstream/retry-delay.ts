import { backoffDelay } from '../../wire/retry-timing';

/** First retry of an upstream request waits up to this long (full jitter: anywhere in [0, base)). */
export const UPSTREAM_BACKOFF_BASE_MS = 200;
/**
 * No upstream wait is drawn from a range wider than this: the relay retries within one
 * batch's `forwardTimeoutMs` (10 s by default), so longer waits would only end in `retry`.
 */
export const UPSTREAM_BACKOFF_CAP_MS = 5_000;

/**
 * How long to wait before upstream retry number `retry` (0 for the first), when Regal gave
 * no `Retry-After`.
 *
 * @example
 * upstreamRetryDelay(0, Math.random) // < 200 ms
 * upstreamRetryDelay(3, Math.random) // < 1 600 ms
 */
export function upstreamRetryDelay(retry: number, random: () => number): number {
  return backoffDelay(retry, random, UPSTREAM_BACKOFF_BASE_MS, UPSTREAM_BACKOFF_CAP_MS);
}
