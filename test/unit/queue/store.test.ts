// The store under the queue: IndexedDB read and written in bulk, and memory when IndexedDB
// is missing, refused or lost mid-session (sandboxed iframes, private modes, WebKit).
import { describe, expect, it, vi } from 'vitest';
import { resilientStore } from '../../../src/browser/queue/store';
import type { RegalError } from '../../../src/browser/types';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('IndexedDB in bulk', () => {
  it('an update of only existing keys writes those and skips the deleted ones', async () => {
    const store = resilientStore('queue-test', () => {});
    await store.setMany([['e:a', 1], ['e:b', 2]]);
    await store.delMany(['e:b']);
    await store.setMany([['e:a', 10], ['e:b', 20]], true);
    expect(store.kind).toBe('indexeddb');
    expect(await store.keys()).toEqual(['e:a']);
    expect(await store.getMany(['e:a', 'e:b'])).toEqual([10, undefined]);
  });

  it('many keys are read in one sweep of their range, each value under its own key', async () => {
    const store = resilientStore('queue-test', () => {});
    const all = Array.from({ length: 120 }, (_, i) => `e:${String(i).padStart(4, '0')}`);
    await store.setMany(all.map((key, i) => [key, i]));
    await store.setMany([['m:other', 'not an event']]);
    // Unsorted, with gaps, and with a key that is not there.
    const wanted = [...all.filter((_, i) => i % 2 == 0).reverse(), 'e:9999'];
    expect(await store.getMany(wanted)).toEqual([...all.map((_, i) => i).filter((i) => i % 2 == 0).reverse(), undefined]);
  });
});

describe('storage failures', () => {
  it('falls back to memory when IndexedDB is missing, and still delivers', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const relay = fakeRelay();
    const regal = make();
    await regal.identify({ phone: '+15551234567' });
    await regal.flush();
    expect(regal.stats().storage).toBe('memory');
    expect(relay.events()).toHaveLength(1);
  });

  it('falls back to memory when IndexedDB throws, reporting it on the error channel only', async () => {
    vi.stubGlobal('indexedDB', { open: () => { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const consoleError = vi.spyOn(console, 'error');
    const regal = make({ onError: (e) => errors.push(e) });
    regal.track('before');
    await regal.identify({ email: 'a@b.co' });
    await regal.flush();
    expect(regal.stats().storage).toBe('memory');
    expect(errors.map((e) => e.code)).toContain('storage_unavailable');
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['before', 'identify']);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('falls back to memory where merely reading indexedDB throws (sandboxed iframe)', async () => {
    Object.defineProperty(globalThis, 'indexedDB', { configurable: true, get() { throw new DOMException('denied', 'SecurityError'); } });
    try {
      const relay = fakeRelay();
      const regal = make();
      await regal.identify({ phone: '+15551234567' });
      await regal.flush();
      expect(regal.stats().storage).toBe('memory');
      expect(relay.events()).toHaveLength(1);
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', { configurable: true, writable: true, value: undefined });
    }
  });

  it('survives losing the IndexedDB connection mid-session (WebKit)', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.track('before loss');
    const realOpen = indexedDB.open.bind(indexedDB);
    // Every transaction from now on fails, as after WebKit closes the connection.
    vi.stubGlobal('indexedDB', { open: (...a: any[]) => { const r = realOpen(...(a as [string])); r.addEventListener('success', () => { r.result.transaction = () => { throw new DOMException('closed', 'InvalidStateError'); }; }); return r; } });
    (globalThis as any).indexedDB.open('x');
    await regal.identify({ phone: '+15551234567' });
    await regal.flush();
    expect(relay.events().map((e) => e.name ?? 'identify')).toContain('before loss');
  });
});

describe('a page frozen into the back/forward cache', () => {
  const pageTransition = (type: 'pagehide' | 'pageshow', persisted: boolean) => dispatchEvent(Object.assign(new Event(type), { persisted }));

  it('aborts a write still running at a persisted pagehide, starts nothing while cached, and writes it once shown again, without falling back to memory', async () => {
    const fallbacks: unknown[] = [];
    const store = resilientStore('freeze-test', (cause) => fallbacks.push(cause));
    await store.setMany([['m:identity', 'kept']]);
    const write = store.setMany(Array.from({ length: 200 }, (_, i) => [`e:${String(i).padStart(4, '0')}`, i] as [string, unknown]));
    let written = false;
    write.then(() => (written = true));
    // The page is cached while the write runs (WebKit would keep its transaction open,
    // blocking every later transaction of the site on this store).
    pageTransition('pagehide', true);
    const read = store.get('m:identity');
    let readDone = false;
    read.then(() => (readDone = true));
    await new Promise((r) => setTimeout(r, 50));
    expect({ written, readDone }).toEqual({ written: false, readDone: false });
    pageTransition('pageshow', true);
    await write;
    expect(await read).toBe('kept');
    expect((await store.keys()).length).toBe(201);
    expect(store.kind).toBe('indexeddb');
    expect(fallbacks).toEqual([]);
  });

  it('a pagehide that is not into the cache (the page is unloading) leaves running writes alone', async () => {
    const store = resilientStore('freeze-test-2', () => {});
    const write = store.setMany([['e:0001', 1]]);
    pageTransition('pagehide', false);
    await write;
    expect(await store.get('e:0001')).toBe(1);
  });
});
