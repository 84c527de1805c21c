// Every unit test gets fresh storage: an in-memory IndexedDB (happy-dom has none of its
// own) and an empty localStorage (the send lease and the opt-out live there).
//
// The unit project runs its files one after another in one happy-dom page (`isolate: false`
// in vitest.config.ts: a fresh page per file cost ~2 minutes of the suite). So each file
// also starts as it would on a fresh page: no cookie left by the file before, real timers,
// no stubbed global or spy left behind.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';

beforeAll(() => clearCookies());

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  try {
    localStorage.clear();
  } catch {}
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Expires every cookie the page can see, on each domain it could have been written for. */
function clearCookies(): void {
  if (typeof document === 'undefined') return;
  const labels = location.hostname.split('.');
  const domains = [''].concat(labels.map((_, i) => `; Domain=${labels.slice(i).join('.')}`));
  for (const pair of document.cookie.split(';')) {
    const name = pair.split('=')[0]!.trim();
    if (name === '') continue;
    for (const domain of domains) document.cookie = `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/${domain}`;
  }
}
