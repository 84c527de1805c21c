/**
 * The last resort for events not yet in IndexedDB when the page goes away. A lead form's
 * calls are followed at once by its navigation, and Chromium can abort an IndexedDB write
 * that has not committed when the document unloads (seen: the identity kept, the lead
 * lost). localStorage writes synchronously, so `pagehide` copies those events there and the
 * next page load of the site moves them into the queue. One key per tab, so tabs never
 * overwrite each other; a copy whose events were stored after all is harmless (same keys,
 * and the relay drops a repeated messageId).
 */
import type { QueuedRecord } from './queue';

const prefix = (name: string) => `${name}:rescue:`;

function storage(): Storage | undefined {
  try {
    return localStorage;
  } catch {
    return undefined;
  }
}

/** Copies `records` for this tab, replacing its earlier copy; nothing to copy clears it. */
export function saveRescue(name: string, tabId: string, records: QueuedRecord[]): void {
  try {
    const s = storage();
    if (!s) return;
    if (records.length) s.setItem(prefix(name) + tabId, JSON.stringify(records));
    else s.removeItem(prefix(name) + tabId);
  } catch {}
}

/** Every tab's copies, removed from localStorage as they are taken. */
export function takeRescued(name: string): QueuedRecord[] {
  const out: QueuedRecord[] = [];
  try {
    const s = storage();
    if (!s) return out;
    for (const key of Object.keys(s)) {
      if (!key.startsWith(prefix(name))) continue;
      const records = JSON.parse(s.getItem(key) || '[]');
      s.removeItem(key);
      if (Array.isArray(records)) out.push(...records.filter((r) => r && r.key && r.event));
    }
  } catch {}
  return out;
}
