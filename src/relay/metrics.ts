/**
 * Where the relay reports its counters, for a Prometheus exporter or any other sink.
 * Both methods are optional; a sink that throws is ignored.
 *
 * Names (counters unless noted):
 * - `events_accepted`, `events_rejected`, `events_retry`: the answers, per event.
 * - `upstream_requests` `{status}`: requests to Regal by status (`"error"` without answer).
 * - `upstream_429_pauses`: 429s that paused every instance.
 * - `dedupe_hits`: events answered `accepted` because they were forwarded before.
 * - `claims_held_elsewhere`: events answered `retry` because another instance is forwarding them.
 * - `state_errors`: calls to the shared state that failed or timed out.
 * - `turns_missed`: requests that woke more than one interval after their turn on the shared
 *   schedule (a stalled process) and took a new turn rather than leave in another's.
 * - `pacing_wait_ms` (observed): how long a request waited for its turn on the schedule.
 * - `limit_429s` `{limit: 'batches' | 'identities' | 'phone_checks'}`: refusals of the per-client limits.
 * - `events_held_back` `{reason: 'phone_velocity'}`: events held back by phone velocity.
 * - `bot_verifications` `{outcome: 'passed' | 'failed' | 'missing' | 'unavailable' | 'reused'}`.
 * - `phone_warnings` `{code: 'undialable_phone' | 'sms_opt_in_not_mobile'}`: phones of
 *   forwarded events that Regal cannot use (see `onPhoneWarning`).
 * - `phone_checks` `{result: 'valid' | 'undialable'}`: numbers checked at `<relay>/phone-check`.
 *
 * @example
 * createRelay({ apiKey, metrics: { inc: (name, by = 1, labels) => counter(name, labels).inc(by) } })
 */
export interface RelayMetrics {
  inc?(name: string, by?: number, labels?: Record<string, string>): void;
  observe?(name: string, value: number): void;
}

export type RelayCounterName =
  | 'events_accepted'
  | 'events_rejected'
  | 'events_retry'
  | 'upstream_requests'
  | 'upstream_429_pauses'
  | 'dedupe_hits'
  | 'claims_held_elsewhere'
  | 'state_errors'
  | 'turns_missed'
  | 'limit_429s'
  | 'events_held_back'
  | 'bot_verifications'
  | 'phone_warnings'
  | 'phone_checks';

export type RelayObservationName = 'pacing_wait_ms';

/** The counter names above, for exporters that declare them up front. */
export const RELAY_COUNTERS: readonly RelayCounterName[] = ['events_accepted', 'events_rejected', 'events_retry', 'upstream_requests', 'upstream_429_pauses', 'dedupe_hits', 'claims_held_elsewhere', 'state_errors', 'turns_missed', 'limit_429s', 'events_held_back', 'bot_verifications', 'phone_warnings', 'phone_checks'];
