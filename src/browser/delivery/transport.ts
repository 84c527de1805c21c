/**
 * Getting bytes to the endpoint: the one place that calls `fetch` and `sendBeacon`.
 *
 * Relay mode posts `{batch, sentAt}` as `text/plain`: a "simple" request, so a cross-origin
 * relay needs no CORS preflight (which rarely finishes while a page unloads) and
 * `sendBeacon` can carry the same body. Direct mode posts one event per request to Regal
 * with the key in `Authorization`: a header beacons cannot send.
 */
import type { RelayResult } from '../../wire/schema';
import type { OutgoingEvent } from '../events/event-builders';
import { parseRetryAfter } from '../../wire/retry-timing';

export interface SendOutcome {
  /** HTTP status; 0 when there was no answer (offline, blocked, CORS, aborted). */
  status: number;
  /** From `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The relay's per-event answer, when it gave one. */
  result?: RelayResult;
}

export type Transport = (events: OutgoingEvent[], keepalive: boolean) => Promise<SendOutcome>;

/** A transport posting `body(events)` with `headers`; `readResult`: read the relay's answer. */
function poster(url: string, headers: Record<string, string>, now: () => number, body: (events: OutgoingEvent[]) => string, readResult?: boolean): Transport {
  return async (events, keepalive) => {
    // A request that never answers (a stalled proxy or captive portal) would hold the round,
    // and with it the tab lock, for good: cut it and take the usual retry path (status 0).
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(url, { method: 'POST', body: body(events), headers, keepalive, credentials: 'same-origin', signal: abort.signal });
      const outcome: SendOutcome = { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('Retry-After'), now()) };
      if (readResult && outcome.status === 200) {
        try {
          const result = (await response.json()) as RelayResult;
          if (result && Array.isArray(result.accepted)) outcome.result = result;
        } catch {}
      }
      return outcome;
    } catch {
      return { status: 0 };
    } finally {
      clearTimeout(timer);
    }
  };
}

// Longer than the relay's budget for a batch (`forwardTimeoutMs`, 10 s by default, after
// which it answers `retry` for the rest) plus the network, so a working relay is never cut.
const TIMEOUT_MS = 30_000;

/** Batches to a relay (see `regal-browser/relay`). */
export const relayTransport = (url: string, now: () => number): Transport =>
  poster(url, { 'Content-Type': 'text/plain;charset=UTF-8' }, now, (events) => relayBody(events, now), true);

/** One event per request straight to Regal, with the key (which the page then exposes). */
export const directTransport = (url: string, apiKey: string, now: () => number): Transport =>
  poster(url, { 'Content-Type': 'application/json', Authorization: apiKey }, now, ([{ messageId, botToken, ...event }]) => JSON.stringify(event));

export function relayBody(events: OutgoingEvent[], now: () => number): string {
  return JSON.stringify({ batch: events, sentAt: new Date(now()).toISOString() });
}

/** Fire-and-forget at unload. False when the browser refused (over its 64 KB quota).
 * Chromium and WebKit both send a beacon queued in `pagehide` of a closing tab (test:
 * test/browser/guarantees/delivery.test.ts, "a tab closed right after track()"). */
export function beacon(url: string, body: string): boolean {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
}
