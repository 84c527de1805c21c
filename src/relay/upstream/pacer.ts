/**
 * Upstream pacing: one shared schedule per relay instance, so that all batches together
 * stay within Regal's per-account rate (300 requests/s, 429 beyond).
 *
 * It is a token bucket of depth one (GCRA): each request reserves the next free send time,
 * one interval after the previous reservation. A burst therefore leaves as an even stream
 * and any one-second window holds at most `rate + 1` requests, whatever window Regal counts
 * in. A 429 pauses every sender (`pauseUntil`), not only the event that met it: the limit is
 * per account, so the next request would meet it too.
 */
export interface Pacer {
  /**
   * Waits for this request's send time. Resolves `false`, without reserving anything, when
   * that time would not come before `deadline`: the caller answers `retry` right away
   * instead of sleeping past its budget.
   */
  take(deadline: number): Promise<boolean>;
  /** Holds every sender until `until` (ms, same clock as `now`). Never shortens a pause. */
  pauseUntil(until: number): void;
  /** ms left of the current pause; 0 when not paused. */
  pauseLeft(): number;
}

export interface PacerOptions {
  /** Requests per second; `Infinity` for no pacing (pauses still apply). */
  ratePerSecond: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * @example
 * const pacer = createPacer({ ratePerSecond: 300, now: Date.now, sleep })
 * if (await pacer.take(deadline)) send()
 */
export function createPacer({ ratePerSecond, now, sleep }: PacerOptions): Pacer {
  const interval = Number.isFinite(ratePerSecond) ? 1000 / ratePerSecond : 0;
  let nextFree = -Infinity; // the theoretical arrival time of GCRA
  let pausedUntil = -Infinity;

  return {
    async take(deadline) {
      for (;;) {
        const t = now();
        const sendAt = Math.max(t, nextFree, pausedUntil);
        if (sendAt >= deadline) return false;
        nextFree = sendAt + interval;
        if (sendAt <= t) return true;
        await sleep(sendAt - t);
        const woke = now();
        // A 429 met while we slept extends the pause: queue again behind it.
        if (woke < pausedUntil) continue;
        // Woken more than one interval after its turn (a GC pause, a busy or starved
        // process: every timer due meanwhile fires at once): sent now, it would share a
        // later request's turn, and the senders of a stall would leave as one burst. A new
        // turn spreads them out again. Within one interval it still fits the bound: turns
        // one interval apart, each up to an interval late, put at most rate + 1 in any 1 s.
        if (interval > 0 && woke - sendAt > interval) continue;
        return true;
      }
    },
    pauseUntil(until) {
      if (until <= pausedUntil) return;
      pausedUntil = until;
      // Restart the schedule at the end of the pause, so that waiting senders leave at the
      // configured rate then and not as one burst.
      nextFree = Math.max(nextFree, until);
    },
    pauseLeft() {
      return Math.max(0, pausedUntil - now());
    },
  };
}
