/**
 * Who the visitor is survives what visitors do between pages: reloads, navigations within
 * the site and off it, and leaving while a burst of events is still being stored. Run in
 * every engine (the vitest projects 'browser' and 'webkit').
 *
 * On the demo app (/app, the npm build; window.regal is its client).
 */
import { expect, it } from 'vitest';
import { describeEvents, sleep, type StoredEvent } from '../site';
import { describeInEngine, useEngine, type Tab } from '../engines/engine';

const PHONE = '+14155550142';
type Regal = {
  ready(): Promise<void>;
  identify(userId: string, traits: object): { delivered: Promise<boolean> };
  track(name: string, properties?: object): { delivered: Promise<boolean> };
  flush(): Promise<void>;
  user(): { anonymousId: string; userId: string | null; traits: { phones?: Array<{ phoneNumber: string }> } };
  stats(): { held: number; queued: number; storage: string };
};
const regal = () => (window as unknown as { regal: Regal }).regal;
const ns = (events: StoredEvent[], name: string) => events.filter((e) => e.name === name).map((e) => (e.properties as { n: number }).n);

/** Opens `path` of the demo app and waits until its client has loaded storage. */
async function openApp(tab: Tab, path = '/app') {
  await tab.goto(path);
  await tab.waitFor(() => !!(window as any).regal);
  await tab.run(() => (window as any).regal.ready());
}

/** Leaves the site the way a link or typed address does: from the page, in the same task. */
async function leaveTo(tab: Tab, url: string) {
  await tab.run((to: string) => void setTimeout(() => (location.href = to)), url);
  await tab.waitFor((to: string) => location.href === to, url);
}

describeInEngine('identity across pages', () => {
  const h = useEngine();

  it('kept after a burst of 200 calls is cut short by leaving the site; the next event, tracked before leaving again, arrives once', async () => {
    const visitor = await h.visitor();
    const { tab } = visitor;
    await openApp(tab);
    await tab.run((phone: string) => (window as any).regal.identify('wk-1', { phone }).delivered, PHONE);
    await sleep(1500);
    // 200 calls and, in the same task, a navigation off the site: the page unloads while
    // the burst is still being written.
    await tab.run(() => {
      for (let n = 0; n < 200; n++) (window as any).regal.track('Burst', { n });
      location.href = 'about:blank';
    });
    await tab.waitFor(() => location.href === 'about:blank');
    await sleep(500);
    await openApp(tab);
    const user = await tab.run(() => (window as any).regal.user());
    const burst = await h.waitForEvents((e) => new Set(ns(e, 'Burst')).size >= 200, 20_000).catch((error) => error as Error);
    expect(user.userId, `after coming back: ${JSON.stringify(user)}`).toBe('wk-1');
    expect(user.traits.phones?.map((p: { phoneNumber: string }) => p.phoneNumber)).toEqual([PHONE]);

    await tab.run(() => void (window as any).regal.track('After return', { n: 1 }));
    await leaveTo(tab, 'about:blank');
    await sleep(500);
    await openApp(tab);
    await tab.run(() => (window as any).regal.flush());
    const events = await h.waitForEvents((e) => ns(e, 'After return').length > 0, 10_000).catch(async () => h.events());
    await tab.waitFor(() => (window as any).regal.stats().queued === 0);
    await sleep(500); // a repeat would have arrived by now
    const all = await h.events();
    expect(ns(all, 'After return'), describeEvents(events)).toEqual([1]);
    for (const event of all.filter((e) => e.name === 'After return')) expect(event.userId).toBe('wk-1');
    expect(burst instanceof Error ? burst.message : 'ok').toBe('ok');
    const counts = new Map<number, number>();
    for (const n of ns(all, 'Burst')) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect([...counts.values()].filter((c) => c > 1), 'Burst events sent twice').toEqual([]);
    expect(visitor.problems).toEqual([]);
  });
});
