/**
 * The bench page: the script-tag bundle as a site installs it, with the timings the load
 * figure needs taken around it, and a few helpers the measurements call.
 *
 * Served with COOP/COEP (cross-origin isolated): Chromium then gives `performance.now()`
 * 5 µs resolution instead of 100 µs, which the per-call figure needs.
 *
 * The page reads the `regal.load()` options from `?o=<JSON>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Visit } from './browser';

export const PAGE_PATH = '/bench/page.html';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>regal-browser bench</title>
<script>performance.mark('bench:t0'); window.__bench = { t0: performance.now() };</script>
<script src="/regal.min.js"></script>
<script>
  __bench.t1 = performance.now();
  performance.mark('bench:t1');
  __bench.delivered = 0;
  __bench.waiters = [];
  // Resolves with the page time at which \`count\` events had been delivered in total.
  __bench.untilDelivered = function (count) {
    return new Promise(function (resolve) {
      if (__bench.delivered >= count) resolve(__bench.deliveredAt || performance.now());
      else __bench.waiters.push({ count: count, resolve: resolve });
    });
  };
  regal.on('delivered', function (e) {
    __bench.delivered += e.messageIds.length;
    __bench.deliveredAt = performance.now();
    __bench.waiters = __bench.waiters.filter(function (w) {
      if (__bench.delivered < w.count) return true;
      w.resolve(__bench.deliveredAt);
      return false;
    });
  });
  regal.load(JSON.parse(new URLSearchParams(location.search).get('o') || '{}'));
  regal.ready().then(function () {
    __bench.ready = performance.now();
    performance.mark('bench:ready');
  });
</script>
</head><body><h1>regal-browser bench</h1></body></html>
`;

/** The page's URL on `base` with these `regal.load()` options. */
export function pageUrl(base: string, options: Record<string, unknown>): string {
  return `${base}${PAGE_PATH}?o=${encodeURIComponent(JSON.stringify(options))}`;
}

/** Serves the bench page under /bench. */
export function benchPages(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== PAGE_PATH) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`No bench page at ${path}`);
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  res.end(PAGE);
}

/** What the page keeps in `window.__bench`. */
export interface PageBench {
  t0: number;
  t1: number;
  ready?: number;
  delivered: number;
  deliveredAt?: number;
  untilDelivered(count: number): Promise<number>;
}

/** Opens the bench page in the visit and waits for `ready()`; says what the page reported if it never comes. */
export async function openBenchPage(visit: Visit, url: string): Promise<void> {
  await visit.page.goto(url);
  try {
    await visit.page.waitForFunction(() => (window as unknown as { __bench?: PageBench }).__bench?.ready !== undefined, undefined, { timeout: 30_000 });
  } catch (error) {
    throw new Error(`The bench page did not become ready within 30 s: ${visit.problems.join('; ') || 'no console errors'}`, { cause: error });
  }
}
