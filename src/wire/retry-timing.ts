/**
 * Retry timing, shared by the browser's delivery and the relay's upstream requests: how
 * long to back off, and how to read `Retry-After`. Pure: the clock and the random source
 * are passed in. Each half applies its own base and cap (see their callers).
 */

/** A `Retry-After` beyond this is a broken or hostile server, not a plan: one hour at most. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Exponential backoff with full jitter (AWS, "Exponential Backoff And Jitter"): a uniform
 * draw in [0, min(cap, base · 2^attempt)), so clients that failed together do not retry
 * together.
 *
 * @example
 * backoffDelay(0, Math.random, 200, 5_000) // < 200
 * backoffDelay(3, Math.random, 200, 5_000) // < 1 600
 */
export function backoffDelay(attempt: number, random: () => number, baseMs: number, capMs: number): number {
  return random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
}

// RFC 9110 §5.6.7: senders write IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); recipients
// also read the obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT"). Only these reach
// Date.parse, which would otherwise read "-1" or "2" as a year.
const HTTP_DATE = /^[a-z]{3,9}, \d\d[ -][a-z]{3}[ -]\d{2,4} [\d:]{8} GMT$/i;

/**
 * `Retry-After` in ms from `now`, or `undefined` when absent, negative or unreadable.
 * RFC 9110 §10.2.3: delay-seconds (`"3"`; a fraction such as `"1.5"` is read as written) or
 * an HTTP-date (a past one is 0). At most `MAX_RETRY_AFTER_MS`.
 *
 * @example
 * parseRetryAfter('2', now)                             // 2000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now) // ms until then, or 0
 * parseRetryAfter('-1', now)                            // undefined
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(text) ? +text * 1000 : HTTP_DATE.test(text) ? Date.parse(text) - now : NaN;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}
