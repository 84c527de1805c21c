// identify(): the traits a site passes, read into Regal's shapes (phones in E.164, emails,
// opt-ins stamped with time and page), and what is refused and how it is reported.
import { describe, expect, it, vi } from 'vitest';
import { RelayEventSchema } from '../../../src/wire/schema';
import type { RegalError } from '../../../src/browser/types';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('traits into Regal shapes', () => {
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

  it('merges phones without duplicates and with exactly one primary', async () => {
    fakeRelay();
    const regal = make();
    await regal.identify({ phone: '+15551234567' });
    await regal.identify({ phones: [{ phoneNumber: '(555) 123-4567' }, { phoneNumber: '+15559876543', isPrimary: true }] });
    const phones = regal.user().traits.phones!;
    expect(phones.map((p) => p.phoneNumber)).toEqual(['+15551234567', '+15559876543']);
    expect(phones.filter((p) => p.isPrimary).map((p) => p.phoneNumber)).toEqual(['+15559876543']);
  });

  it('identify({phone: <a number>}) reads it like the same digits as a string', async () => {
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    await regal.identify({ phone: 5551234567 as any });
    await regal.flush();
    expect(errors).toEqual([]);
    expect(relay.events()[0]?.traits.phones[0].phoneNumber).toBe('+15551234567');
  });

  it('identify({email, address: null}) leaves the null address out (README: null is left out), so the schema accepts the event', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify({ email: 'jane@example.com', address: null } as any);
    await regal.flush();
    const [e] = relay.events();
    expect(e).toBeDefined();
    // The relay validates every event with this schema and refuses it for good otherwise.
    expect(RelayEventSchema.safeParse(e).success).toBe(true);
    expect(e.traits).not.toHaveProperty('address');
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

describe('opt-ins', () => {
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

describe('refused traits', () => {
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

  it('an invalid phone is reported once, not twice', async () => {
    fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    await regal.identify({ phone: 'call me maybe' });
    expect(errors.map((e) => e.code)).toEqual(['invalid_phone']);
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
