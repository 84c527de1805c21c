/**
 * Retry timing for upstream requests: exponential backoff with full jitter, Retry-After
 * parsing, and a cancellable sleep. Self-contained on purpose: the browser bundle has its
 * own, and the relay must not pull browser code into a server.
 */

/** First retry waits up to this long (full jitter: anywhere in [0, base)). */
export const BACKOFF_BASE_MS = 200;
/** No single wait is drawn from a range wider than this. */
export const BACKOFF_CAP_MS = 5_000;

/**
 * Full-jitter backoff ("Exponential Backoff And Jitter", AWS architecture blog): a uniform
 * draw in [0, min(cap, base * 2^retry)). Spreads retries of many events that failed at the
 * same moment instead of synchronising them into a new burst.
 *
 * @example
 * backoffDelay(0, Math.random) // < 200 ms
 * backoffDelay(3, Math.random) // < 1 600 ms
 */
export function backoffDelay(retry: number, random: () => number, base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS): number {
  return random() * Math.min(cap, base * 2 ** retry);
}

/**
 * A longer `Retry-After` is a broken or hostile upstream, not a plan: honouring a year would
 * pause every event for a year. One hour, as the browser SDK caps the same header.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * `Retry-After` in ms from `now`: delay-seconds (`"3"`, also `"1.5"`) or an HTTP date.
 * `undefined` when the header is absent or unreadable; never negative, at most
 * `MAX_RETRY_AFTER_MS`.
 *
 * @example
 * parseRetryAfter('2', Date.now())                              // 2000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.now()) // ms until then, or 0
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  if (!/[a-z]/i.test(text)) return undefined; // an HTTP date names its day and month; Date.parse('-1') would not fail
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/**
 * Waits `ms`. Aborting `signal` clears the timer and leaves the promise pending forever:
 * the relay only cancels timers whose outcome it no longer awaits (a deadline that was not
 * reached, a timeout of a request that finished), so this frees the timer without a branch.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return;
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}
