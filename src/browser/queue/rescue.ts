/**
 * The last resort for events not yet in IndexedDB when the page goes away. A lead form's
 * calls are followed at once by its navigation, and Chromium can abort an IndexedDB write
 * that has not committed when the document unloads (seen: the identity kept, the lead
 * lost). localStorage writes synchronously, so `pagehide` copies those events there and the
 * next page load of the site moves them into the queue. One key per tab, so tabs never
 * overwrite each other. The client rewrites the copy as its events reach IndexedDB, so a
 * copy never outlives them (else a later visit would send again what this tab delivered).
 */
import type { QueuedRecord } from './queue';
import { localStore } from '../lib/local-storage';

const prefix = (name: string) => `${name}:rescue:`;


/** Copies `records` for this tab, replacing its earlier copy; nothing to copy clears it. */
export function saveRescue(name: string, tabId: string, records: QueuedRecord[]): void {
  const key = prefix(name) + tabId;
  try {
    records.length ? localStore()?.setItem(key, JSON.stringify(records)) : localStore()?.removeItem(key);
  } catch {}
}

/** Every tab's copies, removed from localStorage as they are taken. */
export function takeRescued(name: string): QueuedRecord[] {
  const out: QueuedRecord[] = [];
  const s = localStore();
  try {
    for (const key of Object.keys(s || {})) {
      if (!key.startsWith(prefix(name))) continue;
      const records = JSON.parse(s!.getItem(key) || '[]');
      s!.removeItem(key);
      if (Array.isArray(records)) out.push(...records.filter((r) => r && r.key && r.event));
    }
  } catch {}
  return out;
}
