/**
 * Lead forms as nine form builders render them (test/fixtures/form-builders/), captured in
 * happy-dom: the contact fields with no mapping at all, and the consent boxes with the
 * `consent` option. The same fixtures run in Chromium in test/browser/form-builders.test.ts.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { trackForm, type TrackFormOptions } from '../../../src/browser/forms/forms';
import { fakeFormClient } from './fake-form-client';
import { BUILDERS, expectedContact, fixture, type BuilderCase } from '../../fixtures/form-builders/builders';

const NOW = new Date('2026-03-04T05:06:07.891Z');

const fakeClient = () => fakeFormClient();

const noNavigation = (e: Event) => e.preventDefault();

/** Puts the builder's markup on the page, binds it, lets the visitor fill it in and submit. */
function submit(c: BuilderCase, options: TrackFormOptions) {
  history.replaceState(null, '', '/quote');
  document.addEventListener('submit', noNavigation);
  const client = fakeClient();
  // A selector binding, made before the form exists (as for a form a builder's script renders).
  const stop = trackForm(c.form, { event: 'Lead Form Submitted', ...options }, client, { now: () => NOW });
  document.body.innerHTML = fixture(c.file);
  for (const [selector, value] of Object.entries(c.fill)) (document.querySelector(selector) as HTMLInputElement).value = value;
  for (const selector of c.check) (document.querySelector(selector) as HTMLInputElement).checked = true;
  (document.querySelector(c.form) as HTMLFormElement).requestSubmit();
  stop();
  return client;
}

const identified = (client: { calls: unknown[][] }) => client.calls.filter((c) => c[0] === 'identify').map((c) => c[1] as Record<string, any>);
const errors = (client: { calls: unknown[][] }) => client.calls.filter((c) => c[0] === 'error');

afterEach(() => {
  document.removeEventListener('submit', noNavigation);
  document.body.innerHTML = '';
});

describe.each(BUILDERS)('$builder', (c) => {
  test('phone, email, names (and address) are captured with no mapping', () => {
    const client = submit(c, {});
    expect(identified(client)).toEqual([expectedContact(c)]);
    expect(client.calls.filter((call) => call[0] === 'track').map((call) => call[1])).toEqual(['Lead Form Submitted']);
    expect(errors(client)).toEqual([]);
  });

  test('each consent box mapped with the consent option stamps its own opt-in, with the wording beside that box', () => {
    const client = submit(c, { consent: c.consent });
    const [traits] = identified(client);
    const record = (text: string) => ({ subscribed: true, text, timestamp: NOW.toISOString(), source: 'http://localhost:3000/quote', userAgent: navigator.userAgent });
    const optIns = (wording: Record<string, string> = {}) => Object.fromEntries(Object.entries(wording).map(([channel, text]) => [channel + 'OptIn', record(text)]));
    const contact = expectedContact(c) as Record<string, any>;
    if (contact.phones) contact.phones[0] = { ...contact.phones[0], ...optIns(c.expected.phoneOptIns) };
    if (contact.emails) contact.emails[0] = { ...contact.emails[0], ...optIns(c.expected.emailOptIns) };
    expect(traits).toEqual(contact);
    expect(errors(client)).toEqual([]);
  });

  test('an unticked box records nothing', () => {
    const unticked = { ...c, check: [] };
    const client = submit(unticked, { consent: c.consent });
    expect(identified(client)).toEqual([expectedContact(c)]);
  });
});

describe('field detection on builder markup', () => {
  test("Mailchimp's SMSPHONE[country] is the phone's country, never the address's", () => {
    const c = BUILDERS.find((b) => b.file === 'mailchimp-sms.html')!;
    const us = submit({ ...c, fill: { ...c.fill, '#country-select-SMSPHONE': 'US', '#mce-SMSPHONE': '(415) 555-0134' } }, {});
    expect(identified(us)[0]).toEqual({ ...expectedContact(c), phones: [{ phoneNumber: '+14155550134', isPrimary: true }] });
    expect(identified(us)[0].address).toBeUndefined();
  });

  test("Jotform: the date's type=tel boxes are not the phone; area code and number are read as one number", () => {
    const c = BUILDERS.find((b) => b.file === 'jotform.html')!;
    const client = submit(c, {});
    expect(identified(client)[0].phones).toEqual([{ phoneNumber: '+14155550134', isPrimary: true }]);
    expect(JSON.stringify(client.calls)).not.toContain('"07"');
  });

  test('Jotform with a mistyped number: the lead still goes with the email, and the phone is reported', () => {
    const c = BUILDERS.find((b) => b.file === 'jotform.html')!;
    const client = submit({ ...c, fill: { ...c.fill, '#input_5_phone': '55' } }, {});
    expect(identified(client)).toEqual([{ firstName: 'Jane', lastName: 'Doe', emails: [{ emailAddress: 'jane@example.com', isPrimary: true }] }]);
    expect(errors(client)).toEqual([['error', 'invalid_phone', expect.stringContaining('sent with the email'), '415 55']]);
  });

  test('Gravity Forms: the consent field\'s hidden copy of its wording and the hidden state fields are never read', () => {
    const c = BUILDERS.find((b) => b.file === 'gravity-forms.html')!;
    const client = submit(c, {});
    expect(JSON.stringify(identified(client))).not.toMatch(/WyJb|is_submit|gform/);
  });
});
