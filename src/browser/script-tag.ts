/**
 * The script-tag entry (dist/regal.min.js), and the one module that reads `window` when it
 * loads.
 *
 * 1. Picks up the pre-load queue that the snippet (src/browser/snippet/snippet.js) left in
 *    `window.regal`: `[method, args, {timestamp, page}]` per call made before this script.
 * 2. Reads options from its own script tag's data- attributes (below).
 * 3. Replaces `window.regal` with the live API, and loads the client when it has been told
 *    how (a `regal.load(options)` call, or options on the tag). Until then, calls queue up.
 * 4. Replays the queued calls in order, each with the time and page it was made on, so a
 *    replayed `page()` describes the page it was called on, not the one loaded by then.
 * 5. Binds forms marked `data-regal-form`, now and when added later (see forms/).
 *
 * Script tag options (each is the RegalOptions field of the same name):
 *
 *   <script async src="/regal.min.js"
 *     data-endpoint="/regal"              endpoint (the tag loads itself when it has any option)
 *     data-mode="relay"                   mode: relay | direct
 *     data-api-key="..."                  apiKey (direct mode only; public on a public page!)
 *     data-event-source="Website"         eventSource
 *     data-default-country="US"           defaultCountry
 *     data-debug                          debug (a flag: present, "true" or "false")
 *     data-hold-until-contactable="false" holdUntilContactable
 *     data-opted-out                      optedOut; also data-opted-out-storage="memory"
 *     data-respect-global-privacy-control, data-respect-do-not-track, data-capture-attribution
 *     data-max-events, data-max-bytes, data-max-age-ms, data-batch-size, data-batch-bytes,
 *     data-flush-interval-ms              numbers
 *     data-storage-name                   storageName
 *   ></script>
 *
 * If anything here fails, `window.regal` stays (or becomes) a set of no-ops: the host page
 * never sees an exception from us.
 */
import { createRegal, trackForm, watchDeclarativeForms } from './index';
import { capturePage } from './events/page-context';
import type { CallResult, RegalClient, RegalOptions, Stats, UserInfo } from './types';
import type { CallMoment, ClientInternals } from './client/client';
import { noDrops } from './client/outcomes';

/** One call as the snippet records it. */
type RecordedCall = [method: string, args: unknown[], made?: CallMoment];

type TrackFormTarget = Parameters<typeof trackForm>[1];
type TrackFormOptions = Parameters<typeof trackForm>[2];

/** `window.regal` once this script has run: the client's calls, plus `load` and `trackForm`. */
export interface RegalGlobal extends Omit<RegalClient, 'ready' | 'destroy'> {
  /** Resolves (and calls `callback`) once the client is loaded and its storage is ready. */
  ready(callback?: () => void): Promise<void>;
  /** Track a lead form (see forms/): the form element or a CSS selector. */
  trackForm(form: TrackFormTarget, options?: TrackFormOptions): void;
  /** Start the client. Options given to the script tag are the defaults. Once only. */
  load(options?: RegalOptions): void;
}

// The option names each data- attribute may carry, by type (dataset turns `data-api-key`
// into `apiKey`, which is the RegalOptions name). Space-separated to keep the bundle small.
const STRING_OPTIONS = ' endpoint mode apiKey eventSource defaultCountry optedOutStorage storageName cookieDomain ';
const NUMBER_OPTIONS = ' maxEvents maxBytes maxAgeMs batchSize batchBytes flushIntervalMs ';
const FLAG_OPTIONS = ' debug holdUntilContactable optedOut respectGlobalPrivacyControl respectDoNotTrack captureAttribution ';

/** The RegalOptions written as data- attributes on a script tag; other attributes are ignored. */
function readScriptOptions(dataset: DOMStringMap): RegalOptions {
  const options: Record<string, unknown> = {};
  for (const key in dataset) {
    const value = dataset[key] as string;
    const name = ' ' + key + ' ';
    if (STRING_OPTIONS.includes(name)) options[key] = value;
    else if (NUMBER_OPTIONS.includes(name)) {
      if (value.trim() && isFinite(+value)) options[key] = +value;
    } else if (FLAG_OPTIONS.includes(name)) options[key] = value !== 'false';
  }
  return options;
}

/** Runs one call on the client. `made` is the moment of a call recorded before load. */
function invoke(client: RegalClient & Partial<ClientInternals>, method: string, args: any[], made?: CallMoment): any {
  if (method === 'trackForm') return trackForm(client, args[0], args[1]);
  const run = () => (client as any)[method](...args);
  return made && client._replay ? client._replay(made, run) : run();
}

/** The CallResult of a call whose outcome `box` will hold: `[the client's CallResult]`, or
 * `[]` for a call that went nowhere. (A box, because resolving with the client's CallResult
 * itself would adopt it and lose its `delivered`.) */
const callResult = (box: Promise<[CallResult?]>): CallResult => {
  const stored = box.then(([r]) => r) as CallResult;
  stored.delivered = box.then(([r]) => (r && r.delivered) || false);
  return stored;
};

/** A settled CallResult for calls that go nowhere (the client failed to load). */
const nothing = () => callResult(Promise.resolve([]));

/** The live `window.regal`. `scriptOptions` are the defaults of `load()`. */
function createGlobal(scriptOptions: RegalOptions): [RegalGlobal, (call: RecordedCall) => void] {
  let client: RegalClient | undefined;
  let loaded = false;
  // Calls made before load(), as thunks: each runs once the client exists (or failed to).
  let pending: Array<(client: RegalClient | undefined) => void> = [];

  /** Runs `fn` with the client once load() has run (at once if it has): `undefined` if it failed. */
  const later = (fn: (client: RegalClient | undefined) => void) => (client || loaded ? fn(client) : pending.push(fn));

  /** Queues a call before load; its CallResult settles when it has been replayed. */
  const enqueue = (method: string, args: unknown[], made: CallMoment = { timestamp: new Date().toISOString(), page: capturePage() }) =>
    callResult(new Promise((resolve) => later((c) => resolve([c && invoke(c, method, args, made)]))));

  /** A client call that never throws: the client's once loaded, queued before, a no-op if it failed. */
  const call =
    (method: string) =>
    (...args: unknown[]): any => {
      try {
        return client ? invoke(client, method, args) : loaded ? nothing() : enqueue(method, args);
      } catch {
        return nothing();
      }
    };

  /** user() and stats(): the client's answer, or `fallback()` before (or without) a client. */
  const ask =
    <T>(method: 'user' | 'stats', fallback: () => T) =>
    (): T => {
      try {
        if (client) return client[method]() as T;
      } catch {}
      return fallback();
    };

  const api = {
    ready(callback?: () => void) {
      return new Promise<void>((resolve) =>
        // Resolves even if the client failed to load: a page awaiting it must not hang.
        later((c) =>
          Promise.resolve(c && c.ready())
            .then(resolve, resolve)
            .then(() => {
              // The page's own callback: what it throws is not ours to reject with.
              try {
                if (typeof callback === 'function') callback();
              } catch {}
            }),
        ),
      );
    },
    on(event: Parameters<RegalClient['on']>[0], fn: () => void) {
      let off: (() => void) | undefined;
      let gone = false;
      later((c) => {
        try {
          if (c && !gone) off = c.on(event, fn);
        } catch {}
      });
      return () => {
        gone = true;
        if (off) off();
      };
    },
    user: ask('user', (): UserInfo => ({ anonymousId: '', userId: null, traits: {} })),
    stats: ask(
      'stats',
      (): Stats => ({
        held: 0,
        queued: 0,
        delivered: 0,
        dropped: noDrops(),
        storage: 'none',
      }),
    ),
    // Several option objects when the snippet recorded several load() calls: merged in order.
    load(...options: Array<RegalOptions | undefined>) {
      if (loaded) return;
      loaded = true;
      try {
        client = createRegal(Object.assign({}, scriptOptions, ...options));
      } catch (error) {
        // Calls stay no-ops. A console warning only when asked for: never an error.
        if (scriptOptions.debug) console.warn('regal: the client failed to load; calls are ignored', error);
      }
      const queued = pending;
      pending = [];
      for (const run of queued) {
        try {
          run(client);
        } catch {}
      }
      // Binds `form[data-regal-form]` forms, those there now and those added later.
      if (client) watchDeclarativeForms(client);
    },
  } as RegalGlobal;
  for (const method of 'track page screen identify reset flush optOut optIn trackForm'.split(' ')) (api as any)[method] = call(method);

  /** Takes one call recorded by the snippet. */
  const replay = ([method, args, made]: RecordedCall) => {
    if (method === 'ready' || method === 'on') (api as any)[method](...args);
    else if (method !== 'user' && method !== 'stats') enqueue(method, args, made);
  };

  return [api, replay];
}

try {
  const w = window as unknown as { regal?: RecordedCall[] | RegalGlobal };
  const stub = w.regal;
  // Anything but the snippet's queue means the library is here already (two script tags).
  if (!stub || Array.isArray(stub)) {
    // `currentScript` is this tag while it runs (async or not); the fallback covers
    // wrappers that run the file from elsewhere.
    const script = document.currentScript || document.querySelector('script[data-regal]');
    const scriptOptions = script ? readScriptOptions((script as HTMLScriptElement).dataset) : {};
    const [api, replay] = createGlobal(scriptOptions);
    // The tag loads the client by itself when it carries options; else regal.load() does.
    const loads: RegalOptions[] = [];
    for (const recorded of stub || []) {
      if (!Array.isArray(recorded)) continue;
      if (recorded[0] === 'load') loads.push(recorded[1][0] as RegalOptions);
      else replay(recorded);
    }
    w.regal = api;
    if (loads.length || Object.keys(scriptOptions).length) api.load(...loads);
  }
} catch {
  // Never into the host page. The snippet's stubs (if any) stay in place as no-ops.
}
