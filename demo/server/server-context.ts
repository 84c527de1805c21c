/**
 * What the route handlers share: the configuration after defaults, and the mutable parts
 * of the server (record, rate limiter, counters, faults). One object, passed explicitly,
 * so each handler file says in its signature what it touches.
 */
import type { AllowedOrigins } from './cors';
import type { EventStore } from './event-store';
import type { Faults } from './faults';
import type { RandomSource } from './random';
import type { RateLimiter } from './rate-limiter';
import type { Stats } from './stats';

/** Regal refuses bodies over 64 KB; it is also the browser's keepalive budget. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ServerContext {
  apiKey: string;
  /** The configured limit; `faults.rateLimit` replaces it while set. */
  rateLimitPerSecond: number;
  allowedOrigins: AllowedOrigins;
  bodyTimeoutMs: number;
  store: EventStore;
  limiter: RateLimiter;
  stats: Stats;
  random: RandomSource;
  /** Replaced as a whole by `POST /_stub/faults`. */
  faults: Faults;
  /** Aborted when the server closes, so waits (injected latency) end with it. */
  signal: AbortSignal;
}

/** The limit `/events` enforces right now. */
export function effectiveRateLimit(context: ServerContext): number {
  return context.faults.rateLimit ?? context.rateLimitPerSecond;
}
