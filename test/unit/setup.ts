// Every unit test gets fresh storage: an in-memory IndexedDB (happy-dom has none of its
// own) and an empty localStorage (the send lease and the opt-out live there).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach } from 'vitest';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  try {
    localStorage.clear();
  } catch {}
});
