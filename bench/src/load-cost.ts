/**
 * Load cost of the script-tag bundle in real Chromium: from the moment before the
 * `<script src="/regal.min.js">` tag to `regal.ready()` resolving (storage open, identity
 * read), on a fresh visitor (new context: no HTTP cache, no code cache, no IndexedDB).
 *
 * Page-side times (performance.now(), untraced runs):
 * - `readyMs`: tag reached → `ready()` resolved. What a page waiting on `ready()` waits.
 * - `scriptMs`: tag reached → the next inline script runs: fetch, compile and evaluation of
 *   the bundle, during which the HTML parser is blocked.
 * Trace times (traced runs, from the DevTools protocol's tracing):
 * - `evaluateMs`: the `EvaluateScript` of regal.min.js on the main thread (compile of what
 *   was not compiled in the background + running the top level).
 * - `mainThreadMs`: all main-thread time running the bundle's code until ready: its
 *   evaluation plus every callback of it (IndexedDB open and upgrade, reads), overlaps once.
 * - `backgroundParseMs`: Chromium's off-thread streaming parse of the bundle.
 */
import type { Browser } from 'playwright-core';
import type { BenchServer } from './bench-server';
import { newVisit, TIMELINE_CATEGORIES, traced } from './browser';
import { openBenchPage, pageUrl, type PageBench } from './pages';
import { anyThreadNamed, eventsNamed, mark, parseTrace, unionMs } from './trace';

export interface LoadRun {
  readyMs: number;
  scriptMs: number;
  evaluateMs?: number;
  mainThreadMs?: number;
  backgroundParseMs?: number;
  problems: string[];
}

const SCRIPT = /\/regal\.min\.js$/;

export async function measureLoad(browser: Browser, server: BenchServer, { mobile, trace }: { mobile: boolean; trace: boolean }): Promise<LoadRun> {
  const visit = await newVisit(browser, { mobile });
  try {
    const open = async () => {
      await openBenchPage(visit, pageUrl(server.url, { endpoint: '/regal' }));
      return visit.page.evaluate(() => {
        const b = (window as unknown as { __bench: PageBench }).__bench;
        return { readyMs: b.ready! - b.t0, scriptMs: b.t1 - b.t0, isolated: crossOriginIsolated };
      });
    };
    if (!trace) {
      const times = await open();
      return { readyMs: times.readyMs, scriptMs: times.scriptMs, problems: visit.problems };
    }
    const { result: times, trace: buffer } = await traced(browser, visit.page, open, `load${mobile ? '-mobile' : ''}`, TIMELINE_CATEGORIES);
    const t = parseTrace(buffer);
    // Everything of the bundle's until ready (nothing of it runs before the tag). Not from the
    // bench:t0 mark: COOP puts the page in a new renderer process, and tracing may attach to
    // it just after that first mark.
    const from = -Infinity;
    const to = mark(t, 'bench:ready');
    const isBundle = (e: { args?: { data?: Record<string, unknown> } }) => SCRIPT.test(String(e.args?.data?.url ?? ''));
    const evaluate = eventsNamed(t, 'EvaluateScript', from, to).filter(isBundle);
    const calls = eventsNamed(t, 'FunctionCall', from, to).filter(isBundle);
    const parse = anyThreadNamed(t, 'v8.parseOnBackground').filter(isBundle);
    return {
      readyMs: times.readyMs,
      scriptMs: times.scriptMs,
      // No EvaluateScript: the trace missed the start of the page (not counted as 0).
      evaluateMs: evaluate.length ? evaluate.reduce((sum, e) => sum + e.dur! / 1000, 0) : NaN,
      mainThreadMs: evaluate.length ? unionMs([...evaluate, ...calls]) : NaN,
      backgroundParseMs: parse.reduce((sum, e) => sum + e.dur! / 1000, 0),
      problems: visit.problems,
    };
  } finally {
    await visit.close();
  }
}
