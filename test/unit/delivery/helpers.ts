import { createFlusher, type FlusherDeps } from '../../../src/browser/delivery/flusher';
import type { Transport } from '../../../src/browser/delivery/transport';
import type { createQueue, QueuedRecord } from '../../../src/browser/queue/queue';
import { memoryStore, type KeyValueStore } from '../../../src/browser/queue/store';

/** A store that two tabs' queues share and that says it is IndexedDB (so refresh looks at it). */
export function sharedStore(): KeyValueStore {
  const m = memoryStore();
  return { ...m, kind: 'indexeddb' };
}

/** A promise and the function that resolves it, for an answer the test lets go when it wants. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Queue limits no test reaches. */
export const limits = { maxEvents: 1000, maxBytes: 1e7, maxAgeMs: 1e9 };

/** Record `i` of a contactable visitor (`userId` u1, anonymous id 'a' unless told otherwise). */
export function rec(i: number, over: Partial<QueuedRecord> & { userId?: string; props?: Record<string, unknown> } = {}): QueuedRecord {
  const event: any = { messageId: `m${i}`, userId: over.userId ?? 'u1', traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] }, name: `E${i}`, eventSource: 'Website' };
  if (over.props) event.properties = over.props;
  return { key: `e:${String(i).padStart(6, '0')}`, event, anon: over.anon ?? 'a', held: false, at: 0, bytes: over.bytes ?? JSON.stringify(event).length };
}

/** A flusher over `queue` that records the messageIds delivered and rejected. */
export function makeFlusher(queue: ReturnType<typeof createQueue>, store: KeyValueStore, transport: Transport, extra: Partial<FlusherDeps> = {}) {
  const delivered: string[] = [];
  const rejected: string[] = [];
  const flusher = createFlusher({
    queue,
    store,
    transport,
    limits: { maxEvents: 100, maxBytes: 256_000 },
    now: Date.now,
    random: () => 1,
    tabId: 'tab1',
    lockName: 'flusher-test-lock',
    beforeRound: async () => {},
    delivered: (rs) => delivered.push(...rs.map((r) => r.event.messageId)),
    rejected: (rs) => rejected.push(...rs.map((r) => r.event.messageId)),
    failed: () => {},
    warned: () => {},
    ...extra,
  });
  return { flusher, delivered, rejected };
}
