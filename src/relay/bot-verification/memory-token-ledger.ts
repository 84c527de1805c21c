import type { TokenLedger } from './verify-consent';

/**
 * `TokenLedger` in one process's memory: a Map of key to value and expiry, swept of
 * expired entries as it is used.
 */
export function createMemoryTokenLedger(now: () => number): TokenLedger {
  const entries = new Map<string, { value: string; expires: number }>();
  let operations = 0;
  const live = (key: string) => {
    const t = now();
    if (++operations % 1_000 === 0) for (const [k, entry] of entries) if (entry.expires <= t) entries.delete(k);
    const entry = entries.get(key);
    if (entry && entry.expires <= t) entries.delete(key);
    return entry && entry.expires > t ? entry : undefined;
  };
  return {
    async claim(key, value, ttlMs) {
      const entry = live(key);
      if (entry) return entry.value;
      entries.set(key, { value, expires: now() + ttlMs });
      return null;
    },
    async put(key, value, ttlMs) {
      entries.set(key, { value, expires: now() + ttlMs });
    },
    async drop(key) {
      entries.delete(key);
    },
  };
}
