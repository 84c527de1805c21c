/**
 * The engine API on WebKit: WebKitGTK's `WebKitWebDriver` (Debian: webkit2gtk-driver)
 * driving `MiniBrowser` in automation mode, on a virtual X display (xvfb.ts; MiniBrowser
 * has no headless mode), over the plain W3C protocol (webdriver.ts).
 *
 * - A visitor is a WebDriver session of their own, which is a MiniBrowser process of its
 *   own. In automation mode MiniBrowser uses an ephemeral network session: storage
 *   (IndexedDB, localStorage, cookies) lives in memory for that process, so visitors share
 *   nothing. The driver takes one session at a time, so each visitor also gets a driver.
 * - Tabs are windows of the session (`POST /window/new`): one browser, one storage.
 * - Problems come from a watcher script that a per-visitor proxy puts in every page
 *   (problem-watch.ts): the driver has no log endpoint. The visitor's pages are at the
 *   proxy's origin, which stands for the site.
 * - Offline: the classic protocol has no network emulation and WebKitGTK takes
 *   `navigator.onLine` from the system's network monitor, so no `setOffline` here. The
 *   tests cut the relay at the server instead (`blockRelay`), which a browser sees as a
 *   failed request, as when the network is gone but the browser has not noticed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Site } from '../site';
import type { Engine, EngineDefinition, EngineVisitor, Tab } from './engine';
import { startProblemWatch } from './problem-watch';
import { createSession, type Session } from './webdriver';
import { startXvfb, stopProcess, type Display } from './xvfb';

const DRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';

/** Debian puts MiniBrowser in the multiarch library folder, under the WebKitGTK API version. */
function findMiniBrowser(): string | undefined {
  try {
    for (const arch of readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu')))
      for (const api of ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0']) {
        const path = `/usr/lib/${arch}/${api}/MiniBrowser`;
        if (existsSync(path)) return path;
      }
  } catch {}
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a driver on a free port of 127.0.0.1; resolves once it answers /status. */
async function startDriver(display: Display) {
  const port = await freePort();
  const child = spawn(DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: display.name }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c) => (log += c));
  child.stderr!.on('data', (c) => (log += c));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; ; ) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode}): ${log}`);
    try {
      if ((await fetch(`${base}/status`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer within 10 s: ${log}`);
    await sleep(50);
  }
  return { base, stop: () => stopProcess(child), log: () => log };
}

export const webkitEngine: EngineDefinition = {
  missing() {
    const lacking = [!existsSync(DRIVER) && `${DRIVER} (apt-get install -y webkit2gtk-driver)`, !findMiniBrowser() && 'MiniBrowser (apt-get install -y webkit2gtk-driver)', !existsSync(XVFB) && `${XVFB} (apt-get install -y xvfb)`].filter(Boolean);
    return lacking.length ? `the WebKit tests need ${lacking.join(', ')}` : undefined;
  },
  async start(): Promise<Engine> {
    const display = await startXvfb(XVFB);
    const binary = findMiniBrowser()!;
    const open = new Set<() => Promise<void>>();
    return {
      name: 'webkit',
      async visitor(site: Site): Promise<EngineVisitor> {
        const driver = await startDriver(display);
        const watch = await startProblemWatch(site.url);
        let session: Session;
        try {
          session = await createSession(driver.base, { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary, args: ['--automation'] } });
        } catch (error) {
          await driver.stop();
          await watch.close();
          throw new Error(`${(error as Error).message}\n${driver.log()}`);
        }
        const end = async () => {
          open.delete(end);
          await session.delete().catch(() => {});
          await driver.stop();
          await watch.close();
        };
        open.add(end);

        // One command at a time, each on its own window: switch first when another was used.
        let chain: Promise<unknown> = Promise.resolve();
        let current: string | undefined = await session.windowHandle();
        const on = <T>(handle: string | undefined, command: () => Promise<T>): Promise<T> => {
          const next = chain.then(async () => {
            if (handle && current !== handle) await session.switchTo(handle), (current = handle);
            return command();
          });
          chain = next.catch(() => {});
          return next;
        };
        const tab = (handle: string): Tab => {
          const at = (path: string) => new URL(path, watch.url).href;
          const run = <T, A>(fn: (arg: A) => T | Promise<T>, arg?: A) =>
            // esbuild's keepNames helper may appear in a function's source; the page has none.
            on(handle, () => session.executeAsync<T>(`var __name = function (f) { return f; }; return (${fn.toString()})(arguments[0]);`, arg === undefined ? [] : [arg]));
          const waitFor = async <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs = 15_000) => {
            let last: unknown;
            for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
              try {
                if (await run(fn, arg)) return;
              } catch (error) {
                last = error; // a navigation under way: look again
              }
            }
            throw new Error(`Timed out after ${timeoutMs} ms waiting for ${fn.toString().slice(0, 200)}${last ? ` (last error: ${(last as Error).message})` : ''}`);
          };
          const find = (selector: string) => on(handle, () => session.find(selector));
          return {
            goto: (path) => on(handle, () => session.navigate(at(path))),
            url: () => on(handle, () => session.url()),
            run,
            waitFor,
            reload: () => on(handle, () => session.refresh()),
            back: () => on(handle, () => session.back()).then(() => waitFor(() => document.readyState === 'complete')),
            forward: () => on(handle, () => session.forward()).then(() => waitFor(() => document.readyState === 'complete')),
            async fill(selector, text) {
              const element = await find(selector);
              await on(handle, () => session.clear(element));
              await on(handle, () => session.type(element, text));
            },
            async check(selector) {
              if (await run((s: string) => (document.querySelector(s) as HTMLInputElement).checked, selector)) return;
              const element = await find(selector);
              await on(handle, () => session.click(element));
            },
            async click(selector) {
              const element = await find(selector);
              await on(handle, () => session.click(element));
            },
            async clickToNavigate(selector, path) {
              const element = await find(selector);
              await on(handle, () => session.click(element));
              await waitFor((p: string) => location.pathname === p && document.readyState === 'complete', path);
            },
            close: () => on(handle, () => session.closeWindow()).then(() => void (current = undefined)),
          };
        };
        return {
          tab: tab(current),
          newTab: async () => {
            // A new window needs a current one: after a close, any window left will do.
            const [any] = current ? [current] : await on(undefined, () => session.windowHandles());
            return tab(await on(any, () => session.newWindow()));
          },
          problems: watch.problems,
        };
      },
      async closeVisitors() {
        await Promise.all([...open].map((end) => end()));
      },
      async close() {
        await Promise.all([...open].map((end) => end()));
        await display.stop();
      },
    };
  },
};
