/**
 * What relay instances share: the small interface behind the relay's guarantees when it
 * runs as several instances (behind a load balancer, in serverless functions). Two
 * implementations: `createMemoryState()` (one process, the default) and
 * `createRedisState()`. Another store plugs in by implementing these methods; each must
 * be atomic on its own (see the README for an HTTP Redis such as Upstash).
 *
 * Every method may reject (store down, timeout): the relay then answers `retry` and
 * reports the failure through `onForwardError`; it never forwards unguarded.
 *
 * The per-client limits and the bot-verification ledger live here too (`limits`), so that
 * one store carries everything instances must agree on: a site plugs in one client (or one
 * implementation) and the limits count across instances with the dedupe and the schedule.
 * They are a member of their own rather than more methods on this interface because their
 * contract (GCRA buckets and all-or-none admission into windows of distinct members, on the
 * caller's clock) is the limits' own, tested by its own contract suite.
 */
import type { TokenLedger } from '../bot-verification/verify-consent';
import type { LimitState } from '../limits/limit-state';

/** Whether this instance may forward a messageId now. */
export type ClaimResult =
  /** Claimed by this call: forward it, then `markForwarded` or `release`. */
  | 'claimed'
  /** Another instance holds a claim on it right now: answer `retry`. */
  | 'held'
  /** Forwarded already (within the dedupe window): answer `accepted`. */
  | 'forwarded';

export interface RelayState {
  /**
   * Atomically claims `messageId` for `ttlMs` unless it is claimed or forwarded. The claim
   * expires by itself, so a crashed instance never blocks an event for good. `token`
   * identifies the claimer (for `release`).
   */
  claim(messageId: string, token: string, ttlMs: number): Promise<ClaimResult>;
  /** Marks `messageId` forwarded for `windowMs` (replacing the claim). */
  markForwarded(messageId: string, windowMs: number): Promise<void>;
  /** Drops this claimer's claim (the forward failed); leaves a mark or another's claim alone. */
  release(messageId: string, token: string): Promise<void>;
  /**
   * Reserves the next send time on the account's one schedule (one request every
   * `intervalMs`, after any pause): resolves the ms to wait before sending, or `undefined`,
   * reserving nothing, when that would be `maxWaitMs` or more.
   *
   * The wait counts from the moment the promise resolves, and is negative when the turn
   * has already passed by then (the reply was read late). The relay sends within one
   * interval of the turn or takes a new one: that is what keeps any 1 s window within
   * rate + 1 requests when a process stalls.
   */
  reserve(intervalMs: number, maxWaitMs: number): Promise<number | undefined>;
  /** Pauses every instance for `ms` from now (a 429's Retry-After). Never shortens a pause. */
  pause(ms: number): Promise<void>;
  /** ms left of the current pause; 0 when not paused. */
  pauseLeft(): Promise<number>;
  /**
   * The counters of the per-client limits and the ledger of verified bot tokens, in the same
   * store (same connection, key prefix and timeout). Their methods may reject like the others.
   */
  readonly limits: LimitState & TokenLedger;
  /** Whether the store answers right now (for health checks). Never rejects. */
  ping(): Promise<boolean>;
  /** Releases connections the state opened itself. */
  close(): Promise<void>;
  /**
   * `false` for a state only this process sees (memory): the relay's own in-process pacer
   * is then the schedule, and `reserve` is not called.
   */
  readonly shared: boolean;
}
