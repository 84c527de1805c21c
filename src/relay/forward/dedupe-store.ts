import type { DedupeStore } from '../types';

export interface MemoryDedupeStoreOptions {
  /**
   * Most messageIds remembered; the oldest are forgotten first. Default 100 000 (about
   * 10 MB). At Regal's full 300 events/s that covers the last ~5.5 minutes of traffic, which
   * is what matters for the SDK's retries; use a shared store for a full 24 h window.
   */
  maxEntries?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * An in-process dedupe store: a Map of messageId to expiry time, oldest first.
 *
 * Every entry shares the relay's TTL, so insertion order is also expiry order: expired ids
 * are swept from the front on each `add` (amortised O(1)), and when the cap is reached the
 * oldest id goes first. `has` does not refresh an entry: the window starts at forwarding.
 *
 * @example
 * const relay = createRelay({ apiKey, dedupe: createMemoryDedupeStore({ maxEntries: 500_000 }) })
 */
export function createMemoryDedupeStore(options: MemoryDedupeStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  if (!(maxEntries >= 1)) throw new RangeError(`createMemoryDedupeStore: maxEntries must be at least 1, got ${maxEntries}`);
  const expiries = new Map<string, number>();

  return {
    has(messageId) {
      const expiry = expiries.get(messageId);
      if (expiry === undefined) return false;
      if (expiry > now()) return true;
      expiries.delete(messageId);
      return false;
    },
    add(messageId, ttlMs) {
      const t = now();
      expiries.delete(messageId); // re-insert at the back: it is the newest again
      expiries.set(messageId, t + ttlMs);
      for (const [id, expiry] of expiries) {
        if (expiry > t && expiries.size <= maxEntries) break;
        expiries.delete(id);
      }
    },
  };
}
