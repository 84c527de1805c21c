// @vitest-environment node
/**
 * The relay's phone check (src/relay/phones/): numbers Regal can dial pass, the rest are
 * warned about, and an SMS opt-in on a number that cannot receive texts is warned about.
 */
import { describe, expect, it } from 'vitest';
import { checkPhone } from '../../../src/relay/phones/check-phone';
import { phoneWarnings } from '../../../src/relay/phones/phone-warnings';

// An identify (no name) giving one phone, with or without an SMS opt-in.
const identify = (phoneNumber: string, smsOptIn?: boolean, messageId = 'm1') => ({
  messageId,
  traits: { phones: [{ phoneNumber, ...(smsOptIn === undefined ? {} : { smsOptIn: { subscribed: smsOptIn } }) }] },
});

describe('checkPhone', () => {
  it('a valid mobile: valid, with its country and line type', () => {
    expect(checkPhone('+447400123456')).toEqual({ valid: true, country: 'GB', type: 'MOBILE' });
    // The North American plan does not tell mobiles from landlines.
    expect(checkPhone('+14155550134')).toEqual({ valid: true, country: 'US', type: 'FIXED_LINE_OR_MOBILE' });
  });

  it('a valid landline and a toll-free number', () => {
    expect(checkPhone('+442079460958')).toEqual({ valid: true, country: 'GB', type: 'FIXED_LINE' });
    expect(checkPhone('+18005551234')).toEqual({ valid: true, country: 'US', type: 'TOLL_FREE' });
  });

  it('an unassigned area code (555, which the browser lets through)', () => {
    expect(checkPhone('+15551234567')).toEqual({ valid: false, reason: 'not assigned in its country (an unused area code or prefix)' });
    // Ofcom keeps 07700 900xxx for drama: a well-formed UK mobile that no one can dial.
    expect(checkPhone('+447700900123')).toEqual({ valid: false, reason: 'not assigned in its country (an unused area code or prefix)' });
  });

  it('a wrong length', () => {
    expect(checkPhone('+1415555013')).toEqual({ valid: false, reason: 'too short for its country' });
    expect(checkPhone('+4420794609581234')).toEqual({ valid: false, reason: 'too long for its country' });
  });

  it("another country's numbers, in E.164 or national to a default country", () => {
    expect(checkPhone('+33612345678')).toEqual({ valid: true, country: 'FR', type: 'MOBILE' });
    expect(checkPhone('0412 345 678', 'AU')).toEqual({ valid: true, country: 'AU', type: 'MOBILE' });
    expect(checkPhone('020 7946 0958', 'gb')).toEqual({ valid: true, country: 'GB', type: 'FIXED_LINE' });
    // A French mobile written nationally is not a US number.
    expect(checkPhone('06 12 34 56 78', 'US').valid).toBe(false);
    expect(checkPhone('+999123456789')).toEqual({ valid: false, reason: 'with an unknown country code' });
  });

  it('not a number at all, and input that is not a string', () => {
    expect(checkPhone('call me')).toEqual({ valid: false, reason: 'not a phone number' });
    expect(checkPhone(42 as unknown as string)).toEqual({ valid: false, reason: 'not a phone number' });
  });
});

describe('phoneWarnings', () => {
  it('a valid mobile with an SMS opt-in: no warning', () => {
    expect(phoneWarnings([identify('+447400123456', true), identify('+14155550134', true)])).toEqual([]);
  });

  it('a valid landline with an SMS opt-in: sms_opt_in_not_mobile', () => {
    expect(phoneWarnings([identify('+442079460958', true)])).toEqual([
      { messageId: 'm1', code: 'sms_opt_in_not_mobile', phoneNumber: '+442079460958', message: 'Event m1 gives an SMS opt-in on a fixed line number (GB), which cannot receive texts' },
    ]);
    // Without the opt-in, or with it refused, a landline is fine to call.
    expect(phoneWarnings([identify('+442079460958'), identify('+442079460958', false)])).toEqual([]);
  });

  it('an unassigned area code and a wrong length: undialable_phone, with the reason, never the number, in the message', () => {
    const warnings = phoneWarnings([identify('+15551234567'), identify('+1415555013', true, 'm2')]);
    expect(warnings).toEqual([
      { messageId: 'm1', code: 'undialable_phone', phoneNumber: '+15551234567', message: 'Regal cannot dial the phone of event m1: not assigned in its country (an unused area code or prefix)' },
      { messageId: 'm2', code: 'undialable_phone', phoneNumber: '+1415555013', message: 'Regal cannot dial the phone of event m2: too short for its country' },
    ]);
    for (const w of warnings) expect(w.message).not.toContain(w.phoneNumber.slice(1));
  });

  it("another country's undialable number is warned about, its valid mobile is not", () => {
    expect(phoneWarnings([identify('+447700900123', true), identify('+33612345678', true, 'm2')]).map((w) => [w.messageId, w.code])).toEqual([['m1', 'undialable_phone']]);
  });

  it("a named event only repeats its visitor's phone: not warned about again", () => {
    expect(phoneWarnings([{ ...identify('+15551234567'), name: 'Quote Requested' }])).toEqual([]);
  });

  it('every phone of every identify is checked; events without phones give nothing', () => {
    const warnings = phoneWarnings([
      { messageId: 'a', traits: { phones: [{ phoneNumber: '+14155550134' }, { phoneNumber: '+15550000000' }] } },
      { messageId: 'b', traits: { emails: [{ emailAddress: 'a@example.com' }] } },
    ]);
    expect(warnings.map((w) => [w.messageId, w.phoneNumber])).toEqual([['a', '+15550000000']]);
  });
});
