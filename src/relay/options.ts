import type { RelayMetrics } from './metrics';
import { createMemoryState } from './state/memory-state';
import type { RelayState } from './state/relay-state';
import { sleep as realSleep } from './lib/sleep';
import { toOriginAllowList, type OriginAllowList } from './receive/origin';
import type { DedupeStore, ForwardErrorInfo, RelayOptions } from './types';
import type { PhoneWarning } from './phones/phone-warnings';
import { resolveBotVerification, type BotVerificationConfig } from './bot-verification/bot-verification-options';
import { resolveClientLimits, type ClientLimits } from './limits/client-limit-options';
import { resolveVisitorCookie, type VisitorCookieConfig } from './receive/visitor-cookie';

export const DEFAULT_UPSTREAM = 'https://events.regalvoice.com/events';
export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;

/** `RelayOptions` with every default filled in and every value checked. */
export interface RelayConfig {
  apiKey: string;
  upstream: string;
  allowList: OriginAllowList;
  rateLimitPerSecond: number;
  concurrency: number;
  maxBodyBytes: number;
  maxBatchEvents: number;
  forwardTimeoutMs: number;
  upstreamTimeoutMs: number;
  state: RelayState;
  metrics: RelayMetrics | undefined;
  /** The older dedupe store, when one was passed (then used instead of claims). */
  dedupe: DedupeStore | undefined;
  dedupeWindowMs: number;
  trustProxy: boolean | number;
  fetch: typeof fetch | undefined;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onForwardError: ((info: ForwardErrorInfo) => void) | undefined;
  onPhoneWarning: ((warning: PhoneWarning) => void) | undefined;
  limits: ClientLimits;
  botVerification: BotVerificationConfig | undefined;
  visitorCookie: VisitorCookieConfig | undefined;
}

/**
 * Fills in defaults and fails fast, at startup, with a message that says which option is
 * wrong and what it should be: a misconfigured relay must not start and drop events later.
 */
export function resolveOptions(options: RelayOptions): RelayConfig {
  if (options === null || typeof options !== 'object') throw new TypeError('createRelay: pass an options object, e.g. createRelay({ apiKey: process.env.REGAL_API_KEY })');
  const { apiKey } = options;
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new TypeError('createRelay: apiKey is required: your Regal API key (from Regal support), read on the server, e.g. process.env.REGAL_API_KEY');
  }
  const upstream = options.upstream ?? DEFAULT_UPSTREAM;
  try {
    const url = new URL(upstream);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw new TypeError(`createRelay: upstream must be an http(s) URL, got ${JSON.stringify(upstream)}`);
  }
  const now = options.now ?? Date.now;
  return {
    apiKey,
    upstream,
    allowList: toOriginAllowList(options.allowedOrigins),
    rateLimitPerSecond: positive('rateLimitPerSecond', options.rateLimitPerSecond ?? 300, true),
    concurrency: integer('concurrency', options.concurrency ?? 32, true),
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, false),
    maxBatchEvents: integer('maxBatchEvents', options.maxBatchEvents ?? 500, false),
    forwardTimeoutMs: positive('forwardTimeoutMs', options.forwardTimeoutMs ?? 10_000, false),
    upstreamTimeoutMs: positive('upstreamTimeoutMs', options.upstreamTimeoutMs ?? 5_000, false),
    state: relayState(options.state, now),
    metrics: options.metrics,
    dedupe: options.dedupe,
    dedupeWindowMs: positive('dedupeWindowMs', options.dedupeWindowMs ?? 24 * 60 * 60 * 1000, false),
    trustProxy: trustProxy(options.trustProxy ?? false),
    fetch: options.fetch,
    now,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? realSleep,
    onForwardError: options.onForwardError,
    onPhoneWarning: options.onPhoneWarning,
    limits: resolveClientLimits(options.limits),
    botVerification: resolveBotVerification(options.botVerification, options.fetch),
    visitorCookie: resolveVisitorCookie(options.visitorCookie),
  };
}

function positive(name: string, value: number, infinityAllowed: boolean): number {
  if (typeof value !== 'number' || !(value > 0) || (!infinityAllowed && !Number.isFinite(value))) {
    throw new RangeError(`createRelay: ${name} must be a positive number${infinityAllowed ? ' (or Infinity)' : ''}, got ${String(value)}`);
  }
  return value;
}

function integer(name: string, value: number, infinityAllowed: boolean): number {
  positive(name, value, infinityAllowed);
  if (Number.isFinite(value) && !Number.isInteger(value)) throw new RangeError(`createRelay: ${name} must be a whole number, got ${value}`);
  return value;
}

function relayState(state: RelayState | undefined, now: () => number): RelayState {
  if (state === undefined) return createMemoryState({ now });
  // A state without the limits' counters would leave the relay counting nothing.
  if (state === null || typeof state !== 'object' || typeof state.claim !== 'function' || state.limits == null || typeof state.limits.hit !== 'function') {
    throw new TypeError('createRelay: state must be a RelayState, e.g. createRedisState({ url }) or createMemoryState(), with its limits (see RelayState in the README)');
  }
  return state;
}

function trustProxy(value: boolean | number): boolean | number {
  if (typeof value === 'boolean' || (Number.isInteger(value) && value >= 0)) return value;
  throw new RangeError(`createRelay: trustProxy must be true, false or the number of proxies in front of the relay, got ${String(value)}`);
}
