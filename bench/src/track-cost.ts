/**
 * Main-thread cost of `track` in real Chromium, and delivery through the relay.
 *
 * One run: a fresh visitor loads the bench page and waits for `ready()`. An identified
 * visitor first calls `identify({phone})` and waits for that event's delivery (so the queue
 * is empty). Then one synchronous burst of `count` `track` calls, timed with
 * performance.now() (5 µs resolution: the page is cross-origin isolated); then the run waits
 * until every event is stored (held, anonymous) or delivered (identified).
 *
 * - `usPerCall`: the burst's time / count, in µs: what the caller's code pays, on a fresh
 *   page (the SDK's code still cold: interpreted, then compiled as it gets hot).
 *   `usPerCallWarm` (identified, `warmBurst`): a second burst on the same page once the
 *   first is delivered.
 * - `deliveredMs`, `requests`, `bytesPerEvent` (identified): from the first call to the
 *   `delivered` event that completes the count; POSTs and body bytes counted at `/regal`;
 *   the reference server's record is checked for exactly `count` distinct events.
 * - Traced runs (tracing slows the page a little, so they are separate from the timed ones;
 *   only the `toplevel` category, the lightest that shows tasks): `longestTaskMs` is the
 *   longest main-thread task after the burst's own task until everything is stored or
 *   delivered, plus 300 ms (the IndexedDB writes, the sends, the answers, the deletes);
 *   `afterBusyMs` is the sum of those tasks; `tasksOver10ms` counts them, the burst's task
 *   included (`burstTaskMs`; the printed burst figure is the untraced `burstMs`).
 * - Profiled runs (tracing with V8's sampling profiler, which slows the page a lot: their
 *   times are not figures) say where the time went: `burstDetail` for the burst,
 *   `longestTaskDetail` for the longest task after it, as self time by function, named by
 *   source file through the bundle's source map.
 */
import type { Browser } from 'playwright-core';
import type { BenchServer } from './bench-server';
import { newVisit, PROFILE_CATEGORIES, TASK_CATEGORIES, traced } from './browser';
import { openBenchPage, pageUrl, type PageBench } from './pages';
import { bundleResolver } from './source-map';
import { cpuSamples, hotFunctions, mark, parseTrace, taskAt, tasks } from './trace';
import { sleep } from './stats';

export type Hot = { what: string; ms: number };

export const PHONE = '+15551234567';
export const EVENT_NAME = 'Bench Event';
// A tail after the last delivery or write, for the deletes and timers that follow it.
const TAIL_MS = 300;

export interface TrackRun {
  usPerCall: number;
  /** A second burst on the same page once the first is delivered (JIT warm). */
  usPerCallWarm?: number;
  burstMs: number;
  /** First call → every event stored (resolved `stored` promises). */
  storedMs: number;
  deliveredMs?: number;
  requests?: number;
  bytesPerEvent?: number;
  /** Distinct events of this burst in the reference server's record. */
  confirmed?: number;
  longestTaskMs?: number;
  burstTaskMs?: number;
  tasksOver10ms?: number;
  /** Where the longest task's time went (CPU profile, self time by function). */
  longestTaskDetail?: Hot[];
  /** Where the burst's time went. */
  burstDetail?: Hot[];
  /** Where the main thread's time went after the burst (writes, sends, answers). */
  afterDetail?: Hot[];
  /** Main-thread busy time (tasks) after the burst until done + tail. */
  afterBusyMs?: number;
  problems: string[];
}

export interface TrackOptions {
  identified: boolean;
  mobile: boolean;
  /** 'tasks': trace the task lengths; 'profile': also sample the CPU (slower, for the notes). */
  trace?: 'tasks' | 'profile';
  count: number;
  /** After the first burst is delivered, time a second one (identified only). */
  warmBurst?: boolean;
  /** Extra `regal.load()` options. */
  load?: Record<string, unknown>;
  timeoutMs?: number;
}

interface Regal {
  track(name: string, properties?: object): Promise<void>;
  identify(traits: object): Promise<void>;
  stats(): { held: number; queued: number; delivered: number; dropped: Record<string, number> };
}
type BenchWindow = { __bench: PageBench; regal: Regal };

export async function measureTrack(browser: Browser, server: BenchServer, options: TrackOptions): Promise<TrackRun> {
  const { identified, mobile, count } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  await server.reset();
  const visit = await newVisit(browser, { mobile });
  const { page } = visit;
  try {
    await openBenchPage(visit, pageUrl(server.url, { endpoint: '/regal', ...options.load }));
    if (identified) {
      await page.evaluate((phone) => {
        const w = window as unknown as BenchWindow;
        w.regal.identify({ phone });
        return w.__bench.untilDelivered(1);
      }, PHONE);
    }
    await sleep(100); // let the identify round finish its deletes before counting
    server.resetTraffic();

    const burst = () =>
      page.evaluate(
        async ({ count, identified, name, timeoutMs }) => {
          const w = window as unknown as BenchWindow;
          const regal = w.regal;
          const deliveredBefore = w.__bench.delivered;
          const results: Array<Promise<void>> = new Array(count);
          performance.mark('bench:burst');
          const t0 = performance.now();
          for (let i = 0; i < count; i++) results[i] = regal.track(name, { i, plan: 'pro', price: 49.5, page: '/pricing' });
          const t1 = performance.now();
          performance.mark('bench:burst-end');
          const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
          const stored = await Promise.race([Promise.all(results).then(() => performance.now()), timeout]);
          const delivered = identified ? await Promise.race([w.__bench.untilDelivered(deliveredBefore + count), timeout]) : undefined;
          performance.mark('bench:done');
          return { t0, t1, stored, delivered, stats: regal.stats() };
        },
        { count, identified, name: EVENT_NAME, timeoutMs },
      );

    let times: Awaited<ReturnType<typeof burst>>;
    let taskFigures: Partial<TrackRun> = {};
    if (options.trace) {
      const { result, trace } = await traced(browser, page, async () => {
        const r = await burst();
        await sleep(TAIL_MS);
        await page.evaluate(() => performance.mark('bench:tail'));
        return r;
      }, `track-${identified ? 'identified' : 'anonymous'}${mobile ? '-mobile' : ''}-${options.trace}`, options.trace === 'profile' ? PROFILE_CATEGORIES : TASK_CATEGORIES);
      times = result;
      const t = parseTrace(trace);
      const profile = options.trace === 'profile' ? cpuSamples(t) : undefined;
      const resolve = await bundleResolver();
      const burstTs = mark(t, 'bench:burst');
      const burstTask = taskAt(t, burstTs);
      // Every task after the burst's until the tail mark; the page's own waiting is idle time.
      const after = tasks(t, burstTs, mark(t, 'bench:tail')).filter((task) => task !== burstTask && task.ts > burstTs);
      const longest = after.reduce((a, b) => (b.dur! > a.dur! ? b : a), after[0]);
      taskFigures = {
        burstTaskMs: burstTask ? burstTask.dur! / 1000 : NaN,
        longestTaskMs: longest ? longest.dur! / 1000 : 0,
        tasksOver10ms: after.filter((task) => task.dur! > 10_000).length + (burstTask && burstTask.dur! > 10_000 ? 1 : 0),
        ...(profile && {
          longestTaskDetail: longest ? hotFunctions(profile, longest.ts, longest.ts + longest.dur!, resolve) : [],
            burstDetail: hotFunctions(profile, burstTs, mark(t, 'bench:burst-end'), resolve),
          afterDetail: hotFunctions(profile, mark(t, 'bench:burst-end'), mark(t, 'bench:tail'), resolve, 8),
        }),
        afterBusyMs: after.reduce((sum, task) => sum + task.dur! / 1000, 0),
      };
    } else {
      times = await burst();
    }
    if (times.stored === 'timeout' || times.delivered === 'timeout') {
      throw new Error(`track run timed out after ${timeoutMs} ms: stats ${JSON.stringify(times.stats)}`);
    }
    const run: TrackRun = {
      usPerCall: ((times.t1 - times.t0) / count) * 1000,
      burstMs: times.t1 - times.t0,
      storedMs: times.stored - times.t0,
      ...taskFigures,
      problems: visit.problems,
    };
    if (identified) {
      const traffic = server.relayTraffic();
      const recorded = (await server.events()).filter((e) => e.name === EVENT_NAME);
      const distinct = new Set(recorded.map((e) => (e.properties as { i?: number } | undefined)?.i));
      if (recorded.length !== count || distinct.size !== count) {
        throw new Error(`delivery: the reference server recorded ${recorded.length} events (${distinct.size} distinct) of ${count}`);
      }
      Object.assign(run, {
        deliveredMs: (times.delivered as number) - times.t0,
        requests: traffic.requests,
        bytesPerEvent: traffic.bytes / count,
        confirmed: distinct.size,
      });
      if (options.warmBurst) {
        const again = await burst();
        if (again.stored === 'timeout' || again.delivered === 'timeout') throw new Error(`second burst timed out: ${JSON.stringify(again.stats)}`);
        run.usPerCallWarm = ((again.t1 - again.t0) / count) * 1000;
      }
    }
    return run;
  } finally {
    await visit.close();
  }
}
