import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { createRegal } from '../../src/browser/client/client';
import { RelayEventSchema } from '../../src/wire/schema';
import type { RegalClient, RegalError } from '../../src/browser/types';
import { fakeRelay, hidePage, leadThenHide, madeHereSentThere, tick } from './helpers';


let clients: RegalClient[] = [];
const make = (opts: Parameters<typeof createRegal>[0] = {}) => {
  const c = createRegal({ endpoint: '/regal', flushIntervalMs: 0, captureAttribution: false, ...opts });
  clients.push(c);
  return c;
};

beforeEach(() => {
  clients = [];
});
afterEach(() => {
  clients.forEach((c) => c.destroy());
  vi.unstubAllGlobals();
});

describe('holding anonymous visitors', () => {
  it('holds events until a phone is known, then sends them stamped with it, in order', async () => {
    const relay = fakeRelay();
    const regal = make();
    regal.page();
    regal.track('CTA Clicked', { label: 'quote' });
    await regal.flush();
    expect(relay.sent).toHaveLength(0);
    expect(regal.stats()).toMatchObject({ held: 2, queued: 0 });

    await regal.identify({ phone: '(555) 123-4567', smsOptIn: true } as any);
    await regal.flush();
    const events = relay.events();
    expect(events.map((e) => e.name ?? 'identify')).toEqual(['Page Viewed', 'CTA Clicked', 'identify']);
    for (const e of events) expect(e.traits.phones[0]).toMatchObject({ phoneNumber: '+15551234567', isPrimary: true });
    expect(regal.stats()).toMatchObject({ held: 0, queued: 0, delivered: 3 });
  });

  it('keeps the original timestamps of held events', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.track('Early', {}, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.identify({ email: 'Jane@Example.COM' });
    await regal.flush();
    const early = relay.events().find((e) => e.name == 'Early');
    expect(early.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(early.traits.emails[0].emailAddress).toBe('Jane@example.com');
  });

  it('never stamps a held event with the next visitor\'s phone after reset', async () => {
    const relay = fakeRelay();
    const regal = make();
    const dropped: any[] = [];
    regal.on('dropped', (d) => dropped.push(d));
    await regal.track('First visitor browsed');
    await regal.reset();
    await regal.identify({ phone: '+14155550100' });
    await regal.flush();
    expect(relay.events().map((e) => e.name)).not.toContain('First visitor browsed');
    expect(dropped).toEqual([expect.objectContaining({ reason: 'reset', count: 1 })]);
    expect(regal.stats().dropped.reset).toBe(1);
  });

  it('a call right after reset() belongs to the next visitor, also before storage loaded', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify('old-user', { phone: '+14155550100' });
    const oldAnon = regal.user().anonymousId;
    regal.reset();
    regal.page();
    await regal.flush();
    expect(regal.user()).toMatchObject({ userId: null });
    expect(regal.user().anonymousId).not.toBe(oldAnon);
    expect(regal.stats().held).toBe(1);
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['identify']);

    const fresh = make({ storageName: 'other' });
    fresh.identify('u', { email: 'a@b.co' });
    fresh.reset();
    fresh.track('after reset');
    await fresh.flush();
    expect(fresh.stats()).toMatchObject({ held: 1 });
  });

  it('sends at once when holding is turned off', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.track('Anonymous');
    await regal.flush();
    expect(relay.events()).toHaveLength(1);
    expect(relay.events()[0].traits).toEqual({});
    expect(relay.events()[0].userId).toBe(regal.user().anonymousId);
  });
});

describe('identity', () => {
  it('is the same visitor after a reload, and held events keep their order across it', async () => {
    const relay = fakeRelay();
    const first = make();
    first.track('one');
    first.track('two');
    await first.track('three');
    const anonymousId = first.user().anonymousId;
    first.destroy();

    const second = make();
    await second.ready();
    expect(second.user().anonymousId).toBe(anonymousId);
    await second.identify('user-7', { phone: '+442079460958' });
    await second.flush();
    const names = relay.events().map((e) => e.name ?? 'identify');
    expect(names).toEqual(['one', 'two', 'three', 'identify']);
    expect(relay.events().every((e) => e.userId == 'user-7')).toBe(true);
  });

  it('keeps calls made before storage loaded, in order', async () => {
    const relay = fakeRelay();
    const regal = make();
    regal.track('a');
    regal.identify({ phone: '555 123 4567' });
    regal.track('b');
    await regal.flush();
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['a', 'identify', 'b']);
  });

  it('sends opt-ins once, on the identify that captured them, with time and page', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify({ phones: [{ phoneNumber: '5551234567', smsOptIn: { subscribed: true }, voiceOptIn: true as any }] }, { timestamp: '2026-05-24T15:00:00Z' });
    await regal.track('Later');
    await regal.flush();
    const [identify, later] = relay.events();
    expect(identify.traits.phones[0].smsOptIn).toEqual({ subscribed: true, timestamp: '2026-05-24T15:00:00.000Z', source: location.href });
    expect(identify.traits.phones[0].voiceOptIn).toMatchObject({ subscribed: true });
    expect(later.traits.phones[0]).toEqual({ phoneNumber: '+15551234567', isPrimary: true });
  });

  it('rejects a phone that cannot be one (the value in error.value, never in the message, which ends up in logs) and never sends it', async () => {
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    let callbackError: RegalError | null = null;
    await regal.identify({ phone: 'call me maybe' }, (err) => (callbackError = err));
    await regal.flush();
    expect(errors[0]).toMatchObject({ code: 'invalid_phone', value: 'call me maybe' });
    expect(errors[0].message).toMatch(/^Invalid phone/);
    expect(errors[0].message).not.toContain('call me maybe');
    expect(callbackError).toMatchObject({ code: 'invalid_phone' });
    expect(JSON.stringify(relay.sent)).not.toContain('call me maybe');
    expect(regal.stats().held).toBe(0);
  });

  it('reports traits that are not an object, and sends nothing for that call', async () => {
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    await (regal.identify as any)('u1', 'jane@example.com');
    await (regal.identify as any)(true);
    await regal.flush();
    expect(errors.map((e) => e.code)).toEqual(['invalid_traits', 'invalid_traits']);
    expect(regal.user().userId).toBeNull();
    expect(relay.sent).toHaveLength(0);
  });

  it('merges phones without duplicates and with exactly one primary', async () => {
    fakeRelay();
    const regal = make();
    await regal.identify({ phone: '+15551234567' });
    await regal.identify({ phones: [{ phoneNumber: '(555) 123-4567' }, { phoneNumber: '+15559876543', isPrimary: true }] });
    const phones = regal.user().traits.phones!;
    expect(phones.map((p) => p.phoneNumber)).toEqual(['+15551234567', '+15559876543']);
    expect(phones.filter((p) => p.isPrimary).map((p) => p.phoneNumber)).toEqual(['+15559876543']);
  });

  it('maps the shorthands other SDKs use onto Regal shapes', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify('u1', { name: 'Jane Q Doe', email: ' jane@EXAMPLE.com ', plan: 'pro' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.userId).toBe('u1');
    expect(e.name).toBeUndefined();
    expect(e.traits).toMatchObject({ firstName: 'Jane', lastName: 'Q Doe', plan: 'pro', emails: [{ emailAddress: 'jane@example.com', isPrimary: true }] });
  });
});

describe('tabs and the page lifecycle', () => {
  it('a tab that was open before another tab identified the visitor sends what it tracks next', async () => {
    const relay = fakeRelay();
    // Opened at the same moment: one visitor, not two.
    const tab1 = make({ flushIntervalMs: 10 });
    const tab2 = make({ flushIntervalMs: 10 });
    await Promise.all([tab1.ready(), tab2.ready()]);
    expect(tab2.user().anonymousId).toBe(tab1.user().anonymousId);
    await tab1.identify({ phone: '+15551234567' });
    await tab2.track('In the other tab');
    const deadline = Date.now() + 3000;
    while (!relay.events().some((e) => e.name == 'In the other tab') && Date.now() < deadline) await tick(20);
    const event = relay.events().find((e) => e.name == 'In the other tab');
    expect(event?.traits.phones[0].phoneNumber).toBe('+15551234567');
  });

  it('.delivered resolves in the tab that made an event when another tab sent it', async () => {
    const relay = fakeRelay();
    const { maker, sender, delivered } = await madeHereSentThere(make);
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['identify', 'Made here']);
    await maker.flush();
    expect(relay.sent).toHaveLength(1);
    await expect(delivered).resolves.toBe(true);
  });

  it('a page hidden before storage has answered still sends its lead by beacon', async () => {
    // IndexedDB that takes its time to open, as on a busy phone.
    const realOpen = indexedDB.open.bind(indexedDB);
    vi.stubGlobal('indexedDB', { open: (name: string) => { const late: any = {}; setTimeout(() => { const r = realOpen(name); r.onupgradeneeded = (e) => late.onupgradeneeded?.(e); r.onsuccess = (e) => { late.result = r.result; late.onsuccess?.(e); }; r.onerror = (e) => { late.error = r.error; late.onerror?.(e); }; }, 300); return late; } });
    const beacons: any[] = [];
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: (_url: string, body: string) => (beacons.push(JSON.parse(body)), true) });
    fakeRelay();
    const regal = make();
    regal.identify({ phone: '(415) 555-0134', smsOptIn: true } as any);
    regal.track('Lead Form Submitted');
    hidePage();
    const sent = beacons.flatMap((b) => b.batch);
    expect(sent.map((e: any) => e.name ?? 'identify')).toEqual(['identify', 'Lead Form Submitted']);
    expect(sent[1].traits.phones[0].phoneNumber).toBe('+14155550134');
    // The page stayed after all: storage answers, and the lead is still stored and sent once confirmed.
    await regal.ready();
    await regal.flush();
    expect(regal.user().traits.phones![0].phoneNumber).toBe('+14155550134');
  });

  it('events only copied to localStorage by a page that went away are queued and sent by the next page load', async () => {
    // The page hides before the write of the lead has committed: it is copied aside.
    const { relay, first } = await leadThenHide(make);
    const copied = Object.keys(localStorage).filter((k) => k.includes(':rescue:'));
    expect(copied).toHaveLength(1);
    // As if IndexedDB had lost that write (fake-indexeddb commits it, and the client then
    // clears a copy that is no longer needed): the copy as the page left it.
    const rescued = JSON.parse(localStorage.getItem(copied[0])!);
    first.destroy();
    await new Promise((r) => setTimeout(r, 20));
    globalThis.indexedDB = new IDBFactory();
    localStorage.setItem(copied[0], JSON.stringify(rescued));
    const next = make();
    await next.flush();
    expect(relay.events().filter((e) => e.name == 'Lead Form Submitted')).toHaveLength(1);
    expect(Object.keys(localStorage).filter((k) => k.includes(':rescue:'))).toEqual([]);
  });

  it('an opted-out visitor is not tracked even in the moments before storage loads', async () => {
    const relay = fakeRelay();
    const first = make({ holdUntilContactable: false });
    first.optOut();
    await first.ready();
    first.destroy();
    const beacons: string[] = [];
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: (_u: string, b: string) => (beacons.push(b), true) });
    const second = make({ holdUntilContactable: false });
    second.track('Should not be sent');
    hidePage();
    await second.flush();
    expect(beacons).toEqual([]);
    expect(relay.sent).toHaveLength(0);
    second.optIn();
  });
});

describe('input safety', () => {
  it('reports a missing event name through the error channel and stores nothing', async () => {
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    await expect((regal.track as any)('')).resolves.toBeUndefined();
    await expect((regal.track as any)(42)).resolves.toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['invalid_event_name', 'invalid_event_name']);
    expect(regal.stats()).toMatchObject({ held: 0, queued: 0 });
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('makes properties JSON-safe and never sends a payload the schema rejects', async () => {
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ holdUntilContactable: false, onError: (e) => errors.push(e) });
    const circular: any = { a: 1 };
    circular.self = circular;
    const shared = { x: 1 };
    await regal.track('Weird', { when: new Date('2026-01-01T00:00:00Z'), big: BigInt(10) ** BigInt(20), fn: () => 1, undef: undefined, circular, one: shared, two: shared, nan: NaN });
    await (regal.track as any)('Bad props', 'not an object');
    await regal.flush();
    const [e] = relay.events();
    expect(e.properties).toEqual({ when: '2026-01-01T00:00:00.000Z', big: '100000000000000000000', circular: { a: 1, self: '[Circular]' }, one: { x: 1 }, two: { x: 1 }, nan: null });
    expect(errors.map((x) => x.code)).toEqual(['invalid_properties', 'invalid_properties']);
    // Each message names the call's input, so a site can find the call site.
    expect(errors.map((x) => x.message)).toEqual(['Properties of Weird: circular reference sent as "[Circular]"', 'Properties of Bad props: not a plain object of JSON data']);
    for (const event of relay.events()) expect(RelayEventSchema.safeParse(event).success).toBe(true);
    expect(relay.events()).toHaveLength(1);
  });

  it('freezes properties at the moment of the call', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const props = { step: 1 };
    regal.track('Step', props);
    props.step = 2;
    await regal.flush();
    expect(relay.events()[0].properties).toEqual({ step: 1 });
  });

  it('every kind of call builds events the wire schema accepts', async () => {
    const relay = fakeRelay();
    const regal = make();
    regal.page('Docs', 'Install', { section: 'npm' });
    regal.screen('Home');
    regal.track('Clicked', { n: 1 });
    regal.identify('u9', { phones: [{ phoneNumber: '+15551234567', label: 'mobile', smsOptIn: { subscribed: true } }], emails: [{ emailAddress: 'a@b.co', emailOptIn: { subscribed: false } }], address: { city: 'Boston' } });
    await regal.flush();
    expect(relay.events()).toHaveLength(4);
    for (const event of relay.events()) {
      const parsed = RelayEventSchema.safeParse(event);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(event.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.eventSource).toBe('Website');
      expect(new Date(event.originalTimestamp).toISOString()).toBe(event.originalTimestamp);
    }
    const page = relay.events()[0];
    expect(page).toMatchObject({ name: 'Page Viewed', properties: { category: 'Docs', name: 'Install', section: 'npm', path: location.pathname, url: location.href } });
    expect(relay.events()[1]).toMatchObject({ name: 'Screen Viewed', properties: { name: 'Home' } });
  });

  it('page() captures the UTM campaign of the url', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    regal.page({}, { context: { page: { url: 'https://a.co/x?utm_source=google&utm_campaign=spring', search: '?utm_source=google&utm_campaign=spring', path: '/x' } } } as any);
    await regal.flush();
    expect(relay.events()[0].properties).toMatchObject({ utm_source: 'google', utm_campaign: 'spring', path: '/x' });
  });

  it('a listener that throws does not break the library or reach the page', async () => {
    fakeRelay();
    const regal = make({ onError: () => { throw new Error('site bug'); } });
    regal.on('error', () => { throw new Error('site bug 2'); });
    await expect((regal.track as any)(null)).resolves.toBeUndefined();
  });
});

describe('queue caps', () => {
  it('drops the oldest past the count cap, counting and reporting them', async () => {
    fakeRelay();
    const regal = make({ maxEvents: 5 });
    const dropped: number[] = [];
    regal.on('dropped', (d) => d.reason == 'overflow' && dropped.push(d.count));
    for (let i = 0; i < 8; i++) regal.track(`e${i}`);
    await regal.flush();
    expect(regal.stats()).toMatchObject({ held: 5, dropped: { overflow: 3 } });
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('drops the oldest past the byte cap', async () => {
    fakeRelay();
    const regal = make({ maxBytes: 3000 });
    for (let i = 0; i < 10; i++) regal.track(`e${i}`, { pad: 'x'.repeat(500) });
    await regal.flush();
    expect(regal.stats().held).toBeLessThanOrEqual(4);
    expect(regal.stats().dropped.overflow).toBe(10 - regal.stats().held);
  });

  it('drops events past the maximum age on the next visit', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
      fakeRelay();
      const first = make({ maxAgeMs: 1000 * 60 });
      await first.track('old');
      first.destroy();
      vi.setSystemTime(new Date('2026-01-01T00:02:00Z'));
      const second = make({ maxAgeMs: 1000 * 60 });
      await second.ready();
      expect(second.stats()).toMatchObject({ held: 0, dropped: { expired: 1 } });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('storage failures', () => {
  it('falls back to memory when IndexedDB is missing, and still delivers', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const relay = fakeRelay();
    const regal = make();
    await regal.identify({ phone: '+15551234567' });
    await regal.flush();
    expect(regal.stats().storage).toBe('memory');
    expect(relay.events()).toHaveLength(1);
  });

  it('falls back to memory when IndexedDB throws, reporting it on the error channel only', async () => {
    vi.stubGlobal('indexedDB', { open: () => { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const consoleError = vi.spyOn(console, 'error');
    const regal = make({ onError: (e) => errors.push(e) });
    regal.track('before');
    await regal.identify({ email: 'a@b.co' });
    await regal.flush();
    expect(regal.stats().storage).toBe('memory');
    expect(errors.map((e) => e.code)).toContain('storage_unavailable');
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['before', 'identify']);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('falls back to memory where merely reading indexedDB throws (sandboxed iframe)', async () => {
    Object.defineProperty(globalThis, 'indexedDB', { configurable: true, get() { throw new DOMException('denied', 'SecurityError'); } });
    try {
      const relay = fakeRelay();
      const regal = make();
      await regal.identify({ phone: '+15551234567' });
      await regal.flush();
      expect(regal.stats().storage).toBe('memory');
      expect(relay.events()).toHaveLength(1);
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', { configurable: true, writable: true, value: undefined });
    }
  });

  it('survives losing the IndexedDB connection mid-session (WebKit)', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.track('before loss');
    const realOpen = indexedDB.open.bind(indexedDB);
    // Every transaction from now on fails, as after WebKit closes the connection.
    vi.stubGlobal('indexedDB', { open: (...a: any[]) => { const r = realOpen(...(a as [string])); r.addEventListener('success', () => { r.result.transaction = () => { throw new DOMException('closed', 'InvalidStateError'); }; }); return r; } });
    (globalThis as any).indexedDB.open('x');
    await regal.identify({ phone: '+15551234567' });
    await regal.flush();
    expect(relay.events().map((e) => e.name ?? 'identify')).toContain('before loss');
  });
});

describe('delivery', () => {
  it('drops and reports what the relay refuses for good, keeps what it asks to retry', async () => {
    let n = 0;
    const relay = fakeRelay((body) => {
      n++;
      const [a, b, c] = body.batch.map((e: any) => e.messageId);
      if (n == 1) return new Response(JSON.stringify({ accepted: [a], rejected: [{ messageId: b, reason: 'traits: expected object' }], retry: [c] }), { status: 200 });
      return new Response(JSON.stringify({ accepted: body.batch.map((e: any) => e.messageId), rejected: [], retry: [] }), { status: 200 });
    });
    const regal = make({ holdUntilContactable: false });
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    regal.track('a');
    regal.track('b');
    await regal.track('c');
    await regal.flush();
    expect(regal.stats()).toMatchObject({ delivered: 1, queued: 1, dropped: { rejected: 1 } });
    expect(errors.map((e) => e.code)).toContain('event_rejected');
    expect(relay.sent).toHaveLength(1);
  });

  it('posts text/plain batches to the relay (no CORS preflight) with messageIds', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    regal.track('a');
    await regal.track('b');
    await regal.flush();
    expect(relay.sent).toHaveLength(1);
    expect(relay.sent[0].headers['Content-Type']).toMatch(/^text\/plain/);
    expect(relay.sent[0].url).toBe(new URL('/regal', location.href).href);
    expect(relay.sent[0].body.batch.map((e: any) => e.name)).toEqual(['a', 'b']);
  });

  it('direct mode: one event per request, the key bare in Authorization, no messageId', async () => {
    const relay = fakeRelay(() => new Response('{"status":"accepted"}', { status: 200 }));
    const regal = make({ mode: 'direct', apiKey: 'k-123', endpoint: undefined });
    regal.track('a');
    await regal.identify({ phone: '+15551234567' });
    await regal.flush();
    expect(relay.sent).toHaveLength(2);
    for (const s of relay.sent) {
      expect(s.url).toBe('https://events.regalvoice.com/events');
      expect(s.headers.Authorization).toBe('k-123');
      expect(s.body.messageId).toBeUndefined();
      expect(s.body.traits.phones[0].phoneNumber).toBe('+15551234567');
    }
  });

  it('resolves .delivered once the event was accepted', async () => {
    fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const result = regal.track('a');
    const delivered = result.delivered;
    await regal.flush();
    await expect(delivered).resolves.toBe(true);
  });

  it('keeps events through a failing endpoint and does not retry before the backoff', async () => {
    const relay = fakeRelay(() => new Response('{}', { status: 503, headers: { 'Retry-After': '120' } }));
    const regal = make({ holdUntilContactable: false });
    await regal.track('a');
    await regal.flush();
    await regal.flush();
    await tick(20);
    expect(relay.sent).toHaveLength(1);
    expect(regal.stats()).toMatchObject({ queued: 1, delivered: 0 });
  });

  it('starts opted out when asked, and keeps events in memory until optIn() with optedOutStorage: memory', async () => {
    const relay = fakeRelay();
    const regal = make({ optedOut: true, optedOutStorage: 'memory', holdUntilContactable: false });
    await regal.track('before consent');
    await regal.flush();
    expect(relay.sent).toHaveLength(0);
    expect(regal.stats().queued).toBe(0);
    regal.optIn();
    await regal.flush();
    expect(relay.events().map((e) => e.name)).toEqual(['before consent']);
  });

  it('respects Global Privacy Control and Do Not Track when asked, and remembers an explicit choice', async () => {
    const relay = fakeRelay();
    vi.stubGlobal('navigator', { globalPrivacyControl: true, doNotTrack: '1', onLine: true });
    const gpc = make({ respectGlobalPrivacyControl: true, holdUntilContactable: false, storageName: 'gpc' });
    const dnt = make({ respectDoNotTrack: true, holdUntilContactable: false, storageName: 'dnt' });
    const neither = make({ holdUntilContactable: false, storageName: 'neither' });
    await Promise.all([gpc.track('a'), dnt.track('b'), neither.track('c')]);
    await Promise.all([gpc.flush(), dnt.flush(), neither.flush()]);
    expect(relay.events().map((e) => e.name)).toEqual(['c']);
    expect(gpc.stats().dropped['opted-out']).toBe(1);
    gpc.optIn();
    gpc.destroy();
    // The visitor's explicit choice outlives the browser signal on the next visit.
    const again = make({ respectGlobalPrivacyControl: true, holdUntilContactable: false, storageName: 'gpc' });
    await again.track('after consent');
    await again.flush();
    expect(relay.events().map((e) => e.name)).toContain('after consent');
  });

  it('optOut drops what is stored and stops tracking; optIn resumes', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.track('before');
    regal.optOut();
    await regal.track('while out');
    regal.optIn();
    await regal.track('after');
    await regal.flush();
    expect(relay.events().map((e) => e.name)).toEqual(['after']);
    expect(regal.stats().dropped['opted-out']).toBe(2);
  });
});
