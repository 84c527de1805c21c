/**
 * The flusher: takes stored, releasable events from the queue and gets them delivered.
 *
 * - one round at a time in a tab (a flush asked for during a round runs after it), and one
 *   sending tab at a time across tabs (`withTabLock`);
 * - batches of the oldest events, at most two requests in flight, never two at once for
 *   one visitor (so retries cannot reorder a visitor's events);
 * - on a retryable failure the whole queue pauses (backoff with jitter, or `Retry-After`),
 *   and the pause is stored so that every tab honours it;
 * - events leave the store only once the endpoint confirmed them (or refused them for good).
 */
import type { RelayResult } from '../../wire/schema';
import type { Queue, QueuedRecord } from '../queue/queue';
import type { KeyValueStore } from '../queue/store';
import { retryDelay } from './retry-delay';
import { nextBatch, visitorOf, type BatchLimits } from './batch';
import { deliveryVerdict } from './verdict';
import { isOnline } from './lifecycle';
import { withTabLock } from './tab-lock';
import type { SendOutcome, Transport } from './transport';

export interface FlusherDeps {
  queue: Queue;
  store: KeyValueStore;
  transport: Transport;
  limits: BatchLimits;
  now(): number;
  random(): number;
  tabId: string;
  lockName: string;
  /** Runs under the lock before each round: sync identity from other tabs, release held events. */
  beforeRound(): Promise<void>;
  delivered(records: QueuedRecord[]): void;
  /** Refused for good by the endpoint (status, and the relay's reason when it gave one). */
  rejected(records: QueuedRecord[], status: number, reason: string): void;
  /** A retryable failure (reported, not dropped). */
  failed(status: number, count: number): void;
  /** A delivered event whose phone the relay found Regal cannot use. */
  warned(warning: NonNullable<RelayResult['warnings']>[number]): void;
}

export interface Flusher {
  /** Run a round after `delayMs` (the earliest of pending requests wins). */
  schedule(delayMs: number): void;
  /**
   * Run a round now (or right after the current one); resolves when it ends. With
   * `keepalive`, the rest of a running round and the rerun send with keepalive too.
   */
  flush(keepalive?: boolean): Promise<void>;
  stop(): void;
  /** Whether sending is paused by a backoff, and until when. */
  pausedUntil(): number;
}

export const PAUSE_KEY = 'm:pause';
const MAX_IN_FLIGHT = 2;
// When another tab holds the lock, look again later: it may have closed mid-send.
const LOCK_RETRY_MS = 1000;
const OFFLINE_RECHECK_MS = 10_000;
// Chrome gives all keepalive requests of a page 64 KB together (a bigger body fails at
// once), so a keepalive round sends one request at a time, each within this (a margin, as
// client.ts's unload send). Counted like `bytes`, in UTF-16 units.
const KEEPALIVE_BYTES = 60_000;
// The relay refuses a body over its maxBodyBytes (512 KB by default) in UTF-8 with 413.
// `bytes` counts UTF-16 units and a unit is at most 3 UTF-8 bytes: capping batches at a third
// of the limit, less room for the envelope and commas, costs nothing, where measuring UTF-8
// would serialise every event again each round. A relay with a smaller limit still answers
// 413, and the batch is halved.
const RELAY_BATCH_BYTES = 170_000;

export function createFlusher(d: FlusherDeps): Flusher {
  // Unpacked once: a local name minifies to a letter, `d.queue.` would stay (size budget).
  const { queue, store, now, limits } = d;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Infinity;
  let current: Promise<void> | undefined;
  let again = false;
  // Asked for by any flush of the current run: its rest and its rerun send with keepalive.
  let keepalive = false;
  let stopped = false;
  let pauseUntil = 0;
  let failures = 0;
  let networkFailures = 0;
  const sending = new Set<string>();
  // Batches shrink while the endpoint struggles (fewer events to resend when a batch is
  // only partly taken) and grow back after each clean answer.
  let batchEvents = limits.maxEvents;
  // Under the smallest batch a 413 refused: growing back after a success stops there.
  let largest = limits.maxEvents;

  const schedule = (delayMs: number) => {
    if (stopped) return;
    // setTimeout runs a longer delay (over 2^31 - 1 ms) at once.
    delayMs = Math.min(delayMs, 2 ** 31 - 1);
    const at = now() + delayMs;
    if (timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timerAt = Infinity;
      flush();
    }, delayMs);
  };

  const pause = (status: number, count: number, retryAfterMs?: number) => {
    failures++;
    batchEvents = Math.ceil(batchEvents / 2);
    networkFailures = status ? 0 : networkFailures + 1;
    const wait = Math.max(retryAfterMs || 0, retryDelay(failures, d.random, networkFailures));
    pauseUntil = Math.max(pauseUntil, now() + wait);
    store.setMany([[PAUSE_KEY, pauseUntil]]).catch(() => {});
    d.failed(status, count);
  };

  const settle = (batch: QueuedRecord[], { status, retryAfterMs, result }: SendOutcome) => {
    // 413: the request was too large, not its events; only a single event is refused for good.
    if (status === 413 && batch.length > 1) return void (batchEvents = largest = Math.min(largest, Math.ceil(batch.length / 2)));
    const verdict = deliveryVerdict(status);
    if (verdict === 'retry') return pause(status, batch.length, retryAfterMs);
    if (verdict === 'drop') return queue.remove(batch), d.rejected(batch, status, `HTTP ${status}`);
    failures = networkFailures = 0;
    batchEvents = Math.min(largest, batchEvents * 2);
    // Without the relay's per-event answer, a 2xx takes the whole batch.
    const byId = new Map(batch.map((r) => [r.event.messageId, r]));
    // Each record is taken once; what is left in byId the relay did not name.
    const take = (id: string) => {
      const r = byId.get(id);
      byId.delete(id);
      return r;
    };
    const ok = (result ? result.accepted : [...byId.keys()]).map(take).filter(Boolean) as QueuedRecord[];
    queue.remove(ok);
    if (ok.length) d.delivered(ok);
    // Only from an array: an endpoint other than our relay may answer anything there.
    if (Array.isArray(result?.warnings)) result.warnings.forEach(d.warned);
    for (const { messageId, reason } of result?.rejected || []) {
      const r = take(messageId);
      if (r) queue.remove([r]), d.rejected([r], status, reason);
    }
    // Anything the relay did not name stays queued, as if it had said "retry", and waits as
    // long as the relay says (it passes on Regal's Retry-After).
    if (byId.size) pause(503, byId.size, retryAfterMs);
  };

  const round = async () => {
    // The `online` event resumes sending; the timer covers a browser that never fires it.
    if (!isOnline()) return schedule(OFFLINE_RECHECK_MS);
    const got = await withTabLock(d.lockName, d.tabId, now, async () => {
      await d.beforeRound();
      pauseUntil = Math.max(pauseUntil, +((await store.get(PAUSE_KEY).catch(() => 0)) as number) || 0);
      const running = new Set<Promise<void>>();
      const busy = new Set<string>();
      let online = isOnline();
      while (!stopped && online && pauseUntil <= now()) {
        const sendable = queue.list().filter((r) => !r.held && queue.isStored(r) && !sending.has(r.key));
        const room = running.size < (keepalive ? 1 : MAX_IN_FLIGHT);
        const maxBytes = Math.min(limits.maxBytes, keepalive ? KEEPALIVE_BYTES : RELAY_BATCH_BYTES);
        const batch = room ? nextBatch(sendable, { maxEvents: batchEvents, maxBytes }, busy) : [];
        if (!batch.length) {
          if (!running.size) break;
          await Promise.race(running);
          // Read after each wait: the browser updates onLine between tasks.
          online = isOnline();
          continue;
        }
        const visitors = batch.map(visitorOf);
        batch.forEach((r) => sending.add(r.key));
        visitors.forEach((v) => busy.add(v));
        const job = d
          .transport(batch.map((r) => r.event), keepalive)
          .then((outcome) => settle(batch, outcome))
          .finally(() => {
            batch.forEach((r) => sending.delete(r.key));
            visitors.forEach((v) => busy.delete(v));
            running.delete(job);
          });
        running.add(job);
      }
      await Promise.all(running);
      // The next tab to take the lock must not find, and send again, what this one sent.
      await queue.removed();
    });
    if (!got) schedule(LOCK_RETRY_MS);
    // Offline since the round began: the `online` event may never come.
    else if (!isOnline()) schedule(OFFLINE_RECHECK_MS);
    else if (pauseUntil > now() && queue.list().some((r) => !r.held)) schedule(pauseUntil - now());
  };

  const flush = (keep = false): Promise<void> => {
    if (stopped) return Promise.resolve();
    keepalive ||= keep;
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      try {
        do {
          again = false;
          await round();
        } while (again && !stopped);
      } catch {
        // A round must never reject into the page; the next schedule tries again.
      } finally {
        current = undefined;
        keepalive = false;
      }
    })();
    return current;
  };

  return {
    schedule,
    flush,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    pausedUntil: () => pauseUntil,
  };
}
