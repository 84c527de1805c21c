// The pure rules for traits (src/browser/identity/identity.ts): what identify() turns its
// input into, how a profile grows, and what each event carries.
import { describe, expect, it } from 'vitest';
import { identifyEventTraits, identifyingTraits, isContactable, mergeTraits, normalizeTraits, type TraitContext } from '../../../src/browser/identity/identity';
import type { ContactTraits, IdentifyTraits } from '../../../src/browser/types';

const ctx: TraitContext = { defaultCountry: 'US', timestamp: '2026-03-04T05:06:07.000Z', source: 'https://acme.test/quote' };
const consent = (subscribed: boolean) => ({ subscribed, timestamp: ctx.timestamp, source: ctx.source });
const normalize = (input: IdentifyTraits, c: TraitContext = ctx) => normalizeTraits(input, c);

describe('isContactable', () => {
  it('needs a phone or an email: names, a userId-like trait or empty lists are not enough', () => {
    expect(isContactable({})).toBe(false);
    expect(isContactable({ firstName: 'Jane', phones: [], emails: [] })).toBe(false);
    expect(isContactable({ phones: [{ phoneNumber: '+15551234567' }] })).toBe(true);
    expect(isContactable({ emails: [{ emailAddress: 'jane@example.com' }] })).toBe(true);
  });
});

describe('identifyingTraits (what every later event carries)', () => {
  it('keeps only the primary phone and email, without opt-ins or labels', () => {
    const profile: ContactTraits = {
      firstName: 'Jane',
      phones: [
        { phoneNumber: '+15551111111', isPrimary: false, label: 'work' },
        { phoneNumber: '+15552222222', isPrimary: true, smsOptIn: consent(true) },
      ],
      emails: [{ emailAddress: 'jane@example.com', isPrimary: true, emailOptIn: consent(false) }],
    };
    expect(identifyingTraits(profile)).toEqual({
      phones: [{ phoneNumber: '+15552222222', isPrimary: true }],
      emails: [{ emailAddress: 'jane@example.com', isPrimary: true }],
    });
  });

  it('takes the first entry when none is flagged primary, and leaves out a channel with none', () => {
    expect(identifyingTraits({ phones: [{ phoneNumber: '+15551111111' }, { phoneNumber: '+15552222222' }] })).toEqual({
      phones: [{ phoneNumber: '+15551111111', isPrimary: true }],
    });
    expect(identifyingTraits({ firstName: 'Jane' })).toEqual({});
  });
});

describe('normalizeTraits', () => {
  it('reads the phone / email / name shorthands into Regal shapes, phones in E.164', () => {
    const { traits, errors } = normalize({ phone: '(555) 123-4567', email: ' Jane@Example.COM ', name: 'Jane  Q Doe', plan: 'pro' });
    expect(errors).toEqual([]);
    expect(traits).toEqual({
      firstName: 'Jane',
      lastName: 'Q Doe',
      plan: 'pro',
      phones: [{ phoneNumber: '+15551234567', isPrimary: true }],
      // The domain is case-insensitive, the part before the @ is the mailbox's own.
      emails: [{ emailAddress: 'Jane@example.com', isPrimary: true }],
    });
  });

  it('reads numbers without a country code in the default country', () => {
    expect(normalize({ phone: '020 7946 0958' }, { ...ctx, defaultCountry: 'GB' }).traits.phones).toEqual([{ phoneNumber: '+442079460958', isPrimary: true }]);
  });

  it('does not split `name` over a firstName or lastName the caller gave', () => {
    expect(normalize({ name: 'Jane Doe', firstName: 'J' }).traits).toEqual({ firstName: 'J' });
    expect(normalize({ name: 'Jane Doe', lastName: 'D' }).traits).toEqual({ lastName: 'D' });
    expect(normalize({ name: 'Cher' }).traits).toEqual({ firstName: 'Cher' });
  });

  it('stamps opt-ins with the time and page of consent; a top-level opt-in goes with the shorthand', () => {
    const { traits, errors } = normalize({ phone: '+15551234567', smsOptIn: true, voiceOptIn: false, email: 'jane@example.com', emailOptIn: true });
    expect(errors).toEqual([]);
    expect(traits.phones).toEqual([{ phoneNumber: '+15551234567', isPrimary: true, smsOptIn: consent(true), voiceOptIn: consent(false) }]);
    expect(traits.emails).toEqual([{ emailAddress: 'jane@example.com', isPrimary: true, emailOptIn: consent(true) }]);
    // Not left behind as custom traits of the contact.
    expect(traits).not.toHaveProperty('smsOptIn');
    expect(traits).not.toHaveProperty('emailOptIn');
  });

  it('keeps a top-level opt-in as a plain trait when there is no shorthand it could belong to', () => {
    expect(normalize({ smsOptIn: true }).traits).toEqual({ smsOptIn: true });
  });

  it('keeps the opt-in time and source the caller gave, and its wording', () => {
    const given = { subscribed: true, timestamp: '2026-01-01T00:00:00.000Z', source: 'https://acme.test/form', text: 'I agree' };
    expect(normalize({ phones: [{ phoneNumber: '+15551234567', smsOptIn: given }] }).traits.phones![0].smsOptIn).toEqual(given);
  });

  it('the shorthand phone is primary unless the phones list flags one', () => {
    const flagged = normalize({ phone: '+15551111111', phones: [{ phoneNumber: '+15552222222', isPrimary: true }] }).traits.phones!;
    expect(flagged).toEqual([
      { phoneNumber: '+15552222222', isPrimary: true },
      { phoneNumber: '+15551111111', isPrimary: false },
    ]);
    const unflagged = normalize({ phone: '+15551111111', phones: [{ phoneNumber: '+15552222222' }] }).traits.phones!;
    expect(unflagged).toEqual([{ phoneNumber: '+15552222222' }, { phoneNumber: '+15551111111', isPrimary: true }]);
  });

  it('merges two spellings of one number into one entry, keeping labels', () => {
    const { traits } = normalize({ phones: [{ phoneNumber: '(555) 123-4567', label: 'mobile' }, { phoneNumber: '+1 555 123 4567', smsOptIn: true as any }] });
    expect(traits.phones).toEqual([{ phoneNumber: '+15551234567', label: 'mobile', smsOptIn: consent(true) }]);
  });

  it('leaves out an invalid phone or email and reports it, the value in error.value and never in the message', () => {
    const { traits, errors } = normalize({ phone: '12', email: 'not-an-email', firstName: 'Jane' });
    expect(traits).toEqual({ firstName: 'Jane' });
    expect(errors.map((e) => [e.code, e.value])).toEqual([
      ['invalid_phone', '12'],
      ['invalid_email', 'not-an-email'],
    ]);
    expect(errors[0].message).toBe('Invalid phone, left out (expected E.164 or a US number)');
    for (const e of errors) expect(e.message).not.toContain(String(e.value));
  });

  it('reports an opt-in that is neither a boolean nor {subscribed}, and leaves it out', () => {
    const { traits, errors } = normalize({ phones: [{ phoneNumber: '+15551234567', smsOptIn: 'yes' as any }] });
    expect(traits.phones).toEqual([{ phoneNumber: '+15551234567' }]);
    expect(errors.map((e) => [e.code, e.message, e.value])).toEqual([['invalid_traits', 'smsOptIn must be true, false or {subscribed}', 'yes']]);
  });

  it('names and address fields are strings: numbers become strings, anything else is reported and left out', () => {
    const { traits, errors } = normalize({ firstName: 42 as any, lastName: { a: 1 } as any, address: { zipcode: 94107 as any, city: ['x'] as any, street: '1 Main St' } });
    expect(traits).toEqual({ firstName: '42', address: { zipcode: '94107', street: '1 Main St' } });
    expect(errors.map((e) => e.message)).toEqual(['lastName must be a string', 'address.city must be a string']);
    expect(errors.map((e) => e.code)).toEqual(['invalid_traits', 'invalid_traits']);
  });

  it('an address that is not an object is reported and left out; null is left out silently', () => {
    const bad = normalize({ address: 'Main St' as any });
    expect(bad.traits).toEqual({});
    expect(bad.errors.map((e) => [e.code, e.message, e.value])).toEqual([['invalid_traits', 'address must be an object', 'Main St']]);
    const none = normalize({ address: null as any, firstName: 'Jane' });
    expect(none).toEqual({ traits: { firstName: 'Jane' }, errors: [] });
  });

  it('does not change the input', () => {
    const input: IdentifyTraits = { phone: '+15551234567', smsOptIn: true, address: { zipcode: 94107 as any } };
    const before = JSON.stringify(input);
    normalize(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('mergeTraits (a profile growing over identifies)', () => {
  const profile: ContactTraits = {
    firstName: 'Jane',
    plan: 'free',
    address: { city: 'Boston', zipcode: '02110' },
    phones: [{ phoneNumber: '+15551111111', isPrimary: true, smsOptIn: consent(true) }],
    emails: [{ emailAddress: 'jane@example.com', isPrimary: true }],
  };

  it('adds new numbers without duplicates; the first stays primary unless a new one is flagged', () => {
    const merged = mergeTraits(profile, { phones: [{ phoneNumber: '+15551111111' }, { phoneNumber: '+15552222222' }] });
    expect(merged.phones).toEqual([
      { phoneNumber: '+15551111111', isPrimary: true, smsOptIn: consent(true) },
      { phoneNumber: '+15552222222', isPrimary: false },
    ]);
    const flagged = mergeTraits(profile, { phones: [{ phoneNumber: '+15552222222', isPrimary: true }] });
    expect(flagged.phones!.map((p) => [p.phoneNumber, p.isPrimary])).toEqual([
      ['+15551111111', false],
      ['+15552222222', true],
    ]);
  });

  it('merges opt-ins per number: a new opt-in is added, the earlier one kept', () => {
    const merged = mergeTraits(profile, { phones: [{ phoneNumber: '+15551111111', voiceOptIn: consent(false) }] });
    expect(merged.phones).toEqual([{ phoneNumber: '+15551111111', isPrimary: true, smsOptIn: consent(true), voiceOptIn: consent(false) }]);
  });

  it('overwrites other traits with the newer value and merges the address field by field', () => {
    const merged = mergeTraits(profile, { plan: 'pro', lastName: 'Doe', address: { city: 'Cambridge' } });
    expect(merged).toMatchObject({ firstName: 'Jane', lastName: 'Doe', plan: 'pro', address: { city: 'Cambridge', zipcode: '02110' } });
    expect(merged.emails).toEqual(profile.emails);
  });

  it('leaves the profile it was given unchanged', () => {
    const before = JSON.stringify(profile);
    mergeTraits(profile, { phones: [{ phoneNumber: '+15552222222', isPrimary: true }], address: { city: 'Cambridge' } });
    expect(JSON.stringify(profile)).toBe(before);
  });

  it('gives a first phone or email the primary flag', () => {
    expect(mergeTraits({}, { emails: [{ emailAddress: 'a@example.com' }, { emailAddress: 'b@example.com' }] }).emails).toEqual([
      { emailAddress: 'a@example.com', isPrimary: true },
      { emailAddress: 'b@example.com', isPrimary: false },
    ]);
  });
});

describe('identifyEventTraits (what one identify event sends)', () => {
  const merged: ContactTraits = {
    firstName: 'Jane',
    phones: [
      { phoneNumber: '+15551111111', isPrimary: true, smsOptIn: consent(true) },
      { phoneNumber: '+15552222222', isPrimary: false, smsOptIn: consent(true) },
    ],
    emails: [{ emailAddress: 'jane@example.com', isPrimary: true, emailOptIn: consent(true) }],
  };

  it('adds the primary phone and email to a call that named neither, without their opt-ins', () => {
    expect(identifyEventTraits(merged, { lastName: 'Doe' })).toEqual({
      lastName: 'Doe',
      phones: [{ phoneNumber: '+15551111111', isPrimary: true }],
      emails: [{ emailAddress: 'jane@example.com', isPrimary: true }],
    });
  });

  it('sends a secondary number given now with its opt-ins, beside the primary (so Regal finds the same contact)', () => {
    const update: ContactTraits = { phones: [{ phoneNumber: '+15552222222', voiceOptIn: consent(false) }] };
    expect(identifyEventTraits(merged, update).phones).toEqual([
      { phoneNumber: '+15551111111', isPrimary: true },
      { phoneNumber: '+15552222222', voiceOptIn: consent(false), isPrimary: false },
    ]);
  });

  it('sends nothing of a channel the profile has none of', () => {
    expect(identifyEventTraits({ firstName: 'Jane' }, { firstName: 'Jane' })).toEqual({ firstName: 'Jane' });
  });
});
