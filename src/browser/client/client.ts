/**
 * `createRegal`: the public calls. Each one is synchronous for the caller, never throws,
 * and returns a promise that settles once the event is stored (with `.delivered` for when
 * it was sent). This file only wires the modules that own each concept:
 *
 * - call.ts: one call from the caller to the queue; load.ts: storage, and the order of the
 *   calls made before it answers; replay.ts: calls the snippet recorded before load.
 * - copy-props.ts: properties frozen at the call; record.ts: event size limit and keys.
 * - identity/identity-state.ts: who the visitor is, across tabs; hold/hold.ts: what is held
 *   until the visitor is contactable, and when it is released.
 * - opt-out.ts; outcomes.ts (`.delivered`, drop counts, stats); unload.ts (the last send and
 *   the rescue copy); report.ts (the error channel).
 * - events/ (what is sent), queue/ (kept where), delivery/ (sent how).
 */
import type { CallOptions, Callback, EventMap, IdentifyTraits, PageContext, Properties, RegalClient, RegalError, RegalOptions } from '../types';
import type { ClientState } from './state';
import type { CallMoment } from './replay';
import { resolveOptions } from './options';
import { createEmitter } from '../lib/emitter';
import { idSource, uuid } from '../lib/uuid';
import { toJsonSafe } from '../lib/json-safe';
import { resolveUrl } from '../lib/resolve-url';
import { regalError } from '../errors';
import { callForm } from './call-arguments';
import { identifyEvent, pageEvent, screenEvent, trackEvent } from '../events/event-builders';
import { resilientStore } from '../queue/store';
import { createQueue } from '../queue/queue';
import { createFlusher } from '../delivery/flusher';
import { directTransport, relayTransport } from '../delivery/transport';
import { forgetVisitor, identifyVisitor, saveIdentity, syncIdentity } from '../identity/identity-state';
import { dropOnReset, isHeld, release } from '../hold/hold';
import { base, call } from './call';
import { ordered, ready } from './load';
import { copyProps, readProps } from './copy-props';
import { pageNow, replay, timestampOf } from './replay';
import { dropAllForOptOut, runOptOutBuffer, startsOptedOut, writeOptOut } from './opt-out';
import { delivered, drop, noDrops, settle, stats } from './outcomes';
import { updateRescueCopy } from './unload';
import { report } from './report';
import { syncCookie } from '../identity/sync-cookie';

export { IDENTITY_KEY } from '../identity/identity-store';
export type { CallMoment } from './replay';

/** Internal hooks for `trackForm` and the script tag (kept off the documented surface). */
export interface ClientInternals {
  _report(code: RegalError['code'], message: string, value?: unknown): void;
  _country: string;
  /** The relay's URL (relay mode; forms' `phoneCheck` posts beside it), absent in direct mode. */
  _relay?: string;
  /** Runs `call` (a public call, made now) as if made at `made`: the time and page of a call
   * the script tag's snippet recorded before the library loaded. The call's own options
   * still win. Its arguments are passed on untouched, so every call form replays as it was. */
  _replay<T>(made: CallMoment, call: () => T): T;
}

/**
 * Creates a client. Nothing is read or written until the first call or `ready()`.
 *
 * @example
 * const regal = createRegal({ endpoint: '/regal' })
 * regal.page()
 * regal.identify({ phone: '(555) 123-4567', email: 'jane@example.com' })
 */
export function createRegal<E extends EventMap = EventMap>(options: RegalOptions = {}): RegalClient<E> & ClientInternals {
  const o = resolveOptions(options);
  const now = () => Date.now();
  // Fields that start false, 0 or '' are left out (undefined until set): bytes of the
  // script tag, and every read of them is a truthiness test or a comparison.
  const c = {
    _o: o,
    _now: now,
    // Its own random draw: ids from the shared source share their first digits within a
    // page, and two clients on one page must not share a lease or event keys.
    _tabId: idSource()().slice(0, 8),
    _emitter: createEmitter(),
    _stopLifecycle: () => {},
    _identity: { anonymousId: '', userId: null, traits: {}, updatedAt: 0 },
    _stamp: {},
    _stampBytes: 2,
    _early: [],
    _optedOut: startsOptedOut(o, globalThis.navigator as Parameters<typeof startsOptedOut>[1]),
    _optOutBuffer: [],
    _dropped: noDrops(),
    _delivered: 0,
    _waiters: new Map(),
    _outcomes: new Map(),
    _reported: new WeakSet(),
    _seq: 0,
    _lastWrite: Promise.resolve(),
    _unloadSent: new Set(),
    _share: o.cookieDomain === false ? undefined : syncCookie,
  } as Partial<ClientState> as ClientState;
  const store = (c._store = resilientStore(o.storageName, (cause) => report(c, regalError('storage_unavailable', `IndexedDB unavailable, using memory: ${cause}`))));
  const queue = (c._queue = createQueue(
    store,
    o,
    (reason, records) => drop(c, reason, records),
    (records) => {
      if (records.some((r) => !r.held)) c._flusher.schedule(o.flushIntervalMs);
      updateRescueCopy(c);
    },
  ));
  const relay = o.mode === 'direct' ? undefined : resolveUrl(o.endpoint);
  const transport = (c._transport = relay ? relayTransport(relay, now) : directTransport(o.endpoint, o.apiKey, now));
  const flusher = (c._flusher = createFlusher({
    queue,
    store,
    transport,
    limits: { maxEvents: o.batchSize, maxBytes: o.batchBytes },
    now,
    random: Math.random,
    tabId: c._tabId,
    lockName: `${o.storageName}:send`,
    async beforeRound() {
      // What another tab sent for this one resolves its `.delivered` with true; what it
      // dropped (refused for good, reset, opted out, over a cap, expired), with false.
      for (const r of await queue.refresh()) settle(c, [r], !queue.wasDropped(r));
      await syncIdentity(c);
      release(c);
      // A client destroyed meanwhile leaves the queue to the one that replaced it.
      if (!c._destroyed) queue.expire(now());
    },
    delivered(records) {
      updateRescueCopy(c);
      delivered(c, records);
    },
    rejected(records, status, reason) {
      drop(c, 'rejected', records);
      report(c, regalError('event_rejected', `${records.length} event(s) refused: ${reason}`, undefined, status));
    },
    failed(status, count) {
      report(c, regalError('delivery_failed', `POST ${o.endpoint} failed (${status || 'no answer'}); ${count} event(s) kept for retry`, undefined, status));
    },
    // The relay's phone check: delivered, but Regal cannot use the phone (the number is the
    // error's value, never in its message).
    warned: (w) => report(c, regalError(w.code, w.message, w.phoneNumber)),
  }));

  return {
    track(name, properties, options, callback) {
      // track(name, callback), track(name, props, callback), track(name, props, options, callback)
      let cb = callback as Callback | undefined;
      if (typeof properties === 'function') (cb = properties as Callback), (properties = options = undefined);
      else if (typeof options === 'function') (cb = options as Callback), (options = undefined);
      const opts = options && typeof options === 'object' ? (options as CallOptions) : undefined;
      const ts = timestampOf(c, opts);
      const id = uuid();
      const copy = copyProps(properties);
      return call(c, cb, id, () => {
        if (typeof name !== 'string' || !name.trim()) throw regalError('invalid_event_name', `track() needs a name, got ${name}`, name);
        const { value, json } = readProps(c, copy, properties, 'Properties', name);
        return { event: trackEvent(base(c, id, ts, opts), name, value), held: isHeld(c), size: json.length };
      });
    },

    page(category, name, properties, options, callback) {
      // page(), page(name), page(category, name), page(name, props), page(null, name), ...
      const form = callForm([category, name, properties, options, callback], 2);
      const strings = form.names.filter((a) => typeof a === 'string') as string[];
      const [pageCategory, pageName] = strings.length > 1 ? strings : [undefined, strings[0]];
      const opts = form.options;
      const ts = timestampOf(c, opts);
      const page: PageContext = { ...pageNow(c), ...(opts && opts.context && opts.context.page) };
      const id = uuid();
      const copy = copyProps(form.data);
      return call(c, form.callback, id, () => ({
        event: pageEvent(base(c, id, ts, opts), page, pageCategory || undefined, pageName || undefined, readProps(c, copy, form.data, 'Page properties').value),
        held: isHeld(c),
      }));
    },

    screen(name, properties, options, callback) {
      const form = callForm([name, properties, options, callback], 1);
      const screenName = typeof form.names[0] === 'string' ? form.names[0] : undefined;
      const opts = form.options;
      const ts = timestampOf(c, opts);
      const id = uuid();
      const copy = copyProps(form.data);
      return call(c, form.callback, id, () => {
        const { value, json } = readProps(c, copy, form.data, 'Screen properties');
        return { event: screenEvent(base(c, id, ts, opts), screenName, value), held: isHeld(c), size: json.length + (screenName || '').length + 10 };
      });
    },

    identify(userId, traits, options, callback) {
      const form = callForm([userId, traits, options, callback], 1, true);
      const first = form.names[0];
      const id = first != null ? String(first) : undefined;
      // Traits that are not an object (a string, a number) would be silently lost.
      let bad: unknown = form.data != null && typeof form.data !== 'object' ? form.data : undefined;
      // Copied at the call, as track's properties are: a form cleared right after submit
      // must not empty an identify that runs once storage has loaded.
      let given = {} as IdentifyTraits;
      try {
        if (bad === undefined && form.data) given = toJsonSafe(form.data as Properties).value as IdentifyTraits;
      } catch {
        bad = form.data;
      }
      const opts = form.options;
      const ts = timestampOf(c, opts);
      const source = (opts && opts.context && opts.context.page && opts.context.page.url) || pageNow(c).url;
      const messageId = uuid();
      return call(c, form.callback, messageId, () => {
        if (bad !== undefined) throw regalError('invalid_traits', `identify(): traits must be an object, got ${typeof bad}`, bad);
        // Who the visitor is now on the site's other subdomains (a reset there), before adding to it.
        c._share?.(c);
        const traits = identifyVisitor(c, id, given, { defaultCountry: o.defaultCountry, timestamp: ts, source });
        if (!traits) return undefined;
        release(c);
        const event = identifyEvent(base(c, messageId, ts, opts, traits));
        // Travels with the consent it vouches for (queued, resent, other tabs); the relay strips it.
        if (opts && opts.botToken) event.botToken = '' + opts.botToken;
        return { event, held: isHeld(c) };
      });
    },

    reset() {
      // In call order like every other call: a page() right after reset() is the new visitor's.
      return new Promise<void>((resolve) =>
        ordered(c, () => {
          dropOnReset(c);
          forgetVisitor(c).then(resolve);
        }),
      );
    },

    async flush(flushOptions) {
      try {
        await ready(c);
        await c._lastWrite;
        await flusher.flush(!!(flushOptions && flushOptions.keepalive));
      } catch {}
    },

    ready: () => ready(c).catch(() => {}),

    user: () => ({ anonymousId: c._identity.anonymousId, userId: c._identity.userId, traits: JSON.parse(JSON.stringify(c._identity.traits)) }),

    on: (event, fn) => c._emitter.on(event, fn),

    stats: () => stats(c),

    optOut() {
      writeOptOut(o.storageName, true);
      ordered(c, () => {
        dropAllForOptOut(c);
        c._optedOut = c._identity.optedOut = true;
        saveIdentity(c);
      });
    },

    optIn() {
      writeOptOut(o.storageName, false);
      ordered(c, () => {
        c._optedOut = c._identity.optedOut = false;
        saveIdentity(c);
        runOptOutBuffer(c);
      });
    },

    destroy() {
      c._destroyed = true;
      flusher.stop();
      c._stopLifecycle();
    },

    _report: (code, message, value) => report(c, regalError(code, message, value)),
    _country: o.defaultCountry,
    _relay: relay,
    _replay: (made, run) => replay(c, made, run),
  };
}
