/**
 * The two counters the per-client limits need from the relay's shared state. Both are
 * atomic (one Lua script on Redis), and both take the time from the caller, so that every
 * instance counts on the same clock as its own decisions (and tests can move it).
 */

/** The answer of a counter: allowed, or refused with the wait until it would be allowed. */
export interface LimitAnswer {
  readonly allowed: boolean;
  /** When refused: ms until a request would be allowed (at least 1). 0 when allowed. */
  readonly retryAfterMs: number;
}

/** One window over a set of distinct members: at most `limit` members seen within `windowMs`. */
export interface MemberWindow {
  readonly key: string;
  readonly windowMs: number;
  readonly limit: number;
}

/**
 * Limits on first sightings: members seen within `knownMs` (under `knownKey`) are known and
 * free; the others are new, and at most `limit` new ones may arrive per window (their first
 * sightings are kept under `newKey`). Windows must not be longer than `knownMs`.
 */
export interface FirstSightings {
  readonly knownKey: string;
  readonly knownMs: number;
  readonly newKey: string;
  readonly windows: ReadonlyArray<{ readonly windowMs: number; readonly limit: number }>;
}

export interface LimitState {
  /**
   * Counts one request under `key` against `limit` per `windowMs`, as a bucket of `limit`
   * requests that refills continuously (GCRA): a burst of `limit` at once, then one every
   * `windowMs / limit`. A refused request is not counted.
   */
  hit(key: string, windowMs: number, limit: number, now: number): Promise<LimitAnswer>;
  /**
   * Admits `members` into every window's set, or into none: a member already in a set
   * (seen within its window) is free and its time refreshed; the others count, and a window
   * that would then hold more than its `limit` refuses them all. Refused members are not
   * added.
   */
  admit(windows: readonly MemberWindow[], members: readonly string[], now: number): Promise<LimitAnswer>;
  /**
   * Admits `members` (all or none) when their new ones (see `FirstSightings`) fit every
   * window; then every member is known as of `now`, and the new ones are recorded as first
   * seen `now`. A refused call changes nothing.
   */
  admitNew(spec: FirstSightings, members: readonly string[], now: number): Promise<LimitAnswer>;
}

export const ALLOWED: LimitAnswer = { allowed: true, retryAfterMs: 0 };
