/**
 * Timeouts of upstream requests, all on one timer.
 *
 * An AbortController, a timer and an abort listener per request cost more CPU than
 * anything else the relay does per event besides the HTTP request itself (profiled at
 * 5 000 events/s: ~13%, most of it `DOMException`s and listener bookkeeping). Here a
 * request costs a Set entry; one timer sleeps until the earliest deadline, and since most
 * requests finish long before theirs, it wakes about once per `upstreamTimeoutMs`.
 */
export interface TimeoutEntry {
  readonly at: number;
  readonly expire: () => void;
}

export interface Timeouts {
  /** Calls `expire` at time `at` (engine clock) unless `unwatch`ed first. */
  watch(at: number, expire: () => void): TimeoutEntry;
  unwatch(entry: TimeoutEntry): void;
}

/**
 * @example
 * const entry = timeouts.watch(now() + 5_000, () => request.abort())
 * try { await request.response } finally { timeouts.unwatch(entry) }
 */
export function createTimeouts(now: () => number, sleep: (ms: number, signal?: AbortSignal) => Promise<void>): Timeouts {
  const watched = new Set<TimeoutEntry>();
  let wakeAt = Infinity;
  let wakeTimer: AbortController | undefined;

  const arm = (at: number) => {
    wakeTimer?.abort('rearmed'); // a string reason: abort() alone builds a DOMException
    const timer = (wakeTimer = new AbortController());
    wakeAt = at;
    sleep(Math.max(0, at - now()), timer.signal).then(() => {
      if (timer === wakeTimer) wake();
    }, wake);
  };

  const wake = () => {
    wakeTimer = undefined;
    wakeAt = Infinity;
    const t = now();
    let next = Infinity;
    for (const entry of watched) {
      if (entry.at <= t) {
        watched.delete(entry);
        entry.expire();
      } else if (entry.at < next) next = entry.at;
    }
    if (next !== Infinity) arm(next);
  };

  return {
    watch(at, expire) {
      const entry = { at, expire };
      watched.add(entry);
      if (at < wakeAt) arm(at);
      return entry;
    },
    unwatch(entry) {
      // The timer is left as it is: waking once for nothing is cheaper than re-arming.
      watched.delete(entry);
    },
  };
}
