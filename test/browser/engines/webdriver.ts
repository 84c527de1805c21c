/**
 * The few W3C WebDriver commands the WebKit tests use, over fetch. WebKitGTK's driver
 * (`WebKitWebDriver`) speaks the classic protocol only (this build refuses `webSocketUrl`:
 * no BiDi), so there is no console log, request interception or network emulation to
 * ask for; what the tests need of those, the harness does at the server (engines/front.ts).
 *
 * A client of our own rather than webdriverio: the protocol needed here is a dozen
 * endpoints of plain JSON, where webdriverio would add a large dependency tree (and
 * driver-download machinery we could not use) to every `npm ci`.
 */

/** A WebDriver error answer, with the command that got it. */
export class WebDriverError extends Error {
  constructor(
    readonly command: string,
    readonly error: string,
    message: string,
  ) {
    super(`WebDriver ${command}: ${error}: ${message}`);
    this.name = 'WebDriverError';
  }
}

/** An element reference as the protocol passes it. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
export type ElementRef = { [ELEMENT]: string };

export interface Session {
  readonly id: string;
  /** Navigates and waits for the load (the session's page load strategy: normal). */
  navigate(url: string): Promise<void>;
  url(): Promise<string>;
  back(): Promise<void>;
  forward(): Promise<void>;
  refresh(): Promise<void>;
  /** Runs `script` (a function body; `arguments` are `args`) and returns its JSON result. */
  execute<T = unknown>(script: string, args?: unknown[]): Promise<T>;
  /** The same, awaiting a returned promise (the protocol's async script, callback last). */
  executeAsync<T = unknown>(script: string, args?: unknown[]): Promise<T>;
  windowHandle(): Promise<string>;
  windowHandles(): Promise<string[]>;
  /** Opens a new window (same browser, same storage) and returns its handle; stays on the current one. */
  newWindow(): Promise<string>;
  switchTo(handle: string): Promise<void>;
  /** Closes the current window; returns the handles left. */
  closeWindow(): Promise<string[]>;
  find(css: string): Promise<ElementRef>;
  click(element: ElementRef): Promise<void>;
  /** Types `text` into the element, as keystrokes. */
  type(element: ElementRef, text: string): Promise<void>;
  clear(element: ElementRef): Promise<void>;
  /** Ends the session: the driver closes the browser. */
  delete(): Promise<void>;
}

/** Opens a session on the driver at `base` (e.g. http://127.0.0.1:4444) with `capabilities`. */
export async function createSession(base: string, capabilities: Record<string, unknown>): Promise<Session> {
  const send = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const command = `${method} ${path}`;
    const response = await fetch(base + path, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: { value?: any };
    try {
      json = JSON.parse(text);
    } catch {
      throw new WebDriverError(command, `HTTP ${response.status}`, text.slice(0, 200));
    }
    if (!response.ok || (json.value && typeof json.value === 'object' && 'error' in json.value && response.status >= 400)) {
      throw new WebDriverError(command, json.value?.error ?? `HTTP ${response.status}`, json.value?.message ?? text.slice(0, 200));
    }
    return json.value as T;
  };
  const created = await send<{ sessionId: string }>('POST', '/session', { capabilities: { alwaysMatch: capabilities } });
  const s = `/session/${created.sessionId}`;
  return {
    id: created.sessionId,
    navigate: (url) => send('POST', `${s}/url`, { url }),
    url: () => send('GET', `${s}/url`),
    back: () => send('POST', `${s}/back`, {}),
    forward: () => send('POST', `${s}/forward`, {}),
    refresh: () => send('POST', `${s}/refresh`, {}),
    execute: (script, args = []) => send('POST', `${s}/execute/sync`, { script, args }),
    executeAsync: (script, args = []) =>
      send('POST', `${s}/execute/async`, {
        // The callback comes last; a rejection is returned as {__error} and thrown here,
        // so that it reads as the page's message, not as a script timeout.
        script: `const done = arguments[arguments.length - 1];
          Promise.resolve().then(() => (function () { ${script} }).apply(null, Array.prototype.slice.call(arguments, 0, -1)))
            .then((value) => done({ value }), (e) => done({ __error: String(e && e.stack || e) }));`,
        args,
      }).then((result) => {
        const r = result as { value?: unknown; __error?: string };
        if (r && r.__error) throw new Error(`in the page: ${r.__error}`);
        return r.value as never;
      }),
    windowHandle: () => send('GET', `${s}/window`),
    windowHandles: () => send('GET', `${s}/window/handles`),
    newWindow: () => send<{ handle: string }>('POST', `${s}/window/new`, { type: 'window' }).then((r) => r.handle),
    switchTo: (handle) => send('POST', `${s}/window`, { handle }),
    closeWindow: () => send('DELETE', `${s}/window`),
    find: (css) => send('POST', `${s}/element`, { using: 'css selector', value: css }),
    click: (element) => send('POST', `${s}/element/${element[ELEMENT]}/click`, {}),
    type: (element, text) => send('POST', `${s}/element/${element[ELEMENT]}/value`, { text }),
    clear: (element) => send('POST', `${s}/element/${element[ELEMENT]}/clear`, {}),
    delete: () => send('DELETE', s),
  };
}
