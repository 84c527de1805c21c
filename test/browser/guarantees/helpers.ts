/**
 * Steps the guarantee tests share, on the engine API (engines/engine.ts).
 */
import type { StoredEvent } from '../site';
import type { Tab } from '../engines/engine';

export const PHONE = '+14155550142';

/** The `n` property of every recorded event named `name`, in arrival order. */
export const ns = (events: StoredEvent[], name: string) => events.filter((e) => e.name === name).map((e) => (e.properties as { n: number }).n);

export const range = (count: number, from = 0) => Array.from({ length: count }, (_, i) => from + i);

/** What is wrong with `got` as "each of `expected` exactly once, in this order". */
export function exactlyOnce(got: number[], expected: number[]) {
  const seen = new Map<number, number>();
  for (const n of got) seen.set(n, (seen.get(n) ?? 0) + 1);
  return {
    missing: expected.filter((n) => !seen.has(n)),
    duplicates: [...seen].filter(([, count]) => count > 1).map(([n]) => n),
    unexpected: got.filter((n) => !expected.includes(n)),
    inOrder: got.every((n, i) => i === 0 || got[i - 1] < n),
  };
}
export const ONCE_IN_ORDER = { missing: [], duplicates: [], unexpected: [], inOrder: true };

/** Opens `path` and waits until the page's `window.regal` (script tag or npm build) has loaded storage. */
export async function openWithLibrary(tab: Tab, path: string) {
  await tab.goto(path);
  await libraryLoaded(tab);
}

/** Waits until the page's `window.regal` has loaded storage (after a reload, a click, going back). */
export async function libraryLoaded(tab: Tab) {
  await tab.waitFor(() => {
    const regal = (window as any).regal;
    return !!regal && !Array.isArray(regal);
  });
  await tab.run(() => (window as any).regal.ready());
}

/** Tracks `count` events named `name` with n = from, from + 1, ... in one task. */
export function track(tab: Tab, name: string, from: number, count: number) {
  return tab.run(
    ([name, from, count]) => {
      for (let n = from; n < from + count; n++) (window as any).regal.track(name, { n });
    },
    [name, from, count] as [string, number, number],
  );
}

export const stats = (tab: Tab) => tab.run(() => (window as any).regal.stats() as { held: number; queued: number; delivered: number; storage: string });
export const user = (tab: Tab) => tab.run(() => (window as any).regal.user() as { anonymousId: string; userId: string | null; traits: { phones?: Array<{ phoneNumber: string }> } });
export const drained = (tab: Tab, timeoutMs?: number) => tab.waitFor(() => (window as any).regal.stats().queued === 0, undefined, timeoutMs);

/** Leaves for `url` from the page itself (as a link or a typed address would), and waits until there. */
export async function leaveTo(tab: Tab, url: string) {
  const target = await tab.run((to: string) => {
    const absolute = new URL(to, location.href).href;
    setTimeout(() => (location.href = absolute));
    return absolute;
  }, url);
  await tab.waitFor((to: string) => location.href === to && document.readyState === 'complete', target);
}

/** Chromium logs "Failed to load resource: net::ERR_..." for a request the test cut off at
 * the server: the browser's report of the test's own doing, not a problem of the library's. */
export const notCutOffLog = (path: string) => (problem: string) => !new RegExp(`: Failed to load resource: net::ERR_[A-Z_]+ \\(https?://[^/]+${path}\\)`).test(problem);
