import { localStore } from '../lib/local-storage';

/**
 * One sending tab at a time. With the Web Locks API the lock dies with its tab, so a tab
 * closed mid-send never leaves the queue stuck. Without it (Safari < 15.4), a lease in
 * localStorage that expires on its own plays the same part.
 *
 * Resolves true if `fn` ran, false if another tab holds the lock.
 */
export async function withTabLock(name: string, tabId: string, now: () => number, fn: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis.navigator as (Navigator & { locks?: LockManager }) | undefined)?.locks;
  if (locks?.request) return locks.request(name, { ifAvailable: true }, async (lock) => !!lock && (await fn(), true));
  // No shared storage (sandboxed iframe): no other tab can share our queue either.
  const storage = localStore();
  try {
    const [owner, until] = (storage?.getItem(name) || '').split(' ');
    if (owner && owner != tabId && +until > now()) return false;
    storage?.setItem(name, `${tabId} ${now() + LEASE_MS}`);
  } catch {}
  try {
    await fn();
  } finally {
    try {
      if (storage?.getItem(name)?.startsWith(tabId)) storage.removeItem(name);
    } catch {}
  }
  return true;
}

// A send round takes seconds at most (the relay answers within its forward budget); a lease
// older than this belongs to a tab that died.
const LEASE_MS = 30_000;
