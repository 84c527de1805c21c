import { backoffDelay } from '../../wire/retry-timing';

/**
 * The browser's backoff policy on top of the shared full-jitter backoff. The floor keeps a
 * run of instant failures (an ad blocker answers status 0 at once) from spinning; after
 * several of those in a row the cap jumps, since such a failure will not go away soon.
 */
export const BASE_MS = 1000;
export const CAP_MS = 60_000;
export const MIN_MS = 1000;
/** The cap once network failures keep repeating (a blocker, a captive portal). */
export const HARD_CAP_MS = 5 * 60_000;
export const HARD_AFTER = 6;

/** Delay before retry number `failures` (1 for the first retry). */
export function retryDelay(failures: number, random: () => number, networkFailures = 0): number {
  return Math.max(MIN_MS, Math.round(backoffDelay(failures, random, BASE_MS, networkFailures >= HARD_AFTER ? HARD_CAP_MS : CAP_MS)));
}
