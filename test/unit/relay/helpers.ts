// Test doubles for the relay: a fake clock whose sleeps only end when the test advances
// time, and a fake upstream `fetch` that records every request.
import { createRelay } from '../../../src/relay';
import type { ForwardErrorInfo, RelayOptions } from '../../../src/relay';

/** Lets every pending promise chain run (a macrotask turn drains the microtask queue). */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface FakeTimer {
  at: number;
  seq: number;
  resolve: () => void;
  cancelled: boolean;
}

export type FakeClock = ReturnType<typeof createFakeClock>;

export function createFakeClock(start = 1_750_000_000_000) {
  let t = start;
  let seq = 0;
  let timers: FakeTimer[] = [];
  const live = () => timers.filter((timer) => !timer.cancelled);
  return {
    now: () => t,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return;
        const timer: FakeTimer = { at: t + Math.max(0, ms), seq: seq++, resolve, cancelled: false };
        timers.push(timer);
        signal?.addEventListener('abort', () => (timer.cancelled = true), { once: true });
      });
    },
    /** Moves time forward by `ms`, firing due timers in order and letting their effects run. */
    async advance(ms: number): Promise<void> {
      const target = t + ms;
      for (;;) {
        await flush();
        const due = live()
          .filter((timer) => timer.at <= target)
          .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        timers = timers.filter((timer) => timer !== due);
        t = Math.max(t, due.at);
        due.resolve();
      }
      t = target;
      await flush();
    },
    /** Timers still waiting (cancelled ones excluded). */
    pending: () => live().length,
  };
}

export interface UpstreamCall {
  url: string;
  method: string | undefined;
  headers: Headers;
  /** The raw body as sent. */
  text: string;
  body: Record<string, any>;
  /** Fake time at which the request was sent. */
  at: number;
  signal: AbortSignal | undefined;
}

export type Respond = (call: UpstreamCall, index: number) => Response | Promise<Response>;

export const ok = () => new Response('{"status":"accepted"}', { status: 200, headers: { 'content-type': 'application/json' } });
export const status = (code: number, body: unknown = { message: `status ${code}` }, headers?: Record<string, string>) =>
  new Response(JSON.stringify(body), { status: code, headers: { 'content-type': 'application/json', ...headers } });

/** A `fetch` standing in for Regal: answers with `respond`, honours abort signals. */
export function fakeUpstream(clock: FakeClock, respond: Respond = () => ok()) {
  const calls: UpstreamCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const text = String(init?.body);
    const call: UpstreamCall = { url: String(input), method: init?.method, headers: new Headers(init?.headers), text, body: JSON.parse(text), at: clock.now(), signal: init?.signal ?? undefined };
    calls.push(call);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await new Promise<Response>((resolve, reject) => {
        const signal = init?.signal;
        if (signal?.aborted) return reject(new DOMException('aborted', 'AbortError'));
        signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')), { once: true });
        Promise.resolve(respond(call, calls.length - 1)).then(resolve, reject);
      });
    } finally {
      inFlight--;
    }
  };
  return {
    fetch: fakeFetch as typeof fetch,
    calls,
    /** messageIds are stripped upstream, so tests tag events with `properties.n`. */
    names: () => calls.map((call) => call.body.name as string),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A valid relay event; `name` doubles as a tag the tests can find upstream. Its phone is
 * derived from its userId: events of different userIds are different visitors (sharing a
 * phone would make them one, see visitor-groups).
 */
export function event(messageId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const userId = (overrides.userId as string | undefined) ?? 'visitor-1';
  return {
    messageId,
    userId,
    traits: { phones: [{ phoneNumber: phoneFor(userId), isPrimary: true }] },
    name: `event ${messageId}`,
    originalTimestamp: '2026-05-24T15:00:00.000Z',
    eventSource: 'Website',
    ...overrides,
  };
}

export function phoneFor(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) % 10_000_000;
  // A number Regal can dial (area code 415, an exchange from 200): an unassigned one
  // (+1 555...) would add a phone warning to every answer.
  return `+1415${2_000_000 + (hash % 8_000_000)}`;
}

export interface PostInit {
  contentType?: string | null;
  origin?: string;
  headers?: Record<string, string>;
  method?: string;
  url?: string;
}

export function relayRequest(body: unknown, init: PostInit = {}): Request {
  const headers = new Headers(init.headers);
  const contentType = init.contentType === undefined ? 'text/plain;charset=UTF-8' : init.contentType;
  if (contentType !== null) headers.set('content-type', contentType);
  if (init.origin) headers.set('origin', init.origin);
  const method = init.method ?? 'POST';
  const hasBody = method !== 'GET' && method !== 'HEAD' && body !== undefined;
  return new Request(init.url ?? 'https://shop.example/regal', {
    method,
    headers,
    body: hasBody ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
  });
}

/**
 * A relay on a fake clock and a fake upstream; `random` is 0.5 so backoff is predictable.
 * Pacing is off unless a test sets `rateLimitPerSecond` (paced sends wait on the fake clock).
 */
export function setup(options: Partial<RelayOptions> & { respond?: Respond } = {}) {
  const { respond, ...overrides } = options;
  const clock = createFakeClock();
  const upstream = fakeUpstream(clock, respond);
  const errors: ForwardErrorInfo[] = [];
  const relay = createRelay({
    apiKey: 'test-regal-key',
    fetch: upstream.fetch,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    rateLimitPerSecond: Infinity,
    onForwardError: (info) => errors.push(info),
    ...overrides,
  });
  const post = (body: unknown, init?: PostInit, clientIp = '203.0.113.7') => relay(relayRequest(body, init), { clientIp });
  return { relay, clock, upstream, errors, post };
}
