/**
 * Page lifecycle hooks for delivery. Deliberately no `unload` / `beforeunload`: they keep
 * pages out of the back/forward cache, and `pagehide` plus `visibilitychange` to hidden
 * are the last events mobile browsers reliably fire.
 *
 * Both Chromium and WebKit cache a page that leaves the site (a link, about:blank) and fire
 * `pageshow` with `persisted` when it comes back: its timers and sends resume from `visible`.
 * (test/browser/guarantees/delivery.test.ts, "back/forward cache", runs in both engines; the
 * store's own handling of a cached page is in queue/store.ts.)
 */
export interface LifecycleHandlers {
  /** The page may be going away: send what is queued now. */
  hidden(): void;
  /** Back in view, or restored from the back/forward cache. */
  visible(): void;
  online(): void;
}

export function watchLifecycle(h: LifecycleHandlers): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
  const onVisibility = () => (document.visibilityState === 'hidden' ? h.hidden() : h.visible());
  const onPageShow = (e: PageTransitionEvent) => e.persisted && h.visible();
  const onHide = () => h.hidden();
  const onOnline = () => h.online();
  document.addEventListener('visibilitychange', onVisibility);
  addEventListener('pagehide', onHide);
  addEventListener('pageshow', onPageShow);
  addEventListener('online', onOnline);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    removeEventListener('pagehide', onHide);
    removeEventListener('pageshow', onPageShow);
    removeEventListener('online', onOnline);
  };
}

/** False only when the browser is sure it is offline (`navigator.onLine` can't be trusted for true). */
export function isOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}
