/**
 * Heap growth in the page after `count` `track` calls, read with the DevTools protocol
 * (`HeapProfiler.collectGarbage` twice, then `Runtime.getHeapUsage`) before the burst and
 * after its events are delivered (identified visitor) or held (anonymous visitor).
 *
 * - identified: what stays behind once everything went out. Ideally ~0: anything left is
 *   per-event state that is never released.
 * - held: the in-memory mirror of `count` held events (the queue keeps them in memory and
 *   in IndexedDB until the visitor becomes contactable).
 *
 * `maxEvents` and `maxBytes` are raised above what `count` events need (the default caps,
 * 1 000 events and 2 MB, would drop most of a 10 000-event burst as overflow); drops are
 * reported and must be 0.
 */
import type { Browser } from 'playwright-core';
import type { BenchServer } from './bench-server';
import { heapAfterGc, newVisit } from './browser';
import { openBenchPage, pageUrl, type PageBench } from './pages';
import { sleep } from './stats';
import { EVENT_NAME, PHONE } from './track-cost';

export interface MemoryRun {
  heapGrowthKB: number;
  bytesPerEvent: number;
  dropped: number;
  problems: string[];
}

interface Regal {
  track(name: string, properties?: object): Promise<void>;
  identify(traits: object): Promise<void>;
  stats(): { held: number; queued: number; delivered: number; dropped: Record<string, number> };
}
type BenchWindow = { __bench: PageBench; regal: Regal };

export async function measureHeap(browser: Browser, server: BenchServer, { identified, count }: { identified: boolean; count: number }): Promise<MemoryRun> {
  await server.reset();
  const visit = await newVisit(browser, { mobile: false });
  const { page, cdp } = visit;
  try {
    await openBenchPage(visit, pageUrl(server.url, { endpoint: '/regal', maxEvents: count * 2, maxBytes: count * 2_000 }));
    if (identified) {
      await page.evaluate((phone) => {
        const w = window as unknown as BenchWindow;
        w.regal.identify({ phone });
        return w.__bench.untilDelivered(1);
      }, PHONE);
    }
    await sleep(300);
    const before = await heapAfterGc(cdp);
    const outcome = await page.evaluate(
      async ({ count, identified, name, timeoutMs }) => {
        const w = window as unknown as BenchWindow;
        const deadline = performance.now() + timeoutMs;
        const deliveredBefore = w.__bench.delivered;
        let last: Promise<void> = Promise.resolve();
        // No array of results: the page must not be what holds memory.
        for (let i = 0; i < count; i++) last = w.regal.track(name, { i, plan: 'pro', price: 49.5, page: '/pricing' });
        await last;
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadline - performance.now()));
        const dropped = () => Object.values(w.regal.stats().dropped).reduce((a, b) => a + b, 0);
        if (identified) {
          // Dropped events are never delivered: stop waiting when they make up the count.
          const settled = (async () => {
            while (w.__bench.delivered - deliveredBefore + dropped() < count) await new Promise((r) => setTimeout(r, 100));
          })();
          await Promise.race([settled, timeout]);
        } else while (w.regal.stats().held + dropped() < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const s = w.regal.stats();
        return { held: s.held, queued: s.queued, delivered: w.__bench.delivered - deliveredBefore, dropped: dropped(), droppedBy: s.dropped };
      },
      { count, identified, name: EVENT_NAME, timeoutMs: 120_000 },
    );
    if (identified ? outcome.delivered < count : outcome.held < count) throw new Error(`heap run: not all ${count} events ${identified ? 'delivered' : 'held'}: ${JSON.stringify(outcome)}`);
    await sleep(500); // the deletes and timers that follow the last answer
    const after = await heapAfterGc(cdp);
    return { heapGrowthKB: (after - before) / 1024, bytesPerEvent: (after - before) / count, dropped: outcome.dropped, problems: visit.problems };
  } finally {
    await visit.close();
  }
}
