/**
 * The durable event queue: one IndexedDB key per event, so that two tabs never overwrite
 * each other's events (one array under one key would lose whichever tab wrote second).
 *
 * The tab keeps a mirror of the queue in memory. The mirror answers every synchronous
 * question (what to send at unload, what to release at identify); the store makes it
 * survive reloads and lets other tabs see it. Keys sort by creation time, so reading the
 * store back gives the original order.
 */
import type { OutgoingEvent } from '../events/event-builders';
import type { DropReason } from '../types';
import type { KeyValueStore } from './store';

export interface QueuedRecord {
  /** Store key: `e:` + creation time + a per-tab counter + a tab id; sorts in call order. */
  key: string;
  event: OutgoingEvent;
  /** The anonymous id of the visitor who made it: held events are released only to them. */
  anon: string;
  /** Waiting for the visitor to become contactable. */
  held: boolean;
  /** Creation time, ms since epoch (for the age limit). */
  at: number;
  /** JSON length of the event: the queue's byte cap and the batches' byte limits use it. */
  bytes: number;
}

export interface QueueLimits {
  maxEvents: number;
  maxBytes: number;
  maxAgeMs: number;
}

export const EVENT_PREFIX = 'e:';
// A drop mark: this prefix + the record's key (which starts with its creation time).
const REFUSED_PREFIX = 'x';
// Writes are spread over small transactions so a burst never blocks the page for long
// (bench: a transaction of 100 events took 9-12 ms of main thread in Chromium).
const WRITE_CHUNK = 50;

export interface Queue {
  /** Reads what earlier visits and other tabs left; drops what is past the age limit. */
  load(now: number): Promise<void>;
  /** Adds to the mirror now and to the store soon; resolves once stored. */
  add(record: QueuedRecord): Promise<void>;
  /** Starts writing every pending record now, in one transaction: the page is going away,
   * and a write that has not started by the end of `pagehide` never will. */
  writeNow(): void;
  /** Stores changes made to records of the mirror (released, stamped). */
  save(records: QueuedRecord[]): Promise<void>;
  /** Removes records for good (delivered or dropped). */
  remove(records: QueuedRecord[]): void;
  /** Resolves once every removal so far has reached the store. */
  removed(): Promise<void>;
  /** Records in order, held ones included. */
  list(): QueuedRecord[];
  /** Whether a record has reached the store: only stored records are sent, except at unload. */
  isStored(record: QueuedRecord): boolean;
  /** Merges what other tabs added or removed since the last look; returns the records that
   * another tab took out of the store (it sent them, or dropped them). */
  refresh(): Promise<QueuedRecord[]>;
  /** Drops records past the age limit (and the refusal marks of records past it). */
  expire(now: number): void;
  /** Leaves a mark that `records` were dropped (not delivered), for the other tabs that hold
   * them: their next refresh sees them gone, and `wasDropped` tells them why. */
  markDropped(records: QueuedRecord[]): void;
  /** Whether a record the last refresh found gone had been dropped by another tab. */
  wasDropped(record: QueuedRecord): boolean;
}

/**
 * @param onDrop    told of every record dropped by a cap or the age limit
 * @param onStored  told once per write transaction of the records it stored (one callback
 *                  for a burst, not one per event)
 */
export function createQueue(store: KeyValueStore, limits: QueueLimits, onDrop: (reason: DropReason, records: QueuedRecord[]) => void, onStored: (records: QueuedRecord[]) => void = () => {}): Queue {
  const mirror = new Map<string, QueuedRecord>();
  const stored = new Set<string>();
  // Removed here, deletion not yet committed: a refresh must not bring them back.
  const deleting = new Set<string>();
  // idb-keyval runs each call in its own transaction, and IndexedDB commits them in order.
  let lastDelete: Promise<void> = Promise.resolve();
  let pending: QueuedRecord[] = [];
  let pendingDone: Promise<void> | undefined;
  let totalBytes = 0;
  // Record keys with a drop mark, as the last refresh saw them.
  let refusedKeys = new Set<string>();

  const put = (r: QueuedRecord) => {
    totalBytes += r.bytes - (mirror.get(r.key)?.bytes || 0);
    mirror.set(r.key, r);
  };
  const drop = (records: QueuedRecord[], reason: DropReason) => {
    if (records.length) queue.remove(records), onDrop(reason, records);
  };
  const enforceCaps = () => {
    const over: QueuedRecord[] = [];
    let count = mirror.size;
    let bytes = totalBytes;
    // Map iteration is insertion order, which is creation order: oldest first.
    for (const r of mirror.values()) {
      if (count <= limits.maxEvents && bytes <= limits.maxBytes) break;
      over.push(r);
      count--;
      bytes -= r.bytes;
    }
    drop(over, 'overflow');
  };
  const write = async (records: QueuedRecord[], onlyExisting?: boolean) => {
    const live = records.filter((r) => mirror.has(r.key));
    if (!live.length) return;
    try {
      await store.setMany(live.map((r) => [r.key, r]), onlyExisting);
      // A record removed while its write was in flight must not come back.
      for (const r of live) mirror.has(r.key) ? stored.add(r.key) : store.delMany([r.key]).catch(() => {});
      onStored(live);
    } catch {}
  };
  // One drain writes the pending records in small transactions; calls made meanwhile join
  // it. It starts at the end of the current task (a microtask), not on a timer: a form's
  // calls are followed by its navigation, and a write that has not started before the page
  // begins to unload is aborted with it (seen in Chromium: the lead lost, the identity kept).
  // A burst of calls in one task still shares the drain.
  const writeSoon = (): Promise<void> =>
    (pendingDone ||= Promise.resolve().then(async () => {
      while (pending.length) await write(pending.splice(0, WRITE_CHUNK));
      pendingDone = undefined;
    }));

  const queue: Queue = {
    async load(now) {
      // What earlier visits and other tabs stored is what a refresh finds unseen. Records of
      // this tab made before the load keep their place by key (creation time) among them.
      await queue.refresh();
      queue.expire(now);
      enforceCaps();
    },
    add(record) {
      put(record);
      enforceCaps();
      pending.push(record);
      return writeSoon();
    },
    writeNow() {
      if (pending.length) write(pending.splice(0));
    },
    save(records) {
      records.forEach(put);
      // A stored record may have been sent and deleted by another tab since this one read
      // it: it is updated only if still there, and the next refresh reports it gone (not
      // sent twice). One still waiting for its first write is written whole.
      return Promise.all([write(records.filter((r) => stored.has(r.key)), true), write(records.filter((r) => !stored.has(r.key)))]).then(() => {});
    },
    remove(records) {
      const keys: string[] = [];
      for (const r of records) {
        if (mirror.delete(r.key)) totalBytes -= r.bytes;
        if (stored.delete(r.key)) keys.push(r.key), deleting.add(r.key);
      }
      if (keys.length)
        lastDelete = store
          .delMany(keys)
          .catch(() => {})
          .then(() => keys.forEach((k) => deleting.delete(k)));
    },
    removed: () => lastDelete,
    list: () => [...mirror.values()],
    isStored: (r) => stored.has(r.key),
    async refresh() {
      if (store.kind === 'memory') return [];
      // Only what was stored before the look can be judged gone: a write of this tab that
      // commits while the look is under way is missing from its snapshot of the keys, and
      // would otherwise be taken for an event another tab sent (and deleted unsent).
      const storedBefore = [...stored];
      // Keys first: with a thousand events queued, reading them all on every send round
      // costs a long task; only the events this tab has not seen are read.
      const all = await store.keys();
      const keys = all.filter((k) => k.startsWith(EVENT_PREFIX));
      refusedKeys = new Set(all.filter((k) => k.startsWith(REFUSED_PREFIX)).map((k) => k.slice(REFUSED_PREFIX.length)));
      const seen = new Set(keys);
      const unseen = keys.filter((k) => !mirror.has(k) && !deleting.has(k));
      const values = unseen.length ? await store.getMany(unseen) : [];
      let added = false;
      values.forEach((value, i) => {
        const key = unseen[i];
        // Deleted by another tab between the two reads, or by this one meanwhile.
        if (!value || deleting.has(key) || mirror.has(key)) return;
        put(value as QueuedRecord);
        stored.add(key);
        added = true;
      });
      // Stored here earlier and gone from the store now: another tab delivered it. (Every
      // stored key is in the mirror: both lose a key only in remove().)
      const gone = storedBefore.filter((key) => !seen.has(key) && stored.has(key)).map((key) => mirror.get(key)!);
      queue.remove(gone);
      if (added) {
        const sorted = [...mirror.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
        mirror.clear();
        for (const r of sorted) mirror.set(r.key, r);
      }
      return gone;
    },
    expire(now) {
      drop([...mirror.values()].filter((r) => now - r.at > limits.maxAgeMs), 'expired');
      // Marks outlive their records by the age limit at most (the key holds the creation time).
      const old = [...refusedKeys].filter((k) => now - parseInt(k.slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 9), 36) > limits.maxAgeMs);
      if (old.length) store.delMany(old.map((k) => REFUSED_PREFIX + k)).catch(() => {}), old.forEach((k) => refusedKeys.delete(k));
    },
    markDropped(records) {
      if (store.kind !== 'memory' && records.length) store.setMany(records.map((r) => [REFUSED_PREFIX + r.key, 1])).catch(() => {});
    },
    wasDropped: (r) => refusedKeys.has(r.key),
  };
  return queue;
}
