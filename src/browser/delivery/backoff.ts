/**
 * How long to wait before the next attempt: exponential backoff with full jitter
 * (AWS's "Exponential Backoff and Jitter"), so a fleet of pages that failed together does
 * not retry together. The floor keeps a run of instant failures (an ad blocker answers
 * status 0 at once) from spinning; after several of those in a row the cap jumps, since
 * such a failure will not go away soon.
 */
export const BASE_MS = 1000;
export const CAP_MS = 60_000;
export const MIN_MS = 1000;
/** The cap once network failures keep repeating (a blocker, a captive portal). */
export const HARD_CAP_MS = 5 * 60_000;
export const HARD_AFTER = 6;

/** Delay before retry number `failures` (1 for the first retry). */
export function backoffDelay(failures: number, random: () => number, networkFailures = 0): number {
  const cap = networkFailures >= HARD_AFTER ? HARD_CAP_MS : CAP_MS;
  const ceiling = Math.min(cap, BASE_MS * 2 ** Math.min(failures, 20));
  return Math.max(MIN_MS, Math.round(random() * ceiling));
}

/**
 * Parses `Retry-After`: delta seconds or an HTTP date. Returns milliseconds from `now`, or
 * undefined when absent or unreadable. A hostile or broken value is capped at one hour.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return;
  const ms = isNaN(+trimmed) ? Date.parse(value!) - now : +trimmed * 1000;
  return isNaN(ms) ? undefined : Math.min(Math.max(0, ms), 3_600_000);
}
