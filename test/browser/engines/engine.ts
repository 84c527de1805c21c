/**
 * What a guarantee test needs of a browser, whatever its engine: a visitor with storage of
 * their own, tabs to navigate, reload, go back and forward in, scripts to run in a page,
 * form fields to fill, and the problems (console errors, uncaught errors) their pages had.
 * Chromium implements it with playwright (chromium-engine.ts), WebKit with WebDriver
 * (webkit-engine.ts). The vitest project picks the engine (`provide: { engine }` in
 * vitest.config.ts); `useEngine()` starts it with the site for a test file.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, inject } from 'vitest';
import { startSite, type Site } from '../site';
import { chromiumEngine } from './chromium-engine';
import { webkitEngine } from './webkit-engine';

export type EngineName = 'chromium' | 'webkit';

declare module 'vitest' {
  export interface ProvidedContext {
    engine: EngineName;
  }
}

/** One tab (window) of a visitor. Paths are the site's; absolute URLs (about:blank) work too. */
export interface Tab {
  /** Opens `path` and waits for its load event. */
  goto(path: string): Promise<void>;
  url(): Promise<string>;
  /** Runs `fn(arg)` in the page and returns its (JSON) result, awaiting a promise. */
  run<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T>;
  /** Polls `fn(arg)` in the page until it is truthy; a navigation in between is waited out. */
  waitFor<A = undefined>(fn: (arg: A) => unknown, arg?: A, timeoutMs?: number): Promise<void>;
  reload(): Promise<void>;
  /** History back; the page may come from the back/forward cache (no load event then). */
  back(): Promise<void>;
  forward(): Promise<void>;
  /** Types `text` into the field (replacing what it had). */
  fill(selector: string, text: string): Promise<void>;
  /** Ticks a checkbox (left ticked if it was). */
  check(selector: string): Promise<void>;
  click(selector: string): Promise<void>;
  /** Clicks, then waits until the tab has loaded a page at `path` (a pathname). */
  clickToNavigate(selector: string, path: string): Promise<void>;
  /** Closes the tab, as a visitor does: pagehide runs, nothing waits for the page. */
  close(): Promise<void>;
}

export interface EngineVisitor {
  /** The first tab, blank until `goto`. */
  tab: Tab;
  /** Another tab of the same visitor (same storage), blank. */
  newTab(): Promise<Tab>;
  /** Console errors and uncaught errors of every page of this visitor, as text. */
  problems: string[];
  /** Takes the browser off the network and back (`navigator.onLine` and its events), where
   * the engine's driver can: not WebKitGTK's WebDriver (see webkit-engine.ts). */
  setOffline?(offline: boolean): Promise<void>;
}

/** A started engine: visitors, and what it could not start with. */
export interface Engine {
  name: EngineName;
  /** A new visitor: fresh storage, nothing shared with any other visitor. */
  visitor(site: Site): Promise<EngineVisitor>;
  /** Ends every visitor opened since the last call. */
  closeVisitors(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineDefinition {
  /** Why the engine cannot run here (a missing program), or undefined when it can. */
  missing(): string | undefined;
  start(): Promise<Engine>;
}

export interface EngineHarness extends Site {
  engine: EngineName;
  visitor(): Promise<EngineVisitor>;
}

const engines: Record<EngineName, EngineDefinition> = { chromium: chromiumEngine, webkit: webkitEngine };

/** The engine of this vitest project ('chromium' where none is provided). */
export const engineName: EngineName = inject('engine') ?? 'chromium';
const definition = engines[engineName];
const missing = definition.missing();
if (missing) {
  if (process.env.CI) throw new Error(`CI: ${missing}. Refusing to skip the ${engineName} tests.`);
  console.warn(`\n${'!'.repeat(100)}\nSKIPPED (${engineName}): ${missing}\n${'!'.repeat(100)}\n`);
}

/** `describe` that skips (loudly, above) when the engine's programs are missing. */
export const describeInEngine = (name: string, fn: () => void) => describe.skipIf(!!missing)(`${name} [${engineName}]`, fn);

/**
 * One site and one engine per test file, a clean record before each test, every visitor
 * ended after it. Returns a stand-in that forwards to the harness once `beforeAll` started it.
 */
export function useEngine(): EngineHarness {
  let site: Site | undefined;
  let engine: Engine | undefined;
  let harness: EngineHarness | undefined;
  beforeAll(async () => {
    site = await startSite();
    engine = await definition.start();
    harness = { ...site, engine: engineName, visitor: () => engine!.visitor(site!) };
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await site?.close();
  });
  beforeEach(async () => {
    await site!.reset();
  });
  afterEach(async () => {
    await engine?.closeVisitors();
  });
  return new Proxy({} as EngineHarness, {
    get: (_, key) => {
      if (!harness) throw new Error('The harness starts in beforeAll: use it inside tests and hooks.');
      return harness[key as keyof EngineHarness];
    },
  });
}
