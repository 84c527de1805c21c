/** What to do with events after an HTTP answer (status 0: no answer at all). */
export type Verdict = 'delivered' | 'retry' | 'drop';

/**
 * Network errors, 408, 429 and 5xx are worth retrying; any other 4xx will fail the same way
 * again, so its events are dropped (and reported). 3xx cannot happen with fetch's default
 * `follow`, except an opaque redirect, which we retry rather than lose.
 */
export function classifyStatus(status: number): Verdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 400 && status < 500 && status != 408 && status != 429) return 'drop';
  return 'retry';
}
