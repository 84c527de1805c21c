/**
 * What became of each event: `.delivered` answers, drop counts by reason, `stats()`.
 */
import type { DropReason, Stats } from '../types';
import type { QueuedRecord } from '../queue/queue';
import type { ClientState } from './state';

// `.delivered` is read lazily, often never: outcomes nobody asked for yet are kept for the
// last this many events, so that reading it after the fact still answers.
const KEPT_OUTCOMES = 1000;

type OutcomeState = Pick<ClientState, '_waiters' | '_outcomes'>;

/** Resolves the `.delivered` of `records` with `ok`, or keeps the answer for a later read. */
export function settle(c: OutcomeState, records: QueuedRecord[], ok: boolean): void {
  for (const { event } of records) {
    const waiter = c._waiters.get(event.messageId);
    if (waiter) c._waiters.delete(event.messageId), waiter(ok);
    else if (c._outcomes.set(event.messageId, ok).size > KEPT_OUTCOMES) c._outcomes.delete(c._outcomes.keys().next().value!);
  }
}

/** The outcome of the event `messageId`: known already, or once it is sent or dropped. */
export function outcomeOf(c: OutcomeState, messageId: string): Promise<boolean> {
  return c._outcomes.has(messageId) ? Promise.resolve(c._outcomes.get(messageId)!) : new Promise<boolean>((r) => c._waiters.set(messageId, r));
}

/** Counts, announces and settles (false) a drop. */
export function drop(c: OutcomeState & Pick<ClientState, '_queue' | '_dropped' | '_emitter'>, reason: DropReason, records: QueuedRecord[]): void {
  // Other tabs holding these see them gone: the mark tells them it was not a delivery.
  c._queue.markDropped(records.filter((r) => r.key));
  c._dropped[reason] += records.length;
  c._emitter.emit('dropped', { reason, count: records.length, messageIds: records.map((r) => r.event.messageId) });
  settle(c, records, false);
}

/** Counts, announces and settles (true) what the endpoint accepted. */
export function delivered(c: OutcomeState & Pick<ClientState, '_delivered' | '_emitter'>, records: QueuedRecord[]): void {
  c._delivered += records.length;
  c._emitter.emit('delivered', { messageIds: records.map((r) => r.event.messageId) });
  settle(c, records, true);
}

/** A stand-in record for a call whose event was never stored (settled or counted by id). */
export const placeholder = (messageId: string) => [{ event: { messageId } } as QueuedRecord];

export const noDrops = (): Record<DropReason, number> => ({ invalid: 0, overflow: 0, expired: 0, rejected: 0, reset: 0, 'opted-out': 0 });

export function stats(c: Pick<ClientState, '_queue' | '_delivered' | '_dropped' | '_store'>): Stats {
  let held = 0;
  const records = c._queue.list();
  for (const r of records) if (r.held) held++;
  return { held, queued: records.length - held, delivered: c._delivered, dropped: { ...c._dropped }, storage: c._store.kind };
}
