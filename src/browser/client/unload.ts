/**
 * When the page goes away: send what is queued without waiting for storage or answers, and
 * copy what IndexedDB may not keep to localStorage (the rescue copy, queue/rescue.ts) for
 * the next page of the site to send.
 */
import type { ClientState } from './state';
import { saveRescue, takeRescued } from '../queue/rescue';
import { beacon, relayBody } from '../delivery/transport';
import { chunkWithin } from '../delivery/batch';
import { resolveUrl } from '../lib/resolve-url';
import { MAX_EVENT_BYTES } from './record';

// Chrome gives all keepalive requests of a page 64 KB together; keep a margin.
const UNLOAD_BUDGET = 60_000;

/** Copies what is not yet in IndexedDB to localStorage. */
export function saveRescueCopy(c: ClientState): void {
  // After a fallback to memory (IndexedDB failed), nothing is durable but the copy.
  const unstored = c._queue.list().filter((r) => c._store.kind === 'memory' || !c._queue.isStored(r));
  saveRescue(c._o.storageName, c._tabId, unstored);
  c._rescueSaved = unstored.length > 0;
}

/** Events reached IndexedDB or left: a rescue copy must not outlive them (the next visit
 * would send them again once this tab has delivered them). */
export function updateRescueCopy(c: ClientState): void {
  if (c._rescueSaved) saveRescueCopy(c);
}

/** The page may be going away: start every write, copy what may not land, send the rest. */
export function leaving(c: ClientState): void {
  c._queue.writeNow();
  saveRescueCopy(c);
  sendAtUnload(c);
}

/** Still here: the writes started at hide time will land; the copy is not needed. */
export function stayed(c: ClientState): void {
  saveRescue(c._o.storageName, c._tabId, []);
  c._rescueSaved = false;
  c._unloadSent = new Set();
  c._flusher.schedule(0);
}

/** At load: events an earlier page could only copy to localStorage as it went away. */
export function restoreRescued(c: ClientState): void {
  for (const r of takeRescued(c._o.storageName)) if (!c._queue.list().some((x) => x.key === r.key)) c._queue.add(r);
}

function sendAtUnload(c: ClientState): void {
  const records = c._queue.list().filter((r) => !r.held && !c._unloadSent.has(r.key));
  if (!records.length || !navigator.onLine) return;
  if (c._o.mode === 'direct') {
    for (const chunk of chunkWithin(records, MAX_EVENT_BYTES, UNLOAD_BUDGET).flat()) {
      c._unloadSent.add(chunk.key);
      c._transport([chunk.event], true).catch(() => {});
    }
    return;
  }
  const url = resolveUrl(c._o.endpoint);
  for (const chunk of chunkWithin(records, UNLOAD_BUDGET, UNLOAD_BUDGET)) {
    // Stays stored until a later flush is confirmed; the relay drops the repeat by messageId.
    if (!beacon(url, relayBody(chunk.map((r) => r.event), c._now))) break;
    chunk.forEach((r) => c._unloadSent.add(r.key));
  }
}
