import { isRetryableStatus, isSuccessStatus } from '../../wire/status';

/** What to do with events after an HTTP answer (status 0: no answer at all). */
export type Verdict = 'delivered' | 'retry' | 'drop';

/**
 * Network errors, 408, 429 and 5xx are worth retrying; any other 4xx will fail the same way
 * again, so its events are dropped (and reported). 3xx cannot happen with fetch's default
 * `follow`, except an opaque redirect, which is retried rather than lost.
 */
export function deliveryVerdict(status: number): Verdict {
  if (isSuccessStatus(status)) return 'delivered';
  return status >= 400 && status < 500 && !isRetryableStatus(status) ? 'drop' : 'retry';
}
