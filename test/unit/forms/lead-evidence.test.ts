/**
 * The evidence a lead form sends with the lead: lead-certificate tokens (TrustedForm,
 * Jornaya LeadiD) read at the submit, and one consent record per opt-in box.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { trackForm, type TrackFormOptions } from '../../../src/browser/forms/forms';
import { fakeFormClient } from './fake-form-client';
import { normalizeTraits } from '../../../src/browser/identity/identity';
import { CustomEventSchema } from '../../../src/wire/schema';

const CERT = 'https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567';
const LEADID = '7D1C2E3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F';
const NOW = new Date('2026-03-04T05:06:07.891Z');

const fakeClient = () => fakeFormClient();
const identified = (client: { calls: unknown[][] }) => client.calls.filter((c) => c[0] === 'identify').map((c) => c[1] as Record<string, any>);
const errors = (client: { calls: unknown[][] }) => client.calls.filter((c) => c[0] === 'error');

function bind(html: string, options: TrackFormOptions = {}) {
  document.body.innerHTML = html;
  const form = document.querySelector('form')!;
  form.addEventListener('submit', (e) => e.preventDefault());
  const client = fakeClient();
  trackForm(form, options, client, { now: () => NOW });
  return { form, client };
}

afterEach(() => {
  document.body.innerHTML = '';
});

const lead = (extra = '') => `<form><input name="email" value="jo@example.com"><input type="tel" name="phone" value="4155550134">${extra}</form>`;
const trustedForm = (value: string) => `<input type="hidden" name="xxTrustedFormCertUrl" id="xxTrustedFormCertUrl_0" value="${value}">`;

describe('lead-certificate tokens at the submit', () => {
  test('both tokens go on the submit identify as trustedFormCertUrl and jornayaLeadId', () => {
    const { form, client } = bind(lead(trustedForm(CERT) + `<input id="leadid_token" name="universal_leadid" type="hidden" value="${LEADID}">`));
    form.requestSubmit();
    expect(identified(client)).toEqual([
      {
        emails: [{ emailAddress: 'jo@example.com', isPrimary: true }],
        phones: [{ phoneNumber: '+14155550134', isPrimary: true }],
        trustedFormCertUrl: CERT,
        jornayaLeadId: LEADID,
      },
    ]);
    expect(errors(client)).toEqual([]);
  });

  test('a page without the vendors sends no token and reports nothing', () => {
    const { form, client } = bind(lead());
    form.requestSubmit();
    expect(Object.keys(identified(client)[0]).sort()).toEqual(['emails', 'phones']);
    expect(errors(client)).toEqual([]);
  });

  test('read as they are at the moment of the submit: a field added and filled after binding, then changed', () => {
    const { form, client } = bind(lead());
    // TrustedForm's script adds its field some time after load.
    form.insertAdjacentHTML('beforeend', trustedForm(''));
    (form.querySelector('[name=xxTrustedFormCertUrl]') as HTMLInputElement).value = CERT;
    form.requestSubmit();
    const renewed = CERT.replace('0123', 'fedc');
    (form.querySelector('[name=xxTrustedFormCertUrl]') as HTMLInputElement).value = renewed;
    form.requestSubmit();
    expect(identified(client).map((t) => t.trustedFormCertUrl)).toEqual([CERT, renewed]);
  });

  test("Jornaya's field outside the form is read", () => {
    const { form, client } = bind(lead());
    document.body.insertAdjacentHTML('beforeend', `<input id="leadid_token" name="universal_leadid" type="hidden" value="${LEADID}">`);
    form.requestSubmit();
    expect(identified(client)[0].jornayaLeadId).toBe(LEADID);
  });

  test('a field still empty at the submit (the script had not filled it): left out and reported', () => {
    const { form, client } = bind(lead(trustedForm('') + '<input id="leadid_token" type="hidden" value=" ">'));
    form.requestSubmit();
    expect(identified(client)[0]).not.toHaveProperty('trustedFormCertUrl');
    expect(identified(client)[0]).not.toHaveProperty('jornayaLeadId');
    expect(errors(client).map((e) => [e[1], (e[2] as string).split(':')[0]])).toEqual([
      ['invalid_traits', 'trustedFormCertUrl left out'],
      ['invalid_traits', 'jornayaLeadId left out'],
    ]);
    expect(client.calls.filter((c) => c[0] === 'track')).toHaveLength(1); // the lead still goes
  });

  test.each([
    ['http, not https', CERT.replace('https', 'http')],
    ['another host', 'https://cert.trustedform.com.evil.example/0123456789abcdef0123456789abcdef01234567'],
    ['an id cut short', CERT.slice(0, -1)],
    ['a ping URL', 'https://ping.trustedform.com/0.abc'],
    ['a word', 'undefined'],
  ])('a malformed TrustedForm value (%s) is left out and reported with the value', (_, value) => {
    const { form, client } = bind(lead(trustedForm(value)));
    form.requestSubmit();
    expect(identified(client)[0]).not.toHaveProperty('trustedFormCertUrl');
    expect(errors(client)).toEqual([['error', 'invalid_traits', expect.stringContaining('trustedFormCertUrl left out'), value]]);
  });

  test.each([['35 characters', LEADID.slice(1)], ['not an id', 'LEADID_TOKEN_NOT_SET'], ['spaces inside', LEADID.replace('-', ' ')]])(
    'a malformed LeadiD token (%s) is left out and reported',
    (_, value) => {
      const { form, client } = bind(lead(`<input id="leadid_token" type="hidden" value="${value}">`));
      form.requestSubmit();
      expect(identified(client)[0]).not.toHaveProperty('jornayaLeadId');
      expect(errors(client)).toEqual([['error', 'invalid_traits', expect.stringContaining('jornayaLeadId left out'), value]]);
    },
  );

  test('tokens are read from their vendors\' fields only, never from a field that merely looks like one', () => {
    const { form, client } = bind(lead(`<input name="trustedform" value="${CERT}"><input name="leadid" value="${LEADID}">`));
    form.requestSubmit();
    expect(identified(client)[0]).not.toHaveProperty('trustedFormCertUrl');
    expect(identified(client)[0]).not.toHaveProperty('jornayaLeadId');
  });

  describe('given to identify directly', () => {
    const ctx = { defaultCountry: 'US', timestamp: NOW.toISOString(), source: 'https://example.com/quote' };
    test('well-formed tokens are kept as contact traits', () => {
      const { traits, errors } = normalizeTraits({ email: 'jo@example.com', trustedFormCertUrl: CERT, jornayaLeadId: LEADID }, ctx);
      expect(traits).toMatchObject({ trustedFormCertUrl: CERT, jornayaLeadId: LEADID });
      expect(errors).toEqual([]);
    });
    test('malformed or empty ones are left out and reported, never sent', () => {
      const { traits, errors } = normalizeTraits({ email: 'jo@example.com', trustedFormCertUrl: '', jornayaLeadId: 42 }, ctx);
      expect(traits).not.toHaveProperty('trustedFormCertUrl');
      expect(traits).not.toHaveProperty('jornayaLeadId');
      expect(errors.map((e) => [e.code, e.value])).toEqual([
        ['invalid_traits', ''],
        ['invalid_traits', 42],
      ]);
    });
  });
});

describe('consent records', () => {
  const form = `<form>
    <input type="tel" name="phone" value="4155550134"><input type="email" name="email" value="jo@example.com">
    <label><input type="checkbox" name="sms" data-regal-consent="sms" checked> Text me about my quote.</label>
    <input type="checkbox" id="voice" name="voice" data-regal-consent="voice" checked><label for="voice">Call me about my quote.</label>
    <label><input type="checkbox" name="news" data-regal-consent="email"> Email me offers.</label>
  </form>`;

  test('each checked box stamps its own opt-in: subscribed, ms timestamp, page, the wording beside that box, the user agent', () => {
    history.replaceState(null, '', '/quote?utm_source=x');
    const { form: f, client } = bind(form);
    f.requestSubmit();
    const phone = identified(client)[0].phones[0];
    const base = { subscribed: true, timestamp: '2026-03-04T05:06:07.891Z', source: 'http://localhost:3000/quote?utm_source=x', userAgent: navigator.userAgent };
    expect(phone.smsOptIn).toEqual({ ...base, text: 'Text me about my quote.' });
    expect(phone.voiceOptIn).toEqual({ ...base, text: 'Call me about my quote.' });
    // The unchecked email box records nothing.
    expect(identified(client)[0].emails).toEqual([{ emailAddress: 'jo@example.com', isPrimary: true }]);
    // Valid against the wire schema (extra keys such as text and userAgent are allowed there).
    expect(CustomEventSchema.safeParse({ traits: identified(client)[0] }).success).toBe(true);
  });

  test('recordUnchecked records the unchecked box as not subscribed, with its wording', () => {
    const { form: f, client } = bind(form, { recordUnchecked: true });
    f.requestSubmit();
    expect(identified(client)[0].emails[0].emailOptIn).toMatchObject({ subscribed: false, text: 'Email me offers.' });
  });

  test('the consent option maps boxes by selector or name, beside data-regal-consent', () => {
    const { form: f, client } = bind(
      `<form><input type="tel" name="phone" value="4155550134"><input type="email" name="email" value="jo@example.com">
        <div class="opt"><div><input type="checkbox" name="agree_texts" checked></div><div class="opt-text">I agree to texts.</div></div>
        <label><input type="checkbox" id="mail" checked> Emails, please.</label></form>`,
      { consent: { sms: 'agree_texts', email: '#mail' } },
    );
    f.requestSubmit();
    const [traits] = identified(client);
    // No label: the wording is the text beside the box in its container (as Mailchimp renders it).
    expect(traits.phones[0].smsOptIn).toMatchObject({ subscribed: true, text: 'I agree to texts.' });
    expect(traits.emails[0].emailOptIn).toMatchObject({ subscribed: true, text: 'Emails, please.' });
    expect(traits.phones[0]).not.toHaveProperty('voiceOptIn');
  });

  test('a consent selector that is not valid CSS maps nothing and breaks nothing', () => {
    const { form: f, client } = bind(lead('<input type="checkbox" name="x" checked>'), { consent: { sms: '[[' } });
    f.requestSubmit();
    expect(identified(client)[0].phones[0]).not.toHaveProperty('smsOptIn');
    expect(errors(client)).toEqual([]);
  });
});
