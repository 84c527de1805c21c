import { isRetryableStatus, isSuccessStatus } from '../../wire/status';
import type { UpstreamResponse } from './transport';

/** What the relay does after an upstream status. Pure, so the table is tested on its own. */
export type UpstreamStatusClass = 'accepted' | 'rejected' | 'throttled' | 'transient' | 'misconfigured';

/**
 * - 2xx: Regal has the event.
 * - 429: over the account's rate: pause the whole relay, then try again.
 * - 408, 5xx: Regal or the network failed this once: back off (or wait the Retry-After
 *   it gave) and try again.
 * - 401, 403, 404, 3xx and anything unexpected: the relay is misconfigured (wrong key or
 *   upstream URL). The event is fine, so it is answered `retry` (the browser keeps it until
 *   the site owner fixes the relay) instead of `rejected` (dropped for good); trying again
 *   within this batch would not help, so it is not.
 * - other 4xx (400, 413, 422...): the event itself is bad: `rejected`, with Regal's reason.
 */
export function classifyUpstreamStatus(status: number): UpstreamStatusClass {
  if (isSuccessStatus(status)) return 'accepted';
  if (status === 429) return 'throttled';
  if (isRetryableStatus(status)) return 'transient';
  if (status === 401 || status === 403 || status === 404 || status < 400 || status >= 500) return 'misconfigured';
  return 'rejected';
}

/**
 * `upstream 400: traits.phones.0.phoneNumber: expected string`: the status and Regal's own
 * message (the `message` of its JSON error body, or the start of a text body).
 */
export function upstreamReason({ status, body }: UpstreamResponse): string {
  let detail = body.trim();
  try {
    const parsed: unknown = JSON.parse(detail);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      detail = (parsed as { message: string }).message;
    }
  } catch {
    // Not JSON: keep the text.
  }
  if (detail.length > 300) detail = `${detail.slice(0, 300)}...`;
  return detail === '' ? `upstream ${status}` : `upstream ${status}: ${detail}`;
}
