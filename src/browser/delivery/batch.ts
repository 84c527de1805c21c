import type { QueuedRecord } from '../queue/queue';

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

/**
 * The visitor an event belongs to, for ordering: events of one visitor go out in order.
 * The anonymous id, not the userId: an identify changes the userId mid-queue, and events
 * from before and after it must still never be in flight at once.
 */
export const visitorOf = (r: QueuedRecord): string => r.anon;

/**
 * The next batch: the oldest sendable events, up to the count and byte limits, skipping
 * visitors who already have a request in flight (sending their later events in parallel
 * could reorder them when the earlier request fails and is retried). An event larger than
 * the byte limit still goes alone, rather than never.
 */
export function nextBatch(records: Iterable<QueuedRecord>, limits: BatchLimits, busyVisitors: Set<string>): QueuedRecord[] {
  const batch: QueuedRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    if (busyVisitors.has(visitorOf(r))) continue;
    if (batch.length && (batch.length >= limits.maxEvents || bytes + r.bytes > limits.maxBytes)) break;
    batch.push(r);
    bytes += r.bytes;
  }
  return batch;
}

/** Splits records into chunks of at most `maxBytes` each, stopping at `budget` in total. */
export function chunkWithin(records: QueuedRecord[], maxBytes: number, budget: number): QueuedRecord[][] {
  const chunks: QueuedRecord[][] = [];
  let chunk: QueuedRecord[] = [];
  let size = 0;
  let total = 0;
  for (const r of records) {
    const cost = r.bytes + 1;
    if (total + cost > budget) break;
    if (chunk.length && size + cost > maxBytes) chunks.push(chunk), (chunk = []), (size = 0);
    chunk.push(r);
    size += cost;
    total += cost;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}
