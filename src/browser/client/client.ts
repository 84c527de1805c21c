/**
 * `createRegal`: the public calls. Each one is synchronous for the caller, never throws,
 * and returns a promise that settles once the event is stored (with `.delivered` for
 * when it was sent). Decisions live in the pure modules it wires together:
 * identity.ts (who), events.ts (what), queue/ (kept where), delivery/ (sent how).
 */
import type { CallOptions, CallResult, Callback, DropReason, EventMap, IdentifyTraits, PageContext, Properties, RegalClient, RegalError, RegalEvents, RegalOptions, Stats } from '../types';
import type { ContactTraits } from '../../wire/schema';
import { resolveOptions } from './options';
import { createEmitter } from '../lib/emitter';
import { idSource, uuid } from '../lib/uuid';
import { regalError } from '../errors';
import { isPlainObject, toJsonSafe } from '../lib/json-safe';
import { capturePage } from '../events/page-context';
import { callForm } from './call-arguments';
import { identifyEvent, pageEvent, screenEvent, trackEvent, type EventBase, type OutgoingEvent } from '../events/event-builders';
import { identifyEventTraits, identifyingTraits, isContactable, mergeTraits, normalizeTraits, type Identity } from '../identity/identity';
import { attributionTraits, mergeTouches, parseAttribution, type Touches } from '../identity/attribution';
import { resilientStore } from '../queue/store';
import { saveRescue, takeRescued } from '../queue/rescue';
import { createQueue, EVENT_PREFIX, type QueuedRecord } from '../queue/queue';
import { createFlusher } from '../delivery/flusher';
import { directTransport, relayBody, relayTransport, beacon } from '../delivery/transport';
import { chunkWithin } from '../delivery/batch';
import { watchLifecycle } from '../delivery/lifecycle';

/** What is stored about the visitor, under one key. */
interface StoredIdentity extends Identity {
  optedOut?: boolean;
  touches?: Touches;
  /** Last change, so a tab can tell whether another tab's copy is newer. */
  updatedAt: number;
}

export const IDENTITY_KEY = 'm:identity';
// One event past this is refused at the call: it could never fit a beacon or Regal's 64 KB body.
const MAX_EVENT_BYTES = 32_000;
// Everything of an event but its properties, name and traits: ids, timestamp, keys (~190).
const ENVELOPE_BYTES = 220;
// Unload: Chrome gives all keepalive requests of a page 64 KB together; keep a margin.
const UNLOAD_BUDGET = 60_000;

/** What a call's builder returns: the event, whether it is held, its properties' JSON size. */
interface Built {
  event: OutgoingEvent;
  held: boolean;
  size?: number;
}

/** Internal hooks for `trackForm` (kept off the documented surface). */
export interface ClientInternals {
  _report(code: RegalError['code'], message: string, value?: unknown): void;
  _country: string;
  /** Runs `call` (a public call, made now) as if made at `made`: the time and page of a call
   * the script tag's snippet recorded before the library loaded. The call's own options
   * still win. Its arguments are passed on untouched, so every call form replays as it was. */
  _replay<T>(made: CallMoment, call: () => T): T;
}

/** When and on which page a call was made. */
export interface CallMoment {
  timestamp: string;
  page: PageContext;
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
  const random = Math.random;
  // Its own random draw: ids from the shared source share their first digits within a page,
  // and two clients on one page must not share a lease or event keys.
  const tabId = idSource()().slice(0, 8);
  const emitter = createEmitter<RegalEvents>();
  const dropped: Record<DropReason, number> = { invalid: 0, overflow: 0, expired: 0, rejected: 0, reset: 0, 'opted-out': 0 };
  let delivered = 0;
  let seq = 0;
  let keyMs = 0;
  let keyTime = '';

  // Who the visitor is; the stamp (primary phone/email) is derived once per identity change.
  let identity: StoredIdentity = { anonymousId: '', userId: null, traits: {}, updatedAt: 0 };
  let stamp: ContactTraits = {};
  let stampBytes = 2;
  let contactable = false;
  let loaded = false;
  let destroyed = false;
  let optedOut = readOptOut(o.storageName) || !!o.optedOut || (!!o.respectGlobalPrivacyControl && !!(globalThis.navigator as { globalPrivacyControl?: boolean } | undefined)?.globalPrivacyControl) || (!!o.respectDoNotTrack && globalThis.navigator?.doNotTrack == '1');
  // Calls made while opted out with `optedOutStorage: 'memory'`: run at optIn(), dropped
  // (as `reset`) if the visitor who made them is reset first.
  let optOutBuffer: Array<{ anon: string; messageId: string; attempt: () => void }> = [];
  // Errors already reported (an identify reports each invalid trait, then fails with one).
  const reported = new WeakSet<RegalError>();
  const early: Array<() => void> = [];
  const waiters = new Map<string, (ok: boolean) => void>();
  let lastWrite: Promise<void> = Promise.resolve();
  let stopLifecycle = () => {};
  let unloadSent = new Set<string>();
  // Set while a recorded call replays (see _replay).
  let replaying: CallMoment | undefined;
  const pageNow = () => (replaying ? replaying.page : capturePage());
  const timestampOf = (options: CallOptions | undefined) => callTimestamp(options, replaying && replaying.timestamp);

  const report = (error: RegalError) => {
    reported.add(error);
    // Messages never carry the raw value (it is in `error.value`): safe to log.
    if (o.debug) console.warn('[regal]', error.code, error.message);
    try {
      o.onError?.(error);
    } catch {}
    emitter.emit('error', error);
  };
  // Outcomes nobody asked for yet (`.delivered` is read lazily, often never): the last
  // thousand are kept, so that reading it after the fact still answers.
  const outcomes = new Map<string, boolean>();
  const settle = (records: QueuedRecord[], ok: boolean) => {
    for (const { event } of records) {
      const waiter = waiters.get(event.messageId);
      if (waiter) waiters.delete(event.messageId), waiter(ok);
      else if (outcomes.set(event.messageId, ok).size > 1000) outcomes.delete(outcomes.keys().next().value!);
    }
  };
  const onDrop = (reason: DropReason, records: QueuedRecord[]) => {
    // Other tabs holding these see them gone: the mark tells them it was not a delivery.
    queue.markDropped(records.filter((r) => r.key));
    dropped[reason] += records.length;
    emitter.emit('dropped', { reason, count: records.length, messageIds: records.map((r) => r.event.messageId) });
    settle(records, false);
  };

  const store = resilientStore(o.storageName, (cause) => report(regalError('storage_unavailable', `IndexedDB unavailable, using memory: ${cause}`)));
  const queue = createQueue(store, o, onDrop, (records) => {
    if (records.some((r) => !r.held)) flusher.schedule(o.flushIntervalMs);
    // Stored after all: the copy must not outlive them (the next visit would send them again
    // once this tab has delivered them).
    if (rescueSaved) saveRescueCopy();
  });
  /** Copies what is not yet in IndexedDB to localStorage (see queue/rescue.ts). */
  let rescueSaved = false;
  const saveRescueCopy = () => {
    // After a fallback to memory (IndexedDB failed), nothing is durable but the copy.
    const unstored = queue.list().filter((r) => store.kind == 'memory' || !queue.isStored(r));
    saveRescue(o.storageName, tabId, unstored);
    rescueSaved = unstored.length > 0;
  };
  /** The stamp and contactability follow from the traits; worked out once per change. */
  const derive = () => {
    stamp = identifyingTraits(identity.traits);
    stampBytes = JSON.stringify(stamp).length;
    contactable = isContactable(identity.traits);
  };
  const saveIdentity = () => {
    identity.updatedAt = now();
    derive();
    return store.setMany([[IDENTITY_KEY, identity]]).catch(() => {});
  };

  /** Held events of this visitor become sendable, stamped with who they turned out to be. */
  const release = () => {
    if (!contactable || destroyed) return;
    const changed: QueuedRecord[] = [];
    for (const r of queue.list()) {
      if (!r.held || r.anon != identity.anonymousId) continue;
      r.held = false;
      r.event.traits = { ...r.event.traits, ...stamp };
      if (identity.userId && r.event.userId == r.anon) r.event.userId = identity.userId;
      r.bytes = JSON.stringify(r.event).length;
      changed.push(r);
    }
    if (changed.length) queue.save(changed).then(() => flusher.schedule(0));
  };

  const runOptOutBuffer = () => {
    const buffered = optOutBuffer;
    optOutBuffer = [];
    buffered.forEach((b) => b.attempt());
  };
  /** Not tracking means not keeping what was tracked either. */
  const dropAllForOptOut = () => {
    const all = queue.list();
    if (all.length) queue.remove(all), onDrop('opted-out', all);
  };

  /** Adopts the identity another tab saved since (an identify or reset there), then releases. */
  const syncIdentity = async () => {
    const saved = (await store.get(IDENTITY_KEY).catch(() => undefined)) as StoredIdentity | undefined;
    // Newer, or written in the same millisecond by another tab and different: theirs wins.
    if (saved && (saved.updatedAt > identity.updatedAt || (saved.updatedAt == identity.updatedAt && JSON.stringify(saved) != JSON.stringify(identity)))) {
      identity = saved;
      derive();
      // An optOut() in another tab stops this one too, before its next send.
      if (saved.optedOut && !optedOut) dropAllForOptOut();
      const optedIn = optedOut && saved.optedOut === false;
      if (saved.optedOut != null) optedOut = saved.optedOut;
      // And an optIn() there sends what this tab kept in memory meanwhile.
      if (optedIn) runOptOutBuffer();
    }
    release();
  };
  // A held event may belong to a visitor another tab has identified meanwhile: look soon
  // (one identity read, at most once per flush interval), not only at the next send.
  let syncSoon: ReturnType<typeof setTimeout> | undefined;
  const syncIdentitySoon = () => {
    syncSoon ||= setTimeout(() => {
      syncSoon = undefined;
      if (!destroyed) syncIdentity();
    }, o.flushIntervalMs);
  };

  const transport = o.mode == 'direct' ? directTransport(o.endpoint, o.apiKey, now) : relayTransport(resolveUrl(o.endpoint), now);
  const flusher = createFlusher({
    queue,
    store,
    transport,
    limits: { maxEvents: o.batchSize, maxBytes: o.batchBytes },
    now,
    random,
    tabId,
    lockName: `${o.storageName}:send`,
    async beforeRound() {
      // What another tab sent for this one resolves its `.delivered` with true; what it
      // dropped (refused for good, reset, opted out, over a cap, expired), with false.
      for (const r of await queue.refresh()) settle([r], !queue.wasDropped(r));
      await syncIdentity();
      // A client destroyed meanwhile leaves the queue to the one that replaced it.
      if (!destroyed) queue.expire(now());
    },
    delivered(records) {
      delivered += records.length;
      if (rescueSaved) saveRescueCopy();
      emitter.emit('delivered', { messageIds: records.map((r) => r.event.messageId) });
      settle(records, true);
    },
    rejected(records, status, reason) {
      onDrop('rejected', records);
      report(regalError('event_rejected', `${records.length} event(s) refused: ${reason}`, undefined, status));
    },
    failed(status, count) {
      report(regalError('delivery_failed', `POST ${o.endpoint} failed (${status || 'no answer'}); ${count} event(s) kept for retry`, undefined, status));
    },
  });

  /** At unload, send what is queued without waiting for storage or answers. */
  const sendAtUnload = () => {
    const records = queue.list().filter((r) => !r.held && !unloadSent.has(r.key));
    if (!records.length || !navigator.onLine) return;
    if (o.mode == 'direct') {
      for (const chunk of chunkWithin(records, MAX_EVENT_BYTES, UNLOAD_BUDGET).flat()) {
        unloadSent.add(chunk.key);
        transport([chunk.event], true).catch(() => {});
      }
      return;
    }
    const url = resolveUrl(o.endpoint);
    for (const chunk of chunkWithin(records, UNLOAD_BUDGET, UNLOAD_BUDGET)) {
      // Stays stored until a later flush is confirmed; the relay drops the repeat by messageId.
      if (!beacon(url, relayBody(chunk.map((r) => r.event), now))) break;
      chunk.forEach((r) => unloadSent.add(r.key));
    }
  };

  /**
   * The page is going away before storage has answered (a lead form submitted on a slow
   * phone while IndexedDB is still opening): run the waiting calls now under a provisional
   * identity, so that what can be sent leaves with this page. If the page stays after all,
   * `load` merges the provisional identity into the stored one.
   */
  let provisional: StoredIdentity | undefined;
  const runBeforeLoad = () => {
    provisional = identity;
    identity.anonymousId ||= uuid();
    loaded = true;
    early.splice(0).forEach((run) => run());
  };

  const load = async () => {
    stopLifecycle = watchLifecycle({
      hidden() {
        if (destroyed) return;
        if (!loaded) runBeforeLoad();
        queue.writeNow();
        saveRescueCopy();
        sendAtUnload();
      },
      visible() {
        // Still here: the writes started at hide time will land; the copy is not needed.
        saveRescue(o.storageName, tabId, []);
        rescueSaved = false;
        unloadSent = new Set();
        flusher.schedule(0);
      },
      online: () => flusher.schedule(0),
    });
    try {
      const fresh: StoredIdentity = { anonymousId: uuid(), userId: null, traits: {}, updatedAt: now() };
      const saved = await store.claim(IDENTITY_KEY, fresh);
      if (saved && saved.anonymousId && saved != fresh) {
        const early = provisional && identity;
        identity = saved;
        if (early) {
          // Calls already ran under a provisional identity: keep what they learnt, and
          // give their events to the stored visitor.
          identity.userId = early.userId || saved.userId;
          identity.traits = mergeTraits(saved.traits, early.traits);
          for (const r of queue.list()) {
            if (r.anon != early.anonymousId) continue;
            r.anon = saved.anonymousId;
            if (r.event.userId == early.anonymousId) r.event.userId = identity.userId || saved.anonymousId;
          }
        }
      } else if (!provisional) identity = fresh;
      await queue.load(now());
      // Events an earlier page could only copy to localStorage as it went away.
      for (const r of takeRescued(o.storageName)) if (!queue.list().some((x) => x.key == r.key)) queue.add(r);
    } catch {}
    // Written back only when this load changed it: a load that rewrote the identity anyway
    // could put a stale copy over what another tab identified a moment before.
    let changed = !identity.anonymousId || !!provisional;
    if (!identity.anonymousId) identity.anonymousId = uuid();
    if (identity.optedOut != null) optedOut = identity.optedOut;
    if (o.captureAttribution !== false && typeof location != 'undefined') {
      try {
        const before = JSON.stringify(identity.touches);
        identity.touches = mergeTouches(identity.touches, parseAttribution(location.href, document.referrer, location.href, new Date().toISOString()));
        changed ||= JSON.stringify(identity.touches) != before;
      } catch {}
    }
    if (changed) saveIdentity();
    else derive();
    loaded = true;
    if (destroyed) return;
    early.splice(0).forEach((run) => run());
    // Whatever earlier visits left behind, released if the visitor is known by now.
    release();
    flusher.schedule(0);
  };
  let readyPromise: Promise<void> | undefined;
  const ready = () => (readyPromise ||= load());

  /** Runs `fn` now if storage has loaded, else right after, in call order. Never throws. */
  const ordered = (fn: () => void) => {
    const safe = () => {
      try {
        fn();
      } catch {}
    };
    if (loaded) safe();
    else early.push(safe), ready();
  };

  /**
   * Runs a call once storage has loaded (in call order), stores the event it builds, and
   * returns the call's result. `build` returns the event (with the JSON size of its
   * properties, when known), or throws a RegalError. This is `track`'s hot path: once
   * loaded it allocates one promise and one accessor, nothing per event beyond that.
   */
  const call = (callback: Callback | undefined, messageId: string, build: () => Built | undefined): CallResult => {
    let failed = false;
    let error: RegalError | null = null;
    // Closures and arrays only where needed: this is `track`'s hot path.
    /** Builds and stores the event (returns its write), or buffers or drops the call while
     * opted out. */
    const attempt = (): Promise<void> | undefined => {
      if (optedOut) {
        // Not even built: an identify made while opted out must not keep the visitor's PII.
        if (o.optedOutStorage == 'memory') optOutBuffer.push({ anon: identity.anonymousId, messageId, attempt });
        else (failed = true), onDrop('opted-out', placeholder(messageId));
        return;
      }
      try {
        const built = build();
        if (built) return enqueue(built.event, built.held, built.size);
        // Nothing to send (an identify that changes nothing): `.delivered` is false.
        failed = true;
        settle(placeholder(messageId), false);
      } catch (e) {
        error = (e as RegalError).name == 'RegalError' ? (e as RegalError) : regalError('internal', String(e));
        if (!reported.has(error)) report(error);
        failed = true;
        onDrop('invalid', placeholder(messageId));
      }
    };
    const run = (): Promise<void> => {
      const stored = attempt() || Promise.resolve();
      return callback ? stored.then(() => void callback(error), () => {}).catch(() => {}) : stored.then(noop, noop);
    };
    let result: CallResult;
    if (loaded) result = run() as CallResult;
    else {
      let resolve!: () => void;
      result = new Promise<void>((r) => (resolve = r)) as CallResult;
      early.push(() => run().then(resolve));
      ready();
    }
    let delivered: Promise<boolean> | undefined;
    Object.defineProperty(result, 'delivered', {
      get: () => (delivered ||= failed ? Promise.resolve(false) : outcomes.has(messageId) ? Promise.resolve(outcomes.get(messageId)!) : new Promise<boolean>((r) => waiters.set(messageId, r))),
    });
    return result;
  };

  const enqueue = (event: OutgoingEvent, held: boolean, propertiesSize?: number): Promise<void> => {
    // The size of what the call added (its properties, measured when they were copied) plus
    // a bound on the rest, instead of serialising every event a second time. JSON length
    // counts UTF-16 units; a unit is at most 3 bytes of UTF-8, so only an event that could
    // be over the limit is measured exactly.
    const units = propertiesSize == null ? JSON.stringify(event).length : propertiesSize + ENVELOPE_BYTES + stampBytes + (event.name || '').length;
    const bytes = units * 3 > MAX_EVENT_BYTES ? new TextEncoder().encode(JSON.stringify(event)).length : units;
    if (bytes > MAX_EVENT_BYTES) throw regalError('invalid_properties', `Event over ${MAX_EVENT_BYTES} bytes: ${bytes}`);
    const at = now();
    // Keys sort by time, then by call order within this tab; the tab id keeps tabs apart.
    if (at != keyMs) (keyMs = at), (keyTime = EVENT_PREFIX + at.toString(36).padStart(9, '0'));
    const record: QueuedRecord = { key: keyTime + (seq++).toString(36).padStart(5, '0') + tabId, event, anon: identity.anonymousId, held, at, bytes: units };
    lastWrite = queue.add(record);
    if (held) syncIdentitySoon();
    return lastWrite;
  };

  /** The fields every event of a call shares, fixed at the moment of the call. */
  const base = (messageId: string, timestamp: string, options: CallOptions | undefined, traits: ContactTraits = stamp): EventBase => ({
    messageId,
    timestamp,
    eventSource: o.eventSource,
    userId: identity.userId || (options && options.anonymousId) || identity.anonymousId,
    traits,
  });
  const held = () => o.holdUntilContactable && !contactable;
  /**
   * Properties copied at the moment of the call (a later mutation must not change the event,
   * even when the event is built after storage loads): `null` for none, `undefined` for
   * input that is not a plain object. Plain values, not closures: this is `track`'s hot path.
   */
  const copyProps = (value: unknown) => {
    if (value == null) return null;
    try {
      // A getter or toJSON of the caller's may throw, or turn the object into something else.
      const copy = isPlainObject(value) && toJsonSafe(value);
      // JSON text of an object parses to a plain object: no second prototype check needed.
      return copy && copy.json[0] == '{' ? copy : undefined;
    } catch {
      return undefined;
    }
  };
  /** The copy as the builder uses it, at build time, so that a bad input is reported in
   * call order with the call's callback. Messages name the input: `label` (of `name`). */
  const readProps = (copy: ReturnType<typeof copyProps>, input: unknown, label: string, name?: unknown): { value: Properties; json: string } => {
    const what = () => label + (name === undefined ? '' : ` of ${name}`);
    if (copy === undefined) throw regalError('invalid_properties', `${what()}: not a plain object of JSON data`, input);
    if (!copy) return { value: {}, json: '{}' };
    if (copy.circular) report(regalError('invalid_properties', `${what()}: circular reference sent as "[Circular]"`));
    return copy;
  };

  const client: RegalClient<E> & ClientInternals = {
    track(name, properties, options, callback) {
      // track(name, callback), track(name, props, callback), track(name, props, options, callback)
      let cb = callback as Callback | undefined;
      if (typeof properties == 'function') (cb = properties as Callback), (properties = options = undefined);
      else if (typeof options == 'function') (cb = options as Callback), (options = undefined);
      const opts = options && typeof options == 'object' ? (options as CallOptions) : undefined;
      const ts = timestampOf(opts);
      const id = uuid();
      const copy = copyProps(properties);
      return call(cb, id, () => {
        if (typeof name != 'string' || !name.trim()) throw regalError('invalid_event_name', `track() needs a name, got ${name}`, name);
        const { value, json } = readProps(copy, properties, 'Properties', name);
        return { event: trackEvent(base(id, ts, opts), name, value), held: held(), size: json.length };
      });
    },

    page(category, name, properties, options, callback) {
      // page(), page(name), page(category, name), page(name, props), page(null, name), ...
      const form = callForm([category, name, properties, options, callback], 2);
      const strings = form.names.filter((a) => typeof a == 'string') as string[];
      const [pageCategory, pageName] = strings.length > 1 ? strings : [undefined, strings[0]];
      const opts = form.options;
      const ts = timestampOf(opts);
      const page: PageContext = { ...pageNow(), ...(opts && opts.context && opts.context.page) };
      const id = uuid();
      const copy = copyProps(form.data);
      return call(form.callback, id, () => ({ event: pageEvent(base(id, ts, opts), page, pageCategory || undefined, pageName || undefined, readProps(copy, form.data, 'Page properties').value), held: held() }));
    },

    screen(name, properties, options, callback) {
      const form = callForm([name, properties, options, callback], 1);
      const screenName = typeof form.names[0] == 'string' ? form.names[0] : undefined;
      const opts = form.options;
      const ts = timestampOf(opts);
      const id = uuid();
      const copy = copyProps(form.data);
      return call(form.callback, id, () => {
        const { value, json } = readProps(copy, form.data, 'Screen properties');
        return { event: screenEvent(base(id, ts, opts), screenName, value), held: held(), size: json.length + (screenName || '').length + 10 };
      });
    },

    identify(userId, traits, options, callback) {
      const form = callForm([userId, traits, options, callback], 1, true);
      const first = form.names[0];
      const id = first != null ? String(first) : undefined;
      // Traits that are not an object (a string, a number) would be silently lost.
      let bad: unknown = form.data != null && typeof form.data != 'object' ? form.data : undefined;
      // Copied at the call, as track's properties are: a form cleared right after submit
      // must not empty an identify that runs once storage has loaded.
      let given = {} as IdentifyTraits;
      try {
        if (bad === undefined && form.data) given = toJsonSafe(form.data as Properties).value as IdentifyTraits;
      } catch {
        bad = form.data;
      }
      const opts = form.options;
      const ts = timestampOf(opts);
      const source = (opts && opts.context && opts.context.page && opts.context.page.url) || pageNow().url;
      const messageId = uuid();
      return call(form.callback, messageId, () => {
        if (bad !== undefined) throw regalError('invalid_traits', `identify(): traits must be an object, got ${typeof bad}`, bad);
        const { traits: update, errors } = normalizeTraits(given, { defaultCountry: o.defaultCountry, timestamp: ts, source });
        errors.forEach(report);
        const userChanged = id != null && id.trim() != '' && id != identity.userId;
        if (userChanged) identity.userId = id!;
        if (!Object.keys(update).length && !userChanged) {
          if (errors.length) throw errors[0];
          return undefined;
        }
        identity.traits = mergeTraits(identity.traits, update);
        saveIdentity();
        release();
        const traits = { ...attributionTraits(identity.touches), ...identifyEventTraits(identity.traits, update) };
        const event = identifyEvent(base(messageId, ts, opts, traits));
        // Travels with the consent it vouches for (queued, resent, other tabs); the relay strips it.
        if (opts && opts.botToken) event.botToken = '' + opts.botToken;
        return { event, held: held() };
      });
    },

    reset() {
      // In call order like every other call: a page() right after reset() is the new visitor's.
      return new Promise<void>((resolve) =>
        ordered(() => {
          const old = identity.anonymousId;
          const left = queue.list().filter((r) => r.held && r.anon == old);
          queue.remove(left);
          // Calls buffered while opted out belong to the visitor who made them.
          const buffered = optOutBuffer.filter((b) => b.anon == old);
          optOutBuffer = optOutBuffer.filter((b) => b.anon != old);
          const gone = [...left, ...buffered.map((b) => ({ event: { messageId: b.messageId } }) as QueuedRecord)];
          if (gone.length) onDrop('reset', gone);
          identity = { anonymousId: uuid(), userId: null, traits: {}, optedOut: identity.optedOut, updatedAt: 0 };
          saveIdentity().then(resolve);
        }),
      );
    },

    async flush(flushOptions) {
      try {
        await ready();
        await lastWrite;
        await flusher.flush(!!(flushOptions && flushOptions.keepalive));
      } catch {}
    },

    ready: () => ready().catch(() => {}),

    user: () => ({ anonymousId: identity.anonymousId, userId: identity.userId, traits: JSON.parse(JSON.stringify(identity.traits)) }),

    on: (event, fn) => emitter.on(event, fn),

    stats(): Stats {
      let heldCount = 0;
      const records = queue.list();
      for (const r of records) if (r.held) heldCount++;
      return { held: heldCount, queued: records.length - heldCount, delivered, dropped: { ...dropped }, storage: store.kind };
    },

    optOut() {
      writeOptOut(o.storageName, true);
      ordered(() => {
        dropAllForOptOut();
        optedOut = identity.optedOut = true;
        saveIdentity();
      });
    },

    optIn() {
      writeOptOut(o.storageName, false);
      ordered(() => {
        optedOut = identity.optedOut = false;
        saveIdentity();
        runOptOutBuffer();
      });
    },

    destroy() {
      destroyed = true;
      flusher.stop();
      stopLifecycle();
    },

    _report: (code, message, value) => report(regalError(code, message, value)),
    _country: o.defaultCountry,
    _replay(made, run) {
      replaying = made;
      try {
        return run();
      } finally {
        replaying = undefined;
      }
    },
  };
  // Count and report bad calls made before load the same way as after.
  return client;
}

// The opt-out is also kept in localStorage, which can be read at once: an opted-out visitor
// must not be tracked in the moments before IndexedDB answers (see runBeforeLoad).
const optOutKey = (name: string) => `${name}:opted-out`;
function readOptOut(name: string): boolean {
  try {
    return localStorage.getItem(optOutKey(name)) == '1';
  } catch {
    return false;
  }
}
function writeOptOut(name: string, out: boolean): void {
  try {
    out ? localStorage.setItem(optOutKey(name), '1') : localStorage.removeItem(optOutKey(name));
  } catch {}
}


/** The call's moment as ISO 8601. A burst of calls in one millisecond formats it once. */
let lastMs = 0;
let lastIso = '';
function callTimestamp(options: CallOptions | undefined, recorded?: string): string {
  const given = options && options.timestamp && new Date(options.timestamp);
  if (given && !isNaN(given.getTime())) return given.toISOString();
  if (recorded) return recorded;
  const ms = Date.now();
  if (ms != lastMs) (lastMs = ms), (lastIso = new Date(ms).toISOString());
  return lastIso;
}

const noop = () => {};

/** A stand-in record for a call whose event was never stored (settled or counted by id). */
const placeholder = (messageId: string) => [{ event: { messageId } } as QueuedRecord];

function resolveUrl(endpoint: string): string {
  try {
    return new URL(endpoint, typeof location != 'undefined' ? location.href : undefined).href;
  } catch {
    return endpoint;
  }
}
