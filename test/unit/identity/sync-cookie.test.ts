// One visitor across subdomains, in happy-dom: the visitor cookie on the registrable domain
// (cookieDomain 'auto'), what it holds, and two origins simulated by giving each client its
// own IndexedDB and moving the page between https://www.example.com and apply.example.com.
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RegalClient, RegalError } from '../../../src/browser/types';
import { decodeVisitor, encodeVisitor } from '../../../src/browser/identity/visitor-cookie';
import { SETTLE_MS } from '../../../src/browser/identity/reconcile-cookie';
import { clientsPerTest, fakeRelay, tick } from '../helpers';

const make = clientsPerTest();
const setUrl = (url: string) => (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(url);
const WWW = 'https://www.example.com/pricing';
const APPLY = 'https://apply.example.com/quote';

/** The cookie named regal-browser, as this page reads it. */
const visitorCookie = () =>
  document.cookie
    .split('; ')
    .filter((p) => p.startsWith('regal-browser=1'))
    .map((p) => p.slice('regal-browser='.length))[0];

/** Another origin: its own IndexedDB from now on (clients made before keep theirs). */
const newOrigin = (url: string) => {
  globalThis.indexedDB = new IDBFactory();
  setUrl(url);
};

/** The page's clock runs `ms` ahead from now on (past the wait after a contact was made
 * elsewhere, say). */
const later = (ms: number) => {
  const real = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => real() + ms);
};

/** Sends what is sendable: a release is stored first, then sent by a later round (and
 * another client of the same window may hold the send lease a moment). */
const flushAll = async (regal: RegalClient) => {
  await regal.flush();
  for (let i = 0; i < 20 && regal.stats().held + regal.stats().queued > 0; i++) {
    await tick(25);
    await regal.flush();
  }
};

/** Replaces document.cookie on this document (until the test ends) by `get` and `set`,
 * which may call the real ones. */
function stubCookie(get: (real: () => string) => string, set: (value: string, real: (v: string) => void) => void): void {
  let proto = Object.getPrototypeOf(document);
  while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
  const real = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => get(() => real.get!.call(document)),
    set: (value: string) => set(value, (v) => real.set!.call(document, v)),
  });
}

/** What the page writes to document.cookie, as written (attributes included). */
function cookieWrites(): string[] {
  const writes: string[] = [];
  stubCookie(
    (real) => real(),
    (value, real) => (writes.push(value), real(value)),
  );
  return writes;
}

beforeEach(() => setUrl(WWW));
afterEach(() => {
  delete (document as { cookie?: string }).cookie;
  for (const host of ['www.example.com', 'apply.example.com']) {
    setUrl(`https://${host}/`);
    for (const pair of document.cookie.split('; ').filter(Boolean))
      for (const domain of ['', '; Domain=example.com', `; Domain=${host}`]) document.cookie = `${pair.split('=')[0]}=; Path=/; Max-Age=0${domain}`;
  }
  setUrl('http://localhost:3000/');
});

describe('the visitor cookie', () => {
  it('holds the anonymous id, the userId and "contactable", on the registrable domain, for a year; never a phone, an email or a trait', async () => {
    fakeRelay();
    const writes = cookieWrites();
    const regal = make();
    await regal.identify('user-7', {
      phone: '(415) 555-0134',
      email: 'Jane.Doe@Example.com',
      firstName: 'Jane',
      lastName: 'Doe',
      address: { city: 'Oakland', zipcode: '94607' },
      plan: 'solar-pro',
    });
    const value = visitorCookie()!;
    expect(decodeVisitor(value)).toMatchObject({ a: regal.user().anonymousId, u: 'user-7', c: true, r: 0 });
    for (const pii of ['415', '555', '0134', 'Jane', 'jane', 'Doe', 'example', 'Oakland', '94607', 'solar', '%40', '@']) expect(value).not.toContain(pii);
    const written = writes.filter((w) => w.startsWith('regal-browser='));
    expect(written.at(-1)).toBe(`regal-browser=${value}; Domain=example.com; Path=/; Max-Age=31536000; SameSite=Lax; Secure`);
    // Only when something other subdomains need changed: the 7-day cap Safari puts on a
    // script's cookie starts again at every write.
    const count = written.length;
    await regal.track('Clicked');
    await regal.flush();
    expect(writes.filter((w) => w.startsWith('regal-browser='))).toHaveLength(count);
  });

  it('is not Secure on an http page', async () => {
    setUrl('http://www.example.com/');
    const writes = cookieWrites();
    await make().ready();
    expect(writes.find((w) => w.startsWith('regal-browser='))).toMatch(/; SameSite=Lax$/);
  });

  it('is named after storageName, so that two clients kept apart stay apart', async () => {
    const a = make({ storageName: 'shop' });
    await a.ready();
    expect(document.cookie).toContain(`shop=${encodeURIComponent('1')}|${a.user().anonymousId}|`);
    expect(visitorCookie()).toBeUndefined();
  });

  it('cookieDomain false: no cookie, one visitor per origin', async () => {
    const writes = cookieWrites();
    await make({ cookieDomain: false }).identify({ phone: '+14155550134' });
    expect(writes).toEqual([]);
  });

  it('an explicit cookieDomain the page is not under is reported, and the page stays one visitor per origin', async () => {
    const errors: RegalError[] = [];
    const writes = cookieWrites();
    const regal = make({ cookieDomain: 'other.com', onError: (e) => errors.push(e) });
    await regal.ready();
    expect(errors.map((e) => [e.code, e.message])).toEqual([['invalid_options', 'cookieDomain other.com does not contain www.example.com: no cookie']]);
    expect(writes).toEqual([]);
  });

  it('an explicit cookieDomain the page is under is used as given, without probing', async () => {
    const writes = cookieWrites();
    await make({ cookieDomain: 'www.example.com' }).ready();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^regal-browser=1\|.*; Domain=www\.example\.com; /);
  });

  it('a browser that refuses cookies: one visitor per origin, and nothing is lost', async () => {
    const relay = fakeRelay();
    stubCookie(
      () => '',
      () => {},
    );
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    regal.page();
    regal.track('Pricing Viewed');
    regal.track('CTA Clicked');
    await regal.flush();
    expect(relay.sent).toEqual([]);
    expect(regal.stats()).toMatchObject({ held: 3 });
    await regal.identify({ phone: '+14155550134' });
    await regal.flush();
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['Page Viewed', 'Pricing Viewed', 'CTA Clicked', 'identify']);
    for (const e of relay.events()) expect(e.traits.phones[0].phoneNumber).toBe('+14155550134');
    expect(regal.stats()).toMatchObject({ held: 0, queued: 0, delivered: 4, dropped: { invalid: 0, overflow: 0, expired: 0, rejected: 0, reset: 0, 'opted-out': 0 } });
    expect(errors).toEqual([]);
  });
});

describe('two subdomains, one visitor', () => {
  /** www holds two events of an anonymous visitor; apply is then opened (its own storage). */
  async function wwwThenApply(): Promise<{ relay: ReturnType<typeof fakeRelay>; www: RegalClient; apply: RegalClient }> {
    const relay = fakeRelay();
    const www = make();
    www.page();
    www.track('Pricing Viewed');
    await www.flush();
    newOrigin(APPLY);
    const apply = make();
    await apply.ready();
    return { relay, www, apply };
  }

  it('apply takes www’s anonymous id; www releases its held events once apply made the visitor a contact, under that id, without the phone', async () => {
    const { relay, www, apply } = await wwwThenApply();
    const id = www.user().anonymousId;
    expect(apply.user().anonymousId).toBe(id);
    await apply.identify({ phone: '(415) 555-0134' });
    await apply.flush();
    expect(relay.events().map((e) => [e.name ?? 'identify', e.userId])).toEqual([['identify', id]]);

    setUrl(WWW);
    // Not at once: apply's identify must reach Regal before www's events do.
    await flushAll(www);
    expect(relay.events()).toHaveLength(1);
    expect(www.stats().held).toBe(2);
    later(SETTLE_MS);
    await flushAll(www);
    const fromWww = relay.events().slice(1);
    expect(fromWww.map((e) => [e.name, e.userId])).toEqual([
      ['Page Viewed', id],
      ['Pricing Viewed', id],
    ]);
    // www never learnt the phone: Regal resolves these by the userId.
    for (const e of fromWww) expect(e.traits).toEqual({});
    // Sent at once from now on.
    await www.track('Plans Compared');
    await www.flush();
    expect(relay.events().at(-1)).toMatchObject({ name: 'Plans Compared', userId: id });
  });

  it('an open www page releases them by itself once the wait is over', async () => {
    const { relay, www, apply } = await wwwThenApply();
    await apply.identify({ phone: '(415) 555-0134' });
    await apply.flush();
    setUrl(WWW);
    later(SETTLE_MS - 300);
    window.dispatchEvent(new Event('focus'));
    await tick(100);
    expect(www.stats().held).toBe(2);
    // No call, no flush: the page looks again when the wait is over.
    await tick(600);
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['identify', 'Page Viewed', 'Pricing Viewed']);
  });

  it('a userId given on apply is the userId of www’s events', async () => {
    const { relay, www, apply } = await wwwThenApply();
    await apply.identify('customer-42', { email: 'jane@example.com' });
    setUrl(WWW);
    later(SETTLE_MS);
    window.dispatchEvent(new Event('focus'));
    expect(www.user().userId).toBe('customer-42');
    await flushAll(www);
    expect(relay.events().filter((e) => e.name).map((e) => e.userId)).toEqual(['customer-42', 'customer-42']);
  });

  it('reset() on apply: www forgets the visitor, drops their held events (as reset), and holds the next visitor’s', async () => {
    const { relay, www, apply } = await wwwThenApply();
    const dropped: Array<{ reason: string; count: number }> = [];
    www.on('dropped', (d) => dropped.push(d));
    await apply.reset();
    const next = apply.user().anonymousId;
    setUrl(WWW);
    window.dispatchEvent(new Event('focus'));
    expect(www.user().anonymousId).toBe(next);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'reset', count: 2 })]);
    await www.track('After reset');
    expect(www.stats()).toMatchObject({ held: 1 });

    // The next visitor becomes a contact on apply: only their event leaves www.
    setUrl(APPLY);
    await apply.identify({ phone: '+14155550199' });
    setUrl(WWW);
    later(SETTLE_MS);
    await www.flush();
    expect(relay.events().filter((e) => e.name).map((e) => [e.name, e.userId])).toEqual([['After reset', next]]);
  });

  it('reset() on www after apply made them a contact: www starts over, and apply follows', async () => {
    const { relay, www, apply } = await wwwThenApply();
    await apply.identify({ phone: '+14155550134' });
    const first = apply.user().anonymousId;
    setUrl(WWW);
    await www.reset();
    const next = www.user().anonymousId;
    expect(next).not.toBe(first);
    expect(decodeVisitor(visitorCookie()!)).toMatchObject({ a: next, c: false, u: null });
    await www.track('New visitor');
    await www.flush();
    expect(relay.events().map((e) => e.name)).not.toContain('New visitor');

    setUrl(APPLY);
    window.dispatchEvent(new Event('focus'));
    expect(apply.user()).toEqual({ anonymousId: next, userId: null, traits: {} });
    await apply.track('Also new');
    await apply.flush();
    expect(relay.events().map((e) => e.name)).not.toContain('Also new');
  });

  it('visits from before the cookie existed: www’s held events move to the id the other subdomain wrote, and leave with it', async () => {
    const relay = fakeRelay();
    const old = make({ cookieDomain: false });
    old.track('Before the cookie');
    await old.flush();
    old.destroy();
    // apply wrote a cookie meanwhile (no reset ever), and made the visitor a contact.
    const other = { a: 'apply-visitor', u: null, c: true, r: 0, t: Date.now() - SETTLE_MS };
    document.cookie = `regal-browser=${encodeVisitor(other)}; Domain=example.com; Path=/`;
    const www = make();
    await flushAll(www);
    expect(www.user().anonymousId).toBe('apply-visitor');
    expect(relay.events().map((e) => [e.name, e.userId])).toEqual([['Before the cookie', 'apply-visitor']]);
  });

  it('identify() then reset() in one handler (one millisecond): the reset stands, here and on the other subdomain', async () => {
    const { www, apply } = await wwwThenApply();
    const before = apply.user().anonymousId;
    vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    apply.identify('user-1', { phone: '+14155550134' });
    await apply.reset();
    const after = apply.user().anonymousId;
    expect(after).not.toBe(before);
    expect(decodeVisitor(visitorCookie()!)).toMatchObject({ a: after, u: null, c: false });
    setUrl(WWW);
    window.dispatchEvent(new Event('focus'));
    expect(www.user()).toEqual({ anonymousId: after, userId: null, traits: {} });
  });

  it('destroy() stops listening to the cookie', async () => {
    const { www, apply } = await wwwThenApply();
    const before = www.user().anonymousId;
    www.destroy();
    await apply.reset();
    setUrl(WWW);
    window.dispatchEvent(new Event('focus'));
    expect(www.user().anonymousId).toBe(before);
  });
});
