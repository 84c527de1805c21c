/**
 * Key-value storage for the queue and the identity: IndexedDB through idb-keyval, falling
 * back to memory when IndexedDB is missing (old engines, some private modes), blocked
 * (an open that never answers), over quota, or loses its connection (WebKit closes it
 * when the app is backgrounded: every later transaction throws InvalidStateError).
 *
 * WebKit and the back/forward cache: a page that enters the cache (pagehide with
 * `persisted`) while one of its readwrite transactions is still running is frozen with
 * the transaction open. WebKit neither commits nor aborts it while the page stays cached,
 * and every later transaction of the origin on the same object store waits behind it:
 * the next page of the site cannot read the visitor's identity, its store times out and
 * falls back to memory, and the visitor is a stranger (seen in WebKitGTK 2.50 after a
 * burst of 200 calls cut short by leaving the site; the page stays cached, so it lasts
 * until the cache evicts it). So when the page is frozen, the store aborts its running
 * transactions and starts none until the page is shown again; the aborted writes run
 * again then. Nothing is lost meanwhile: at pagehide every record not yet in IndexedDB
 * is also copied to localStorage (rescue.ts), which the next page load of the site takes.
 */
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';

export interface KeyValueStore {
  /** Where data lives now; 'memory' after a fallback. */
  readonly kind: 'indexeddb' | 'memory';
  /** Keys only: a look for what other tabs changed, without reading every event. */
  keys(): Promise<string[]>;
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  /** Writes every item; with `onlyExisting`, only those whose key is still there (an update
   * must not bring back what another tab deleted meanwhile). */
  setMany(items: Array<[string, unknown]>, onlyExisting?: boolean): Promise<void>;
  delMany(keys: string[]): Promise<void>;
  /** The value under `key`, or `value` stored there if there was none, in one transaction
   * (two tabs opened at once must not each create their own visitor). */
  claim<T>(key: string, value: T): Promise<T>;
}

/** A store in a Map: tests, and the fallback when IndexedDB cannot be used. */
export function memoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    kind: 'memory',
    keys: async () => [...map.keys()].sort(),
    get: async (key) => map.get(key),
    getMany: async (keys) => keys.map((k) => map.get(k)),
    setMany: async (items, onlyExisting) => void items.forEach(([k, v]) => (!onlyExisting || map.has(k)) && map.set(k, v)),
    delMany: async (keys) => void keys.forEach((k) => map.delete(k)),
    claim: async (key, value) => (map.has(key) ? map.get(key) : (map.set(key, value), value)) as typeof value,
  };
}

// An open that is blocked by another tab's upgrade never settles; past this we give up.
const OPEN_TIMEOUT_MS = 5000;

/**
 * IndexedDB (database `name`, one object store) that turns into a memory store after a
 * failure it cannot recover from. `onFallback` is told once, with the cause.
 * Nothing touches IndexedDB until the first operation.
 */
export function resilientStore(name: string, onFallback: (cause: unknown) => void): KeyValueStore {
  let idb: UseStore | undefined;
  let fallback: KeyValueStore | undefined = hasIndexedDB() ? undefined : memoryStore();
  // Transactions running now, and a promise that pageshow resolves while the page is frozen.
  const live = new Set<IDBTransaction>();
  let freezes = 0;
  let frozen: Promise<void> | undefined;
  let thaw: () => void;
  let watching = false;

  /** One idb-keyval transaction (`mode`, `op` on the object store), or the memory store's
   * `onMemory` after a fallback. */
  const run = async <T>(mode: IDBTransactionMode, op: (os: IDBObjectStore) => T | PromiseLike<T>, onMemory: (m: KeyValueStore) => Promise<T>): Promise<T> => {
    for (let attempt = 0; !fallback && attempt < 2; attempt++) {
      if (!watching && typeof addEventListener === 'function') {
        watching = true;
        // Frozen into the back/forward cache (see the top of this file): abort what runs,
        // start nothing until the page is shown again.
        addEventListener('pagehide', (e) => {
          if (!e.persisted) return;
          freezes++;
          frozen ||= new Promise((resolve) => (thaw = resolve));
          live.forEach((tx) => {
            try {
              tx.abort();
            } catch {} // finished meanwhile
          });
        });
        addEventListener('pageshow', (e) => {
          if (e.persisted) (frozen = undefined), thaw();
        });
      }
      await frozen;
      const epoch = freezes;
      let tx: IDBTransaction | undefined;
      try {
        idb ||= createStore(name, 'kv');
        return await withTimeout(
          idb(mode, (os) => {
            tx = os.transaction;
            // Frozen since this attempt began (the open answered in between): not now.
            if (frozen) throw (tx.abort(), new Error('frozen'));
            live.add(tx);
            return op(os);
          }),
        );
      } catch (cause) {
        // A lost connection stays lost for this handle: retry once on a fresh one.
        idb = undefined;
        // Aborted by a freeze (or timed out across one): not the store's failure; again
        // once the page is shown.
        if (freezes !== epoch) attempt--;
        else if (attempt) {
          fallback = memoryStore();
          onFallback(cause);
        }
      } finally {
        live.delete(tx!);
      }
    }
    return onMemory(fallback!);
  };
  const committed = (os: IDBObjectStore) => promisifyRequest(os.transaction) as Promise<void>;

  // The operations are idb-keyval's own (getMany, setMany, delMany) written on its
  // createStore, without the default-store parameter and keys()'s cursor fallback for
  // engines without getAllKeys (none that run ES2020): size budget.
  const self: KeyValueStore = {
    get kind() {
      return fallback ? 'memory' : 'indexeddb';
    },
    keys: () => run('readonly', (os) => promisifyRequest(os.getAllKeys() as IDBRequest<string[]>), (m) => m.keys()),
    get: (key) => self.getMany([key]).then((values) => values[0]),
    getMany: (list) => run('readonly', (os) => (list.length > BULK_READ ? readRange(os, list) : Promise.all(list.map((key) => promisifyRequest(os.get(key))))), (m) => m.getMany(list)),
    setMany: (items, onlyExisting) =>
      run(
        'readwrite',
        (os) => {
          for (const [key, value] of items) {
            if (!onlyExisting) os.put(value, key);
            else {
              // Checked and written in one transaction: no other tab can delete in between.
              const found = os.getKey(key);
              found.onsuccess = () => found.result !== undefined && os.put(value, key);
            }
          }
          return committed(os);
        },
        (m) => m.setMany(items, onlyExisting),
      ),
    delMany: (keys) => run('readwrite', (os) => (keys.forEach((key) => os.delete(key)), committed(os)), (m) => m.delMany(keys)),
    // What idb-keyval's update() does, without writing back a value that is there already;
    // the put is made in the get's callback, while the transaction is active.
    claim: (key, value) =>
      run(
        'readwrite',
        (os) => {
          const request = os.get(key);
          request.onsuccess = () => request.result || os.put(value, key);
          return committed(os).then(() => request.result || value);
        },
        (m) => m.claim(key, value),
      ),
  };
  return self;
}

// Past this many keys, one read of the whole key range beats a request per key (Chromium,
// 1,000 queued events: about 20 ms against 80 ms; a reload with a full queue pays it).
const BULK_READ = 50;

/** The values of `list` from one getAll over the range they span (and its keys, to match). */
async function readRange(os: IDBObjectStore, list: string[]): Promise<unknown[]> {
  let low = list[0];
  let high = low;
  for (const key of list) (low = key < low ? key : low), (high = key > high ? key : high);
  const range = IDBKeyRange.bound(low, high);
  const [keys, values] = await Promise.all([promisifyRequest(os.getAllKeys(range)), promisifyRequest(os.getAll(range))]);
  const byKey = new Map(keys.map((key, i) => [key, values[i]]));
  return list.map((key) => byKey.get(key));
}

// Reading `indexedDB` itself throws a SecurityError in sandboxed iframes and opaque origins.
function hasIndexedDB(): boolean {
  try {
    return !!indexedDB;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(reject, OPEN_TIMEOUT_MS, new Error('IndexedDB did not answer'))))]).finally(() => clearTimeout(timer));
}

