// Edge cases found by a review of client.ts, identity.ts, forms.ts and friends: each test pins
// a behaviour the README or issues 3 and 6 promise (each failed on the code as reviewed).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRegal } from '../../src/browser/client/client';
import { RelayEventSchema } from '../../src/wire/schema';
import type { RegalClient, RegalError } from '../../src/browser/types';
import { fakeRelay, tick, submitForm, twoIdleTabs } from './helpers';

let clients: RegalClient[] = [];
const make = (opts: Parameters<typeof createRegal>[0] = {}) => {
  const c = createRegal({ endpoint: '/regal', flushIntervalMs: 0, captureAttribution: false, ...opts });
  clients.push(c);
  return c;
};
const name = (e: any) => e.name ?? 'identify';
/** Resolves to the promise's value, or 'pending' if it has not settled within `ms`. */
const within = <T,>(p: Promise<T>, ms = 100) => Promise.race([p, tick(ms).then(() => 'pending' as const)]);

beforeEach(() => {
  clients = [];
});
afterEach(() => {
  clients.forEach((c) => c.destroy());
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('call forms (Segment analytics.js)', () => {
  it('track(name, callback) calls the callback and sends the event', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    let called: unknown = 'not called';
    await (regal.track as any)('Clicked', (err: unknown) => (called = err));
    await regal.flush();
    expect(errors).toEqual([]);
    expect(called).toBeNull();
    expect(relay.events().map(name)).toEqual(['Clicked']);
  });

  it('identify(userId, null, options) takes the options as options, not as traits', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.identify('u1', null as any, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(e.traits).not.toHaveProperty('timestamp');
  });

  it('page(category, name, null, options) takes the options as options, not as properties', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.page('Docs', 'Intro', null as any, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(e.properties).not.toHaveProperty('timestamp');
  });

  it('page(name, null, properties) is a named page, as in analytics.js', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.page('Pricing', null as any, { plan: 'pro' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.properties).toMatchObject({ name: 'Pricing', plan: 'pro' });
    expect(e.properties).not.toHaveProperty('category');
  });

  it('screen(name, null, options) takes the options as options, not as properties', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.screen('Home', null as any, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(e.properties).not.toHaveProperty('timestamp');
  });
});

describe('never throws into the page', () => {
  it('track() with properties whose getter throws does not throw', () => {
    fakeRelay();
    const regal = make();
    const props = {
      get broken(): string {
        throw new Error('boom');
      },
    };
    expect(() => regal.track('X', props)).not.toThrow();
  });

  it('track() with properties whose toJSON returns undefined does not throw', () => {
    fakeRelay();
    const regal = make();
    expect(() => regal.track('X', { toJSON: () => undefined } as any)).not.toThrow();
  });
});

describe('payloads the relay schema accepts', () => {
  it('track() with properties whose toJSON returns a string never sends non-object properties', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.track('X', { toJSON: () => 'flat' } as any);
    await regal.flush();
    for (const e of relay.events()) expect(RelayEventSchema.safeParse(e).success).toBe(true);
  });

  it.each([
    ['firstName: null', { firstName: null }],
    ['a numeric zipcode', { address: { zipcode: 94107 } }],
    ['an opt-in with subscribed: "yes"', { phones: [{ phoneNumber: '+14155550100', smsOptIn: { subscribed: 'yes' } }] }],
  ])('identify() with %s never sends an event the schema rejects', async (_label, traits) => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify({ email: 'jane@example.com', ...(traits as any) });
    await regal.flush();
    expect(relay.events()).toHaveLength(1);
    for (const e of relay.events()) expect(RelayEventSchema.safeParse(e).success).toBe(true);
  });
});

describe('consent', () => {
  it('identify({phone, smsOptIn: true}) stamps the opt-in on the phone, as the README shows', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify('user-42', { phone: '(555) 123-4567', email: 'jane@example.com', smsOptIn: true } as any, { timestamp: '2026-05-24T15:00:00Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.traits.phones[0].smsOptIn).toEqual({ subscribed: true, timestamp: '2026-05-24T15:00:00.000Z', source: location.href });
    expect(e.traits).not.toHaveProperty('smsOptIn');
  });
});

describe('phones', () => {
  it('identify({phone: <a number>}) reads it like the same digits as a string', async () => {
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    await regal.identify({ phone: 5551234567 as any });
    await regal.flush();
    expect(errors).toEqual([]);
    expect(relay.events()[0]?.traits.phones[0].phoneNumber).toBe('+15551234567');
  });
});

describe('drops are counted and .delivered settles', () => {
  it('a track() with an invalid name counts as dropped: invalid and is reported through on(dropped)', async () => {
    fakeRelay();
    const regal = make();
    const dropped: any[] = [];
    regal.on('dropped', (d) => dropped.push(d));
    await regal.track('');
    await regal.track('X', 'not an object' as any);
    expect(regal.stats().dropped.invalid).toBe(2);
    expect(dropped.reduce((n, d) => n + d.count, 0)).toBe(2);
  });

  it('an event over 32 KB is reported through on(dropped), as it is counted in stats', async () => {
    fakeRelay();
    const regal = make();
    const dropped: any[] = [];
    regal.on('dropped', (d) => dropped.push(d));
    await regal.track('Big', { text: 'x'.repeat(40_000) });
    expect(regal.stats().dropped.invalid).toBe(1);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'invalid', count: 1 })]);
  });

  it('an event over 32 KB in UTF-8 bytes is refused at the call (not only over 32 K UTF-16 units)', async () => {
    fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    // 20,000 euro signs: 20,000 UTF-16 units, 60,000 bytes of UTF-8 on the wire.
    await regal.track('Big', { text: '€'.repeat(20_000) });
    expect(errors.map((e) => e.code)).toContain('invalid_properties');
    expect(regal.stats().held).toBe(0);
  });

  it('.delivered resolves false for an event dropped because the visitor opted out', async () => {
    fakeRelay();
    const regal = make();
    await regal.ready();
    regal.optOut();
    const result = regal.track('X');
    expect(await within(result.delivered)).toBe(false);
    expect(regal.stats().dropped['opted-out']).toBe(1);
  });

  it('.delivered settles for an identify that changes nothing', async () => {
    fakeRelay();
    const regal = make();
    await regal.identify('u1', { email: 'jane@example.com' });
    await regal.ready();
    const again = regal.identify('u1');
    expect(await within(again.delivered)).not.toBe('pending');
  });

  it('an invalid phone is reported once, not twice', async () => {
    fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    await regal.identify({ phone: 'call me maybe' });
    expect(errors.map((e) => e.code)).toEqual(['invalid_phone']);
  });
});

describe('opt-out and reset', () => {
  it('events buffered while opted out (memory) are not stamped with the next visitor\'s phone after reset()', async () => {
    const relay = fakeRelay();
    const regal = make({ optedOut: true, optedOutStorage: 'memory' });
    await regal.track('First visitor browsed');
    await regal.reset();
    regal.optIn();
    await regal.identify({ phone: '+14155550100' });
    await tick(20);
    await regal.flush();
    await tick(20);
    await regal.flush();
    expect(relay.events().map(name)).not.toContain('First visitor browsed');
    expect(regal.stats().dropped.reset).toBe(1);
  });

  it('identify() while opted out keeps no PII of the visitor', async () => {
    fakeRelay();
    const regal = make();
    await regal.ready();
    regal.optOut();
    await regal.identify({ phone: '+14155550100', email: 'jane@example.com' });
    expect(regal.user().traits).toEqual({});
  });

  it('an optOut() in another tab stops this tab tracking', async () => {
    const relay = fakeRelay();
    const a = make({ storageName: 'shared' });
    const b = make({ storageName: 'shared' });
    await a.identify({ phone: '+14155550100' });
    await b.ready();
    a.optOut();
    await tick(20);
    await b.flush();
    await b.track('After opt-out elsewhere');
    await b.flush();
    expect(relay.events().map(name)).not.toContain('After opt-out elsewhere');
  });
});

describe('PII never in console output', () => {
  it('debug logging masks an invalid email that contains quotes', async () => {
    fakeRelay();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const regal = make({ debug: true });
      await regal.identify({ email: '"jane"smith@example' });
      const out = warn.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(out).not.toContain('smith');
      expect(out).not.toContain('jane');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('forms', () => {
  const submit = submitForm;

  it('a phone split into tel-country-code and tel-national is read as one international number', () => {
    const calls = submit(`<form>
      <input autocomplete="tel-country-code" name="cc" value="+44">
      <input type="tel" autocomplete="tel-national" name="phone" value="20 7946 0958">
      <button>Send</button></form>`);
    const identify = calls.find((c) => c[0] == 'identify') as any;
    expect(identify?.[1].phones[0].phoneNumber).toBe('+442079460958');
  });

  it.each([
    ['a country select', '<select name="phone_country"><option value="GB" selected>United Kingdom</option></select>', '020 7946 0958', '+442079460958'],
    ['a labelled code', '<input name="dial_code" value="UK (+44)">', '20 7946 0958', '+442079460958'],
    ['a number given in full anyway', '<input autocomplete="tel-country-code" value="+44">', '+1 415 555 0100', '+14155550100'],
  ])('a phone with %s beside it', (_label, codeField, number, expected) => {
    const calls = submit(`<form>${codeField}<input type="tel" name="phone" value="${number}"><button>Send</button></form>`);
    const identify = calls.find((c) => c[0] == 'identify') as any;
    expect(identify?.[1].phones[0].phoneNumber).toBe(expected);
    expect(identify?.[1]).not.toHaveProperty('phoneCountry');
  });
});
