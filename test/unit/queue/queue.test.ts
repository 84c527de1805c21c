import { describe, expect, it } from 'vitest';
import { createQueue, type QueuedRecord } from '../../../src/browser/queue/queue';
import type { KeyValueStore } from '../../../src/browser/queue/store';

/** A shared store that two tabs' queues see, with the calls this test needs held until it
 * lets them go (to order IndexedDB transactions as a busy browser can). */
function sharedStore() {
  const map = new Map<string, unknown>();
  const gates: Record<'setMany' | 'getMany', Array<() => void> | undefined> = { setMany: undefined, getMany: undefined };
  const gated = <T>(name: keyof typeof gates, run: () => T): Promise<T> =>
    gates[name] ? new Promise((resolve) => gates[name]!.push(() => resolve(run()))) : Promise.resolve(run());
  const store: KeyValueStore = {
    kind: 'indexeddb',
    keys: async () => [...map.keys()].sort(),
    get: async (key) => map.get(key),
    getMany: (keys) => gated('getMany', () => keys.map((k) => map.get(k))),
    setMany: (items, onlyExisting) => gated('setMany', () => void items.forEach(([k, v]) => (!onlyExisting || map.has(k)) && map.set(k, v))),
    delMany: async (keys) => void keys.forEach((k) => map.delete(k)),
    claim: async (key, value) => (map.has(key) ? map.get(key) : (map.set(key, value), value)) as typeof value,
  };
  return {
    store,
    map,
    hold: (name: keyof typeof gates) => void (gates[name] = []),
    release: (name: keyof typeof gates) => {
      const waiting = gates[name] ?? [];
      gates[name] = undefined;
      waiting.forEach((go) => go());
    },
  };
}

const limits = { maxEvents: 1000, maxBytes: 1e7, maxAgeMs: 1e9 };
const record = (key: string): QueuedRecord => ({ key, event: { messageId: key, userId: 'u', traits: {} }, anon: 'a', held: false, at: 0, bytes: 10 });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('queue shared between tabs', () => {
  it('a look at the store does not take a write of its own that commits meanwhile for an event another tab sent', async () => {
    const s = sharedStore();
    const tab1 = createQueue(s.store, limits, () => {});
    const tab2 = createQueue(s.store, limits, () => {});
    await tab2.add(record('e:2-from-tab-2'));
    s.hold('setMany');
    const added = tab1.add(record('e:1-from-tab-1'));
    await tick(); // tab 1's write has started and waits to commit
    s.hold('getMany');
    const look = tab1.refresh(); // reads the keys before the write commits
    await tick();
    s.release('setMany'); // the write commits while the look reads tab 2's event
    await added;
    s.release('getMany');
    const gone = await look;
    await tab1.removed();
    expect(gone).toEqual([]);
    expect(tab1.list().map((r) => r.key)).toEqual(['e:1-from-tab-1', 'e:2-from-tab-2']);
    expect([...s.map.keys()].sort()).toEqual(['e:1-from-tab-1', 'e:2-from-tab-2']);
  });

  it('an event another tab sent (gone from the store) leaves this tab\'s mirror and is reported', async () => {
    const s = sharedStore();
    const tab1 = createQueue(s.store, limits, () => {});
    const tab2 = createQueue(s.store, limits, () => {});
    await tab1.add(record('e:1'));
    await tab2.refresh();
    expect(tab2.list().map((r) => r.key)).toEqual(['e:1']);
    tab1.remove(tab1.list());
    await tab1.removed();
    const gone = await tab2.refresh();
    expect(gone.map((r) => r.key)).toEqual(['e:1']);
    expect(tab2.list()).toEqual([]);
  });

  it('releasing an event that another tab has sent meanwhile does not bring it back to be sent again', async () => {
    const s = sharedStore();
    const tab1 = createQueue(s.store, limits, () => {});
    const tab2 = createQueue(s.store, limits, () => {});
    await tab1.add({ ...record('e:held'), held: true });
    await tab2.refresh(); // both tabs hold the visitor's event
    tab1.remove(tab1.list()); // tab 1 released and sent it
    await tab1.removed();
    const [copy] = tab2.list();
    copy.held = false; // tab 2 learns of the identity later and releases its copy
    await tab2.save([copy]);
    expect([...s.map.keys()]).toEqual([]);
    const gone = await tab2.refresh();
    expect(gone.map((r) => r.key)).toEqual(['e:held']);
    expect(tab2.list()).toEqual([]);
  });

  it('a released event still waiting for its first write is stored whole', async () => {
    const s = sharedStore();
    const tab = createQueue(s.store, limits, () => {});
    const r = { ...record('e:new'), held: true };
    const added = tab.add(r);
    r.held = false;
    await tab.save([r]);
    await added;
    expect((s.map.get('e:new') as QueuedRecord).held).toBe(false);
  });

  it('a record another tab had dropped is reported as dropped, and its mark expires with the age limit', async () => {
    const s = sharedStore();
    const tab1 = createQueue(s.store, limits, () => {});
    const tab2 = createQueue(s.store, limits, () => {});
    await tab1.add(record('e:000000001-refused'));
    await tab1.add(record('e:000000002-sent'));
    await tab2.refresh();
    const [refused, sent] = tab1.list();
    tab1.markDropped([refused]);
    tab1.remove([refused, sent]);
    await tab1.removed();
    const gone = await tab2.refresh();
    expect(gone.map((r) => [r.key, tab2.wasDropped(r)])).toEqual([['e:000000001-refused', true], ['e:000000002-sent', false]]);
    expect([...s.map.keys()]).toEqual(['xe:000000001-refused']);
    tab2.expire(parseInt('000000001', 36) + limits.maxAgeMs + 1);
    await tick();
    expect([...s.map.keys()]).toEqual([]);
  });
});
