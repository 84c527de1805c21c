import { createMemoryTokenLedger } from '../bot-verification/memory-token-ledger';
import { createMemoryLimitState } from '../limits/memory-limit-state';
import type { ClaimResult, RelayState } from './relay-state';

export interface MemoryStateOptions {
  /**
   * Most messageIds remembered (claimed or forwarded); the oldest are forgotten first.
   * Default 100 000 (about 10 MB): at Regal's full 300 events/s, the last ~5.5 minutes.
   */
  maxEntries?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

const FORWARDED = '';

/**
 * The shared state of one process: today's behaviour, zero setup. Instances in other
 * processes do not see it; use `createRedisState` for those.
 *
 * @example
 * const relay = createRelay({ apiKey, state: createMemoryState({ maxEntries: 500_000 }) })
 */
export function createMemoryState(options: MemoryStateOptions = {}): RelayState {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  if (!(maxEntries >= 1)) throw new RangeError(`createMemoryState: maxEntries must be at least 1, got ${maxEntries}`);
  // messageId → claim token ('' once forwarded) and expiry, oldest first.
  const ids = new Map<string, { token: string; expiry: number }>();
  let nextFree = -Infinity;
  let pausedUntil = -Infinity;

  const live = (messageId: string, t: number) => {
    const entry = ids.get(messageId);
    if (entry === undefined || entry.expiry > t) return entry;
    ids.delete(messageId);
    return undefined;
  };
  const put = (messageId: string, token: string, ttlMs: number) => {
    const t = now();
    ids.delete(messageId); // re-inserted at the back: the newest again
    ids.set(messageId, { token, expiry: t + ttlMs });
    for (const [id, entry] of ids) {
      if (entry.expiry > t && ids.size <= maxEntries) break;
      ids.delete(id);
    }
  };

  return {
    shared: false,
    limits: { ...createMemoryLimitState(), ...createMemoryTokenLedger(now) },
    async claim(messageId, token, ttlMs): Promise<ClaimResult> {
      const entry = live(messageId, now());
      if (entry) return entry.token === FORWARDED ? 'forwarded' : 'held';
      put(messageId, token, ttlMs);
      return 'claimed';
    },
    async markForwarded(messageId, windowMs) {
      put(messageId, FORWARDED, windowMs);
    },
    async release(messageId, token) {
      if (live(messageId, now())?.token === token && token !== FORWARDED) ids.delete(messageId);
    },
    async reserve(intervalMs, maxWaitMs) {
      const t = now();
      const sendAt = Math.max(t, nextFree, pausedUntil);
      if (sendAt - t >= maxWaitMs) return undefined;
      nextFree = sendAt + intervalMs;
      return sendAt - t;
    },
    async pause(ms) {
      const until = now() + ms;
      if (until <= pausedUntil) return;
      pausedUntil = until;
      nextFree = Math.max(nextFree, until);
    },
    async pauseLeft() {
      return Math.max(0, pausedUntil - now());
    },
    async ping() {
      return true;
    },
    async close() {},
  };
}
