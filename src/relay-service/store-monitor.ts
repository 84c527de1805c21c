/**
 * Whether the shared state store answers, for `/healthz`, the `store_up` gauge and the
 * `store_down` / `store_up` log lines. The store is pinged in the background (so a
 * transition is logged even when nobody asks) and on every health check.
 */
import { errorMessage, type Logger } from './json-logger';

export interface PingableStore {
  /** Resolves when the store answers; rejects (or resolves `false`) when it does not. */
  ping(): Promise<unknown>;
}

export interface StoreMonitor {
  /** Pings now (at most `timeoutMs`); true when the store answered. */
  check(): Promise<boolean>;
  /** The outcome of the last ping. */
  readonly up: () => boolean;
  stop(): void;
}

export function createStoreMonitor(store: PingableStore, log: Logger, { intervalMs = 2_000, timeoutMs = 1_000 } = {}): StoreMonitor {
  let up = true;
  let since = Date.now();
  const set = (now: boolean, error?: unknown) => {
    if (now === up) return;
    const downMs = Date.now() - since;
    up = now;
    since = Date.now();
    if (now) log('info', 'store_up', { downMs });
    else log('error', 'store_down', { error: errorMessage(error) });
  };
  const check = async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const answer = await Promise.race([store.ping(), timeout]);
      if (answer === false) throw new Error('ping answered false');
      set(true);
    } catch (error) {
      set(false, error);
    } finally {
      clearTimeout(timer);
    }
    return up;
  };
  const interval = setInterval(() => void check(), intervalMs);
  interval.unref();
  void check();
  return { check, up: () => up, stop: () => clearInterval(interval) };
}
