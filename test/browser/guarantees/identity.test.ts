/**
 * Who the visitor is survives what visitors do between pages: reloads, navigations within
 * the site and off it, and leaving while a burst of events is still being stored. Run in
 * every engine (the vitest projects 'browser' and 'webkit').
 *
 * On the demo app (/app, the npm build; window.regal is its client).
 */
import { expect, it } from 'vitest';
import { describeEvents, sleep } from '../site';
import { describeInEngine, useEngine } from '../engines/engine';
import { exactlyOnce, leaveTo, libraryLoaded, ns, ONCE_IN_ORDER, openWithLibrary, PHONE, range, stats, user } from './helpers';

describeInEngine('identity across pages', () => {
  const h = useEngine();

  it('kept across reloads, navigations within the site, and a visit elsewhere', async () => {
    const visitor = await h.visitor();
    const { tab } = visitor;
    await openWithLibrary(tab, '/app');
    await tab.run((phone: string) => (window as any).regal.identify('wk-2', { phone }).delivered, PHONE);
    const first = await user(tab);
    expect(first.userId).toBe('wk-2');

    await tab.reload();
    await libraryLoaded(tab);
    expect(await user(tab), 'after a reload').toEqual(first);
    await leaveTo(tab, '/test/away.html');
    await leaveTo(tab, '/app/plans');
    await libraryLoaded(tab);
    expect(await user(tab), 'after a page of the site without the library').toEqual(first);
    await leaveTo(tab, 'about:blank');
    await openWithLibrary(tab, '/app/account');
    expect(await user(tab), 'after leaving the site and coming back').toEqual(first);
    expect((await stats(tab)).storage).toBe('indexeddb');

    // Every page view was sent under that identity.
    const events = await h.waitForEvents((e) => e.filter((x) => x.name === 'Page Viewed').length >= 4);
    for (const event of events) expect(event.userId, describeEvents(events)).toBe('wk-2');
    expect(visitor.problems).toEqual([]);
  });

  it('kept after a burst of 200 calls is cut short by leaving the site; the next event, tracked before leaving again, arrives once', async () => {
    const visitor = await h.visitor();
    const { tab } = visitor;
    await openWithLibrary(tab, '/app');
    await tab.run((phone: string) => (window as any).regal.identify('wk-1', { phone }).delivered, PHONE);
    await sleep(1500);
    // 200 calls and, in the same task, a navigation off the site: the page leaves while the
    // burst is still being written (WebKit keeps it in the back/forward cache meanwhile).
    await tab.run(() => {
      for (let n = 0; n < 200; n++) (window as any).regal.track('Burst', { n });
      location.href = 'about:blank';
    });
    await tab.waitFor(() => location.href === 'about:blank');
    await sleep(500);
    await openWithLibrary(tab, '/app');
    const back = await user(tab);
    expect(back.userId, `after coming back: ${JSON.stringify(back)}`).toBe('wk-1');
    expect(back.traits.phones?.map((p) => p.phoneNumber)).toEqual([PHONE]);

    await tab.run(() => void (window as any).regal.track('After return', { n: 1 }));
    await leaveTo(tab, 'about:blank');
    await sleep(500);
    await openWithLibrary(tab, '/app');
    await tab.run(() => (window as any).regal.flush());
    await h.waitForEvents((e) => ns(e, 'After return').length > 0 && new Set(ns(e, 'Burst')).size >= 200, 20_000);
    await tab.waitFor(() => (window as any).regal.stats().queued === 0);
    await sleep(500); // a repeat would have arrived by now
    const events = await h.events();
    expect(ns(events, 'After return'), describeEvents(events)).toEqual([1]);
    expect(events.find((e) => e.name === 'After return')!.userId).toBe('wk-1');
    // The burst: every event once (the order across the two pages that sent it is not kept).
    const burst = exactlyOnce([...ns(events, 'Burst')].sort((a, b) => a - b), range(200));
    expect(burst).toEqual(ONCE_IN_ORDER);
    expect(visitor.problems).toEqual([]);
  });
});
