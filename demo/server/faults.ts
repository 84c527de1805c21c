/**
 * Fault injection for `/events`, so the SDK's retry, backoff and loss accounting can be
 * exercised against a misbehaving "Regal": a share of requests answered with an error, a
 * share of connections cut without an answer, added latency, a lower rate limit.
 */
import { z } from 'zod';
import type { RandomSource } from './random';

/** The body of `POST /_stub/faults`. Strict, so a typo (`errorrate`) is refused, not ignored. */
export const FaultsSchema = z.strictObject({
  /** Share of requests (0..1) answered with `errorStatus` and not recorded. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Status of the injected errors; 503 when not given. */
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** `Retry-After` of the injected errors, in whole seconds (0: retry at once); 1 when not given. */
  errorRetryAfter: z.number().int().min(0).max(3_600).optional(),
  /** Added before every request is handled. */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Share of requests (0..1) whose connection is destroyed without an answer. */
  dropRate: z.number().min(0).max(1).optional(),
  /** Requests per second that replaces the configured limit while set. */
  rateLimit: z.number().positive().optional(),
});

export type Faults = z.infer<typeof FaultsSchema>;

export const DEFAULT_FAULT_STATUS = 503;

/** What to do to one request. */
export interface FaultPlan {
  drop: boolean;
  latencyMs: number;
  /** The status to answer with instead of handling the request, if any. */
  errorStatus: number | undefined;
  /** Seconds for the injected error's `Retry-After`. */
  errorRetryAfter: number;
}

/**
 * Decides the faults of one request. The random source is only consulted for a rate that
 * is set, so a seeded run makes the same decisions whatever else is configured.
 *
 * @example planFaults({ errorRate: 1 }, Math.random).errorStatus // 503
 */
export function planFaults(faults: Faults, random: RandomSource): FaultPlan {
  const roll = (rate: number | undefined) => rate !== undefined && rate > 0 && random() < rate;
  const drop = roll(faults.dropRate);
  const error = !drop && roll(faults.errorRate);
  return {
    drop,
    latencyMs: faults.latencyMs ?? 0,
    errorStatus: error ? (faults.errorStatus ?? DEFAULT_FAULT_STATUS) : undefined,
    errorRetryAfter: faults.errorRetryAfter ?? 1,
  };
}
