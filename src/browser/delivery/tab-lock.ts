import { localStore } from '../lib/local-storage';

/**
 * One sending tab at a time. With the Web Locks API the lock dies with its tab, so a tab
 * closed mid-send never leaves the queue stuck. Without it (Safari < 15.4), a lease in
 * localStorage that expires on its own plays the same part. WebKit has had Web Locks since
 * Safari 15.4 (WebKitGTK 2.50, the one tested, has them): two windows of one visitor never send at once there either
 * (test/browser/guarantees/delivery.test.ts, "two tabs", in Chromium and WebKit).
 *
 * Resolves true if `fn` ran, false if another tab holds the lock.
 */
export async function withTabLock(name: string, tabId: string, now: () => number, fn: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis.navigator as (Navigator & { locks?: LockManager }) | undefined)?.locks;
  if (locks?.request) return locks.request(name, { ifAvailable: true }, async (lock) => !!lock && (await fn(), true));
  // No shared storage (sandboxed iframe): no other tab can share our queue either.
  const storage = localStore();
  const lease = () => storage?.setItem(name, `${tabId} ${now() + LEASE_MS}`);
  const ours = () => storage?.getItem(name)?.startsWith(tabId);
  try {
    const [owner, until] = (storage?.getItem(name) || '').split(' ');
    if (owner && owner !== tabId && +until > now()) return false;
    lease();
  } catch {}
  // Renewed while `fn` runs: a round may last longer than one lease (a slow relay, many
  // batches), and another tab must not take it over and send the same events meanwhile.
  const renew = setInterval(() => {
    try {
      if (ours()) lease();
    } catch {}
  }, RENEW_MS);
  try {
    await fn();
  } finally {
    clearInterval(renew);
    try {
      if (ours()) storage!.removeItem(name);
    } catch {}
  }
  return true;
}

// A lease not renewed for this long belongs to a tab that died. Renewals come far more often,
// but a background tab's timers are throttled and may fire tens of seconds late.
const LEASE_MS = 60_000;
const RENEW_MS = 10_000;
