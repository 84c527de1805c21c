/**
 * Debian's Chromium (/usr/bin/chromium) driven by playwright-core, launched with the same
 * flags as test/browser/harness.ts; no browser is ever downloaded. Every run gets a visit:
 * a fresh browser context (its own IndexedDB, no code cache) with a DevTools protocol
 * session on its page, on a desktop viewport or on a phone with the CPU throttled.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, devices, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The phone of the mobile figures, and how much slower than this machine its CPU is. */
export const MOBILE_DEVICE = 'Pixel 7';
export const MOBILE_CPU_SLOWDOWN = 4;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`The browser figures need Debian Chromium at ${CHROMIUM} (apt-get install -y chromium); never a downloaded browser.`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface Visit {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** Console errors and uncaught exceptions on the page: the library must cause none. */
  problems: string[];
  close(): Promise<void>;
}

/** A new visitor: fresh context and storage; `mobile` emulates the phone and its slower CPU. */
export async function newVisit(browser: Browser, { mobile }: { mobile: boolean }): Promise<Visit> {
  const context = await browser.newContext(mobile ? { ...devices[MOBILE_DEVICE] } : { viewport: { width: 1280, height: 800 } });
  // Chromium asks for /favicon.ico; the 404 would be noise in the problems list.
  await context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  const cdp = await context.newCDPSession(page);
  if (mobile) await cdp.send('Emulation.setCPUThrottlingRate', { rate: MOBILE_CPU_SLOWDOWN });
  return { context, page, cdp, problems, close: () => context.close() };
}

/** The page's JS heap in bytes after a full garbage collection (DevTools protocol). */
export async function heapAfterGc(cdp: CDPSession): Promise<number> {
  // Twice: the first collection can leave weakly held objects for the second.
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

/**
 * Trace categories of the task figures: the scheduler's tasks (`toplevel`) and the page's
 * marks only, the lightest trace that still shows every task's length.
 */
export const TASK_CATEGORIES = ['__metadata', 'toplevel', 'blink.user_timing'];
/** What ran in a task: timers, IndexedDB and fetch callbacks, script evaluation, GC. */
export const TIMELINE_CATEGORIES = [...TASK_CATEGORIES, 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'];
/** Plus V8's sampling CPU profiler: says which functions took the time, but slows the page. */
export const PROFILE_CATEGORIES = [...TIMELINE_CATEGORIES, 'disabled-by-default-v8.cpu_profiler'];

let traceCount = 0;

/**
 * Runs `fn` with Chromium tracing on (DevTools protocol); returns its result and the trace.
 * With BENCH_TRACES=<dir>, every trace is also written there (open it in the DevTools
 * Performance panel).
 */
export async function traced<T>(browser: Browser, page: Page, fn: () => Promise<T>, name = 'trace', categories = TASK_CATEGORIES): Promise<{ result: T; trace: Buffer }> {
  await browser.startTracing(page, { categories });
  try {
    const result = await fn();
    const trace = await browser.stopTracing();
    const dir = process.env.BENCH_TRACES;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${String(++traceCount).padStart(3, '0')}-${name}.json`), trace);
    }
    return { result, trace };
  } catch (error) {
    await browser.stopTracing().catch(() => {});
    throw error;
  }
}
