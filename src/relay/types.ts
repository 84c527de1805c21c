import type { BotVerificationOptions } from './bot-verification/bot-verification-options';
import type { ClientLimitOptions } from './limits/client-limit-options';

/**
 * The public types of the relay. Kept apart from the implementation so that the adapters,
 * the tests and a site owner's own glue code can depend on the shape alone.
 */

import type { VisitorCookieOptions } from './receive/visitor-cookie';
import type { PhoneWarning } from './phones/phone-warnings';

/**
 * Remembers which messageIds were forwarded (upstream answered 200), so that a retried
 * batch never creates a second event at Regal. Replace the in-memory default with a shared
 * store when several relay instances run behind a load balancer.
 *
 * @example
 * // Redis (ioredis): SET with PX keeps the entry for the dedupe window.
 * const dedupe: DedupeStore = {
 *   has: async (id) => (await redis.exists(`regal:${id}`)) === 1,
 *   add: async (id, ttlMs) => { await redis.set(`regal:${id}`, '1', 'PX', ttlMs); },
 * };
 */
export interface DedupeStore {
  has(messageId: string): boolean | Promise<boolean>;
  add(messageId: string, ttlMs: number): void | Promise<void>;
}

import type { RelayMetrics } from './metrics';
import type { RelayState } from './state/relay-state';

/** What the hosting server knows about the request that a web `Request` does not carry. */
export interface RelayRequestInfo {
  /** The peer address of the connection (e.g. `socket.remoteAddress`). */
  clientIp?: string;
}

/** A web-standard request handler: `(Request) => Promise<Response>`. It never rejects. */
export type RelayHandler = (request: Request, info?: RelayRequestInfo) => Promise<Response>;

/** What `createRelay` returns: the handler, and `close` for a graceful stop. */
export interface Relay extends RelayHandler {
  /**
   * Stops forwarding and resolves once every request to Regal already sent has its answer
   * and its record in the state; events still waiting for their turn are answered `retry`.
   * Call it on shutdown, after the server stopped taking batches and before closing the
   * state: a process that exits with a request in flight loses the record that it was
   * forwarded, and the browser's resend would reach Regal twice. Never rejects.
   *
   * @example
   * process.on('SIGTERM', () => server.close(async () => { await relay.close(); await state.close(); process.exit(0) }))
   */
  close(): Promise<void>;
}

/** One failed upstream attempt (or a failure around it), for logs and metrics. */
export interface ForwardErrorInfo {
  /** The event's messageId; `''` for a failure that concerns the whole request. */
  messageId: string;
  /** 1 for the first upstream attempt of this event in this batch; 0 when none was made. */
  attempt: number;
  /** The upstream HTTP status, when there was an answer. */
  status?: number;
  /** The thrown error (network failure, timeout, dedupe store failure, internal error). */
  error?: unknown;
  /** What went wrong, e.g. `upstream 503: Service Unavailable`. */
  reason: string;
  /** True when the relay tries this event again within the current batch's time budget. */
  willRetry: boolean;
}

export interface RelayOptions {
  /** Your Regal API key. Sent bare in `Authorization` upstream; never reaches the browser. */
  apiKey: string;
  /** Regal's ingest URL. Default `https://events.regalvoice.com/events`. */
  upstream?: string;
  /**
   * Origins (like `https://www.example.com`) whose pages may post to the relay, in addition
   * to the relay's own origin, or `'*'` for any. Default: same origin only. A request whose
   * `Origin` is not allowed is answered 403. Requests without `Origin` (server-to-server,
   * some beacons) are always allowed: the check stops other web sites, not scripts.
   */
  allowedOrigins?: string[] | '*';
  /**
   * Upstream requests per second for this relay instance. Default 300 (Regal's limit per
   * account): divide it by the number of instances you run. `Infinity` disables pacing.
   */
  rateLimitPerSecond?: number;
  /** Upstream requests in flight at once. Default 32. */
  concurrency?: number;
  /** Largest accepted request body in bytes. Default 512 KB; beyond it 413. */
  maxBodyBytes?: number;
  /** Most events in one batch. Default 500; beyond it 413. */
  maxBatchEvents?: number;
  /**
   * Time budget in ms to forward one batch, retries included. Default 10 000. Events not
   * finished by then are answered as `retry` (the browser sends them again later).
   */
  forwardTimeoutMs?: number;
  /**
   * Timeout of one upstream request in ms. Default 5 000. A request still running when
   * the batch's budget ends is not cut short: its event is answered `retry`, and a resend
   * waits for this request's outcome rather than sending the event a second time.
   */
  upstreamTimeoutMs?: number;
  /**
   * What relay instances share: claims on messageIds (never forwarded twice), the
   * account's one upstream schedule, pauses after a 429, and the per-client limits' counts
   * (so instances on one Redis share one allowance per client). Default `createMemoryState()`
   * (this process only); `createRedisState({ url })` for several instances or serverless.
   */
  state?: RelayState;
  /** Counters and observations for a metrics exporter (names in `RelayMetrics`). */
  metrics?: RelayMetrics;
  /**
   * The older, check-then-add dedupe store: when set, it is used instead of the state's
   * claims. It races between instances (`has`, then `add`); prefer `state`.
   */
  dedupe?: DedupeStore;
  /** How long a forwarded messageId is remembered, in ms. Default 24 h. */
  dedupeWindowMs?: number;
  /**
   * Take the client address from `X-Forwarded-For`: `true` trusts every proxy (the leftmost
   * entry), a number n trusts the n proxies closest to the relay (the n-th entry from the
   * right). Default `false`: the connection's peer address. Only enable it behind proxies
   * that set the header, or clients can choose the IP recorded with their consent.
   */
  trustProxy?: boolean | number;
  /**
   * The HTTP client used upstream. Default on Node: `node:http(s)` with keep-alive, which
   * sustains several times the request rate of Node's global `fetch`; elsewhere the global
   * `fetch`. Inject one for tests or for runtimes without `node:http`.
   */
  fetch?: typeof fetch;
  /** Clock in ms since the epoch (Retry-After dates are compared to it). Default `Date.now`. */
  now?: () => number;
  /** Random number in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Waits `ms`. The relay passes a `signal` when it may cancel the wait (a timer it no longer
   * needs); honouring it is optional, and a cancelled wait may simply never resolve.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called for every failed upstream attempt and for unexpected errors. Must not throw (errors are ignored). */
  onForwardError?: (info: ForwardErrorInfo) => void;
  /**
   * Called for each phone the relay warns about in its answer (a number Regal cannot dial,
   * an SMS opt-in on a number that cannot receive texts), for logs and alerts. The event
   * was forwarded all the same. `warning.phoneNumber` is personal data: keep it out of
   * logs. Must not throw (errors are ignored).
   */
  onPhoneWarning?: (warning: PhoneWarning) => void;
  /**
   * Per-client limits (by client IP, see `trustProxy`): batches per minute (600), phone
   * numbers and emails not seen before from one IP per minute (20) and per hour (200), and
   * client IPs per phone number per hour (5). Over the first three: 429 with `Retry-After`
   * (the browser keeps its events and sends them later). A phone named from more IPs: its
   * events are `rejected` (held back). `false` turns them all off; `Infinity` one of them.
   */
  limits?: ClientLimitOptions | false;
  /**
   * Verify the bot-verification widget on your lead forms before forwarding any event that
   * carries an opt-in: `{ provider: 'turnstile' | 'recaptcha' | 'hcaptcha', secret }`, or a
   * verifier of your own `{ verify(token, ip) }`. Off by default.
   */
  botVerification?: BotVerificationOptions;
  /**
   * Renew the browser SDK's visitor cookie in every answer to a POST (`Set-Cookie`, one
   * year), so that Safari's 7-day cap on cookies written by scripts does not forget a
   * returning visitor. `domain`: where the SDK keeps it (its `cookieDomain`), e.g.
   * `example.com`. Default: off.
   */
  visitorCookie?: VisitorCookieOptions;
}
