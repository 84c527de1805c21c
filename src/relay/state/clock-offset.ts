/**
 * Places a reading of the store's clock on this process's clock, so that a turn the store
 * hands out ("send at its `now` + wait") is known in local time however late its reply
 * was read. A reply read late (an event loop busy with other work, a GC pause, a CPU shared
 * with other processes) would otherwise make a turn that has already passed look like one
 * that starts now, and the request would leave in a later request's turn.
 *
 * Each call bounds the offset between the clocks: the store read its clock after the call
 * was sent and before its reply was read. The narrowest recent bound (a fast call) gives
 * the estimate; each call's own bound still holds it (the clocks may have been stepped
 * since), and the estimate is renewed every `maxAgeMs` to follow the clocks' drift.
 */
export interface ClockOffset {
  /**
   * Records one call (local `sentAt` and `readAt`, the store's `storeNow` in whole ms) and
   * answers the local time at which the store read `storeNow`.
   */
  toLocal(sentAt: number, storeNow: number, readAt: number): number;
}

/**
 * @example
 * const clock = createClockOffset()
 * const sent = performance.now(); const [wait, redisNow] = await reserve(); const read = performance.now()
 * const localTurn = clock.toLocal(sent, redisNow, read) + wait
 */
export function createClockOffset(maxAgeMs = 10_000): ClockOffset {
  let best: { low: number; high: number; at: number } | undefined;
  return {
    toLocal(sentAt, storeNow, readAt) {
      // local = store + offset. The store's ms are floored: its clock read somewhere in
      // [storeNow, storeNow + 1), at a local time in [sentAt, readAt].
      const low = sentAt - storeNow - 1;
      const high = readAt - storeNow;
      if (best === undefined || high - low <= best.high - best.low || readAt - best.at > maxAgeMs) best = { low, high, at: readAt };
      const offset = Math.min(high, Math.max(low, (best.low + best.high) / 2));
      return storeNow + offset;
    },
  };
}
