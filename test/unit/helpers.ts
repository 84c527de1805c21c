import { afterEach, vi } from 'vitest';
import type { RelayResult } from '../../src/wire/schema';
import type { CallResult, RegalClient, RegalOptions } from '../../src/browser/types';
import { createRegal } from '../../src/browser/client/client';
import { trackForm } from '../../src/browser/forms/forms';

/** After each test of the file: real timers, the real globals and spies, an empty page. */
export function restoreAfterEach(): void {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    document.body.innerHTML = '';
  });
}

/**
 * `make(options)` for one test file: a client of the relay at '/regal' with no timed flushes
 * and no attribution (each test flushes when it wants to). After each test every client made
 * is destroyed, then timers, globals, spies and the page are put back.
 */
export function clientsPerTest(): (options?: RegalOptions) => RegalClient {
  let clients: RegalClient[] = [];
  // Registered first, so it runs last: the clients are destroyed with the globals they saw.
  restoreAfterEach();
  afterEach(() => {
    clients.forEach((c) => c.destroy());
    clients = [];
  });
  return (options = {}) => {
    const c = createRegal({ endpoint: '/regal', flushIntervalMs: 0, captureAttribution: false, ...options });
    clients.push(c);
    return c;
  };
}

/** An event's name as the tests list them: an identify has none. */
export const eventName = (e: any): string => e.name ?? 'identify';

/** Resolves to the promise's value, or 'pending' if it has not settled within `ms`. */
export const within = <T,>(p: Promise<T>, ms = 200) => Promise.race([p, tick(ms).then(() => 'pending' as const)]);

export interface Sent {
  url: string;
  headers: Record<string, string>;
  body: any;
  keepalive: boolean;
}

/**
 * A fake relay behind `fetch`: records every request and answers like the relay would
 * (everything accepted), unless `answer` says otherwise.
 */
export function fakeRelay(answer?: (body: any, n: number) => Response | Promise<Response> | 'network-error') {
  const sent: Sent[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const entry = { url: String(url), headers: init.headers as Record<string, string>, body, keepalive: !!init.keepalive };
    sent.push(entry);
    const custom = answer && (await answer(body, sent.length));
    if (custom === 'network-error') throw new TypeError('Failed to fetch');
    if (custom) return custom;
    const ids = body.batch ? body.batch.map((e: any) => e.messageId) : [];
    const result: RelayResult = { accepted: ids, rejected: [], retry: [] };
    return new Response(JSON.stringify(result), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return {
    sent,
    fetchMock,
    /** Every event that reached the relay, in order. */
    events: () => sent.flatMap((s) => s.body.batch || [s.body]),
  };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** The page goes to the background (or away): `visibilitychange` to hidden. */
export function hidePage() {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  try {
    document.dispatchEvent(new Event('visibilitychange'));
  } finally {
    delete (document as any).visibilityState;
  }
}

/**
 * Two tabs of one visitor: the maker identifies the visitor and tracks 'Made here'; the
 * sender, the next to flush, sends it. Both are idle first (their first round, at load, is
 * over), so that the sender gets the send lock. Returns the event's `.delivered`.
 */
export async function madeHereSentThere(make: (options: RegalOptions) => RegalClient): Promise<{ maker: RegalClient; sender: RegalClient; delivered: CallResult['delivered'] }> {
  const [maker, sender] = await twoIdleTabs(make);
  await maker.identify({ phone: '+15551234567' });
  const result = maker.track('Made here');
  const delivered = result.delivered;
  await result;
  await sender.flush();
  return { maker, sender, delivered };
}

/** A lead: the visitor identifies and submits, and the page hides before that event's write
 * has committed (so it is copied to localStorage). Beacons fail, as at a real unload often. */
export async function leadThenHide(make: (options?: RegalOptions) => RegalClient) {
  const relay = fakeRelay();
  vi.stubGlobal('navigator', { onLine: true, sendBeacon: () => false });
  const first = make();
  await first.identify({ phone: '+15551234567' });
  first.track('Lead Form Submitted');
  hidePage();
  return { relay, first };
}

/** Two tabs of one visitor (one storage, no timed flushes), both idle: their first round, at
 * load, is over, so the next to flush gets the send lock. */
export async function twoIdleTabs(make: (options: RegalOptions) => RegalClient): Promise<[RegalClient, RegalClient]> {
  const tabs: [RegalClient, RegalClient] = [make({ flushIntervalMs: 1e9 }), make({ flushIntervalMs: 1e9 })];
  await Promise.all(tabs.map((t) => t.ready()));
  await tick(50);
  await Promise.all(tabs.map((t) => t.flush()));
  await tick(20);
  return tabs;
}

/** Puts `html` (one form) in the page, binds `trackForm` to it with a recording client, and
 * submits it; returns the client calls it made, in order. */
export function submitForm(html: string, defaultCountry = 'US'): unknown[][] {
  document.body.innerHTML = html;
  const form = document.querySelector('form')!;
  form.addEventListener('submit', (e) => e.preventDefault());
  const calls: unknown[][] = [];
  trackForm(
    form,
    {},
    {
      defaultCountry,
      identify: (traits) => calls.push(['identify', traits]),
      track: (n, p) => calls.push(['track', n, p]),
      flush: () => calls.push(['flush']),
      reportError: (code, message, value) => void calls.push(['error', code, message, value]),
    },
    { now: () => new Date('2026-03-04T05:06:07.000Z') },
  );
  form.requestSubmit();
  return calls;
}
