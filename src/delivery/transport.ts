/**
 * Getting bytes to the endpoint: the one place that calls `fetch` and `sendBeacon`.
 *
 * Relay mode posts `{batch, sentAt}` as `text/plain`: a "simple" request, so a cross-origin
 * relay needs no CORS preflight (which rarely finishes while a page unloads) and
 * `sendBeacon` can carry the same body. Direct mode posts one event per request to Regal
 * with the key in `Authorization`: a header beacons cannot send.
 */
import type { RelayResult } from '../schema';
import type { OutgoingEvent } from '../events';
import { parseRetryAfter } from './backoff';

export interface SendOutcome {
  /** HTTP status; 0 when there was no answer (offline, blocked, CORS, aborted). */
  status: number;
  /** From `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The relay's per-event answer, when it gave one. */
  result?: RelayResult;
}

export type Transport = (events: OutgoingEvent[], keepalive: boolean) => Promise<SendOutcome>;

async function post(url: string, body: string, headers: Record<string, string>, keepalive: boolean, now: () => number): Promise<SendOutcome & { response?: Response }> {
  try {
    const response = await fetch(url, { method: 'POST', body, headers, keepalive, credentials: 'same-origin' });
    return { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('Retry-After'), now()), response };
  } catch {
    return { status: 0 };
  }
}

/** Batches to a relay (see `regal-browser/relay`). */
export function relayTransport(url: string, now: () => number): Transport {
  return async (events, keepalive) => {
    const outcome = await post(url, relayBody(events, now), { 'Content-Type': 'text/plain;charset=UTF-8' }, keepalive, now);
    if (outcome.response && outcome.status == 200) {
      try {
        const result = (await outcome.response.json()) as RelayResult;
        if (result && Array.isArray(result.accepted)) outcome.result = result;
      } catch {}
    }
    delete outcome.response;
    return outcome;
  };
}

/** One event per request straight to Regal, with the key (which the page then exposes). */
export function directTransport(url: string, apiKey: string, now: () => number): Transport {
  return async (events, keepalive) => {
    const { messageId, ...event } = events[0];
    const outcome = await post(url, JSON.stringify(event), { 'Content-Type': 'application/json', Authorization: apiKey }, keepalive, now);
    delete outcome.response;
    return outcome;
  };
}

export function relayBody(events: OutgoingEvent[], now: () => number): string {
  return JSON.stringify({ batch: events, sentAt: new Date(now()).toISOString() });
}

/** Fire-and-forget at unload. False when the browser refused (over its 64 KB quota). */
export function beacon(url: string, body: string): boolean {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
}
