import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { trackForm, watchDeclarativeForms, type TrackFormOptions } from '../../src/browser/forms/forms';
import { fakeFormClient } from './forms/fake-form-client';

const NOW = new Date('2026-03-04T05:06:07.000Z');
// What every consent record carries besides `subscribed` and `text`.
const at = { timestamp: NOW.toISOString(), source: 'http://localhost:3000/quote?ref=nav', userAgent: navigator.userAgent };
const env = { now: () => NOW };

/** A FormClient that records every call, in order. */
const fakeClient = (defaultCountry = 'US') => fakeFormClient({ defaultCountry });

const callsOf = (client: { calls: unknown[][] }, kind: string) => client.calls.filter((c) => c[0] == kind);
const identified = (client: { calls: unknown[][] }) => callsOf(client, 'identify').map((c) => c[1]);

/** Put the form on the page; the page's own handler cancels navigation (as JS-handled forms do). */
function mount(html: string): HTMLFormElement {
  document.body.innerHTML = html;
  const form = document.querySelector('form')!;
  form.addEventListener('submit', (e) => e.preventDefault());
  return form;
}

function capture(html: string, options: TrackFormOptions = {}, country = 'US') {
  const form = mount(html);
  const client = fakeClient(country);
  trackForm(form, options, client, env);
  form.requestSubmit();
  return { form, client };
}

beforeEach(() => {
  history.replaceState(null, '', '/quote?ref=nav');
});
afterEach(() => {
  document.body.innerHTML = '';
});

// Real-world lead forms, as their builders render them, and what reaches the client.
const leadForms: Array<{
  name: string;
  html: string;
  options?: TrackFormOptions;
  country?: string;
  traits: Record<string, unknown> | null; // null: no identify
}> = [
  {
    name: 'Webflow: one name field is split into first and last name',
    html: `<form id="quote" name="Quote"><input name="Name" value="Jane Q. Doe"><input name="Email" value=" Jane@Example.COM ">
      <input name="Phone" value="(555) 123-4567"><input type="submit" value="Send"></form>`,
    traits: {
      firstName: 'Jane',
      lastName: 'Q. Doe',
      emails: [{ emailAddress: 'Jane@example.com', isPrimary: true }],
      phones: [{ phoneNumber: '+15551234567', isPrimary: true }],
    },
  },
  {
    name: 'Salesforce web-to-lead: split names and address fields by name',
    html: `<form><input id="first_name" name="first_name" value="Ana"><input id="last_name" name="last_name" value="García López">
      <input name="email" value="ana@example.es"><input name="mobile" value="555.123.4567"><input name="street" value="1 Main St">
      <input name="city" value="Springfield"><input name="state" value="IL"><input name="zip" value="62701"></form>`,
    traits: {
      firstName: 'Ana',
      lastName: 'García López',
      emails: [{ emailAddress: 'ana@example.es', isPrimary: true }],
      phones: [{ phoneNumber: '+15551234567', isPrimary: true }],
      address: { street: '1 Main St', city: 'Springfield', state: 'IL', zipcode: '62701' },
    },
  },
  {
    name: 'UK site: a national mobile number with defaultCountry GB',
    country: 'GB',
    html: `<form><input name="full_name" value="Tom Jones"><input type="tel" name="tel" value="07700 900123"></form>`,
    traits: { firstName: 'Tom', lastName: 'Jones', phones: [{ phoneNumber: '+447700900123', isPrimary: true }] },
  },
  {
    name: 'UK site: a visitor from abroad types the country code',
    country: 'GB',
    html: `<form><input type="tel" name="phone" value="+1 (555) 123-4567"></form>`,
    traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] },
  },
  {
    name: 'Contact Form 7: your-* names and a tel input with an opaque name',
    html: `<form><input name="your-name" value="Li"><input name="your-email" value="li@example.com"><input type="tel" name="tel-742" value="+61 412 345 678"></form>`,
    traits: {
      firstName: 'Li',
      emails: [{ emailAddress: 'li@example.com', isPrimary: true }],
      phones: [{ phoneNumber: '+61412345678', isPrimary: true }],
    },
  },
  {
    name: 'HubSpot-like: consent carried as a hidden field with its wording in an attribute',
    html: `<form><input name="firstname" value="Sam"><input name="lastname" value="Lee"><input name="mobilephone" value="5551234567">
      <input type="hidden" name="LEGAL_CONSENT.subscription_type_1" value="true" data-regal-consent="sms" data-regal-consent-text="Texts about my quote"></form>`,
    traits: {
      firstName: 'Sam',
      lastName: 'Lee',
      phones: [{ phoneNumber: '+15551234567', isPrimary: true, smsOptIn: { subscribed: true, text: 'Texts about my quote', ...at } }],
    },
  },
  {
    name: 'hidden consent valued "no" is not consent',
    html: `<form><input name="phone" value="5551234567"><input type="hidden" value="no" data-regal-consent="sms"></form>`,
    traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] },
  },
  {
    name: 'email and confirm-email fields give one email',
    html: `<form><input type="email" name="email" value="pat@example.com"><input type="email" name="email_confirm" value="pat@example.com"></form>`,
    traits: { emails: [{ emailAddress: 'pat@example.com', isPrimary: true }] },
  },
  {
    name: 'a confirm-email field is not read over the email field, even when it differs',
    html: `<form><input type="email" id="email" value="pat@example.com"><input type="email" id="confirm" value="typo@example.con"></form>`,
    traits: { emails: [{ emailAddress: 'pat@example.com', isPrimary: true }] },
  },
  {
    name: 'Gravity Forms-like: opaque names, autocomplete tokens only',
    html: `<form><input name="input_1.3" autocomplete="given-name" value="Kim"><input name="input_1.6" autocomplete="family-name" value="Park">
      <input name="input_2" autocomplete="email" value="kim@example.com"><input name="input_3" autocomplete="home tel" value="555 123 4567">
      <input name="input_4.1" autocomplete="shipping address-line1" value="2 Elm Rd"><input name="input_4.3" autocomplete="address-level2" value="Austin">
      <select name="input_4.4" autocomplete="address-level1"><option value="TX" selected>Texas</option></select>
      <input name="input_4.5" autocomplete="postal-code" value="73301"><select name="input_4.6" autocomplete="country"><option value="US" selected>USA</option></select></form>`,
    traits: {
      firstName: 'Kim',
      lastName: 'Park',
      emails: [{ emailAddress: 'kim@example.com', isPrimary: true }],
      phones: [{ phoneNumber: '+15551234567', isPrimary: true }],
      address: { street: '2 Elm Rd', city: 'Austin', state: 'TX', zipcode: '73301', country: 'US' },
    },
  },
  {
    name: 'autocomplete beats a misleading name',
    html: `<form><input name="phone" autocomplete="email" value="x@example.com"><input name="contact" autocomplete="tel" value="5551234567"></form>`,
    traits: { emails: [{ emailAddress: 'x@example.com', isPrimary: true }], phones: [{ phoneNumber: '+15551234567', isPrimary: true }] },
  },
  {
    name: 'signup form: a password is never read, even marked or named like a trait',
    html: `<form><input type="email" name="email" value="a@example.com"><input type="password" name="phone" value="5559876543">
      <input type="password" data-regal-trait="company" value="hunter2"><input name="pass" autocomplete="new-password" value="hunter3">
      <input name="otp" autocomplete="one-time-code" value="908172"><input name="userPassword" value="hunter4"></form>`,
    options: { include: ['pass', 'otp', 'userPassword', 'phone'] },
    traits: { emails: [{ emailAddress: 'a@example.com', isPrimary: true }] },
  },
  {
    name: 'checkout: a card number in a tel input is never read as the phone',
    html: `<form><input type="tel" name="ccnum" autocomplete="cc-number" value="4111111111111111"><input name="cvv" value="123">
      <input data-regal-trait="taxId" name="ssn" value="078051120"><input name="iban" value="DE89370400440532013000">
      <input name="accountNumber" value="55512345670"><input name="pin" value="5551"><input name="userPin" value="7531">
      <input name="ssnLast4" value="1120"><input type="tel" name="phone" value="555-123-4567"></form>`,
    options: { include: ['cvv', 'iban', 'pin', 'accountNumber', 'userPin', 'ssnLast4'] },
    traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] },
  },
  {
    name: 'ssn and pin only as words: "businessName" and "shipping_city" are read',
    html: `<form><input name="businessName" data-regal-trait="company" value="Acme"><input name="phone" value="5551234567">
      <input name="shipping_city" autocomplete="shipping address-level2" value="Reno"></form>`,
    traits: { company: 'Acme', phones: [{ phoneNumber: '+15551234567', isPrimary: true }], address: { city: 'Reno' } },
  },
  {
    name: 'custom data-regal-trait fields, hidden ones only when marked',
    html: `<form><input name="company" data-regal-trait="company" value="Acme Inc"><input type="hidden" data-regal-trait="leadSource" value="Google Ads">
      <input type="hidden" name="email" value="tracking@example.com"><input type="hidden" name="phone" value="5550000000">
      <input data-regal-trait="phones" value="bad"><input name="email2" value="x@example.com"></form>`,
    traits: { company: 'Acme Inc', leadSource: 'Google Ads', emails: [{ emailAddress: 'x@example.com', isPrimary: true }] },
  },
  {
    name: 'consent wording from a wrapping label, for two channels',
    html: `<form><input name="phone" value="5551234567"><label><input type="checkbox" data-regal-consent="sms, voice" checked>
      I agree   to receive <b>texts</b> and
      calls from Acme</label></form>`,
    traits: {
      phones: [
        {
          phoneNumber: '+15551234567',
          isPrimary: true,
          smsOptIn: { subscribed: true, text: 'I agree to receive texts and calls from Acme', ...at },
          voiceOptIn: { subscribed: true, text: 'I agree to receive texts and calls from Acme', ...at },
        },
      ],
    },
  },
  {
    name: 'consent wording from label[for], and the attribute wins over the label',
    html: `<form><input name="phone" value="5551234567"><input name="email" value="e@example.com">
      <input type="checkbox" id="c1" data-regal-consent="sms" checked><label for="c1">SMS updates</label>
      <input type="checkbox" id="c2" data-regal-consent="email" data-regal-consent-text="Email me offers" checked><label for="c2">Email</label></form>`,
    traits: {
      phones: [{ phoneNumber: '+15551234567', isPrimary: true, smsOptIn: { subscribed: true, text: 'SMS updates', ...at } }],
      emails: [{ emailAddress: 'e@example.com', isPrimary: true, emailOptIn: { subscribed: true, text: 'Email me offers', ...at } }],
    },
  },
  {
    name: 'an unchecked consent box is left out by default',
    html: `<form><input name="phone" value="5551234567"><label><input type="checkbox" data-regal-consent="sms"> Texts</label></form>`,
    traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] },
  },
  {
    name: 'an unchecked consent box is recorded as not subscribed with recordUnchecked',
    options: { recordUnchecked: true },
    html: `<form><input name="phone" value="5551234567"><label><input type="checkbox" data-regal-consent="sms"> Texts</label></form>`,
    traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true, smsOptIn: { subscribed: false, text: 'Texts', ...at } }] },
  },
  {
    name: 'a checked box wins over an unchecked one for the same channel',
    options: { recordUnchecked: true },
    html: `<form><input name="phone" value="5551234567"><label><input type="checkbox" data-regal-consent="sms" checked> Yes</label>
      <label><input type="checkbox" data-regal-consent="sms"> Also</label></form>`,
    traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true, smsOptIn: { subscribed: true, text: 'Yes', ...at } }] },
  },
  {
    name: 'consent for a channel without its phone or email goes nowhere',
    html: `<form><input name="email" value="e@example.com"><label><input type="checkbox" data-regal-consent="sms" checked> Texts</label></form>`,
    traits: { emails: [{ emailAddress: 'e@example.com', isPrimary: true }] },
  },
  {
    name: 'options.fields overrides discovery, by name or by selector',
    options: { fields: { phone: 'work_phone', email: '#alt', firstName: '[data-x="fn"]' } },
    html: `<form><input type="tel" name="phone" value="5550001111"><input name="work_phone" value="5552223333">
      <input type="email" name="email" value="home@example.com"><input id="alt" value="work@example.com"><input data-x="fn" value="Jo"></form>`,
    traits: {
      firstName: 'Jo',
      phones: [{ phoneNumber: '+15552223333', isPrimary: true }],
      emails: [{ emailAddress: 'work@example.com', isPrimary: true }],
    },
  },
  {
    name: 'empty fields are skipped: the first non-empty one is read',
    html: `<form><input type="email" name="email" value=""><input type="email" name="email2" value="b@example.com"><input name="phone" value=""></form>`,
    traits: { emails: [{ emailAddress: 'b@example.com', isPrimary: true }] },
  },
  {
    name: 'a newsletter form with no contact fields: the event only',
    html: `<form><select name="topic"><option selected>Pricing</option></select></form>`,
    traits: null,
  },
];

describe('trackForm on real-world lead forms', () => {
  test.each(leadForms)('$name', ({ html, options, country, traits }) => {
    const { client } = capture(html, options, country);
    expect(identified(client)).toEqual(traits ? [traits] : []);
    expect(callsOf(client, 'track')).toHaveLength(1);
    expect(callsOf(client, 'error')).toEqual([]);
    // Secrets appear nowhere, whatever the form did.
    expect(JSON.stringify(client.calls)).not.toMatch(/hunter|4111|908172|078051120|DE89|55512345670|5551"|7531|1120|5559876543|tracking@/);
  });
});

describe('trackForm', () => {
  test('identifies, tracks, then flushes with keepalive, in that order', () => {
    const { client } = capture(`<form id="lead" name="Lead"><input name="email" value="a@example.com"></form>`, { event: 'Lead Submitted' });
    expect(client.calls.map((c) => c[0])).toEqual(['identify', 'track', 'flush']);
    expect(client.calls[1]).toEqual(['track', 'Lead Submitted', { formId: 'lead', formName: 'Lead', pagePath: '/quote' }]);
    expect(client.calls[2]).toEqual(['flush', { keepalive: true }]);
  });

  test('the default event name is "Form Submitted"', () => {
    const { client } = capture(`<form><input name="email" value="a@example.com"></form>`);
    expect(callsOf(client, 'track')[0][1]).toBe('Form Submitted');
  });

  test('event properties: included non-PII fields, then options.properties', () => {
    const { client } = capture(
      `<form id="f"><select name="product"><option>Home</option><option selected>Auto</option></select>
        <input type="radio" name="time" value="morning"><input type="radio" name="time" value="evening" checked>
        <input type="checkbox" name="newsletter" value="yes"><input name="email" value="a@example.com"><input name="notes" value="call after 5"></form>`,
      { include: ['product', 'time', 'newsletter', 'email', 'notes', 'missing'], properties: { campaign: 'spring', formId: 'renamed' } },
    );
    expect(callsOf(client, 'track')[0][2]).toEqual({
      formId: 'renamed',
      pagePath: '/quote',
      product: 'Auto',
      time: 'evening',
      notes: 'call after 5',
      campaign: 'spring',
    });
  });

  test('options.properties may be a function of the form; if it throws, the event still goes', () => {
    const props = vi.fn((form: HTMLFormElement) => ({ fields: form.elements.length }));
    const { client, form } = capture(`<form><input name="email" value="a@example.com"></form>`, { properties: props });
    expect(props).toHaveBeenCalledWith(form);
    expect(callsOf(client, 'track')[0][2]).toMatchObject({ fields: 1 });

    const { client: client2 } = capture(`<form><input name="email" value="a@example.com"></form>`, {
      properties: () => {
        throw new Error('page bug');
      },
    });
    expect(callsOf(client2, 'track')).toHaveLength(1);
  });

  test('consent is stamped with the submit time and the page URL of that moment', () => {
    const form = mount(`<form><input name="phone" value="5551234567"><input type="checkbox" data-regal-consent="sms" checked></form>`);
    const client = fakeClient();
    let now = new Date('2026-01-01T00:00:00.000Z');
    trackForm(form, {}, client, { now: () => now });
    now = new Date('2026-06-01T12:00:00.000Z');
    history.replaceState(null, '', '/step-2');
    form.requestSubmit();
    expect(identified(client)[0]).toMatchObject({
      phones: [{ smsOptIn: { subscribed: true, timestamp: '2026-06-01T12:00:00.000Z', source: 'http://localhost:3000/step-2' } }],
    });
  });

  describe('an invalid phone', () => {
    const html = `<form id="quote"><input name="name" value="Jo Doe"><input name="email" value="jo@example.com">
      <input type="tel" name="phone" value="555-0100"><button>Send</button></form>`;

    test('never costs the lead: with a valid email, the lead goes without the phone, and the phone is reported with its value', () => {
      const { client } = capture(html);
      expect(client.calls.filter((c) => c[0] != 'error')).toEqual([
        ['identify', { firstName: 'Jo', lastName: 'Doe', emails: [{ emailAddress: 'jo@example.com', isPrimary: true }] }],
        ['track', 'Form Submitted', { formId: 'quote', pagePath: '/quote' }],
        ['flush', { keepalive: true }],
      ]);
      expect(callsOf(client, 'error')).toEqual([['error', 'invalid_phone', expect.stringContaining('phone number'), '555-0100']]);
      expect(callsOf(client, 'error')[0][2]).toContain('US');
      expect(callsOf(client, 'error')[0][2]).toContain('left out; sent with the email');
    });

    test('with no other way to reach the visitor, sends nothing at all and reports it', () => {
      const { client } = capture(`<form><input name="name" value="Jo Doe"><input type="tel" name="phone" value="555-0100"></form>`);
      expect(client.calls.filter((c) => c[0] != 'error')).toEqual([]);
      expect(callsOf(client, 'error')).toEqual([['error', 'invalid_phone', expect.stringContaining('not sent'), '555-0100']]);
    });

    test('with blockInvalid, the blocked submit sends nothing (the corrected one will)', () => {
      const { client } = capture(html, { blockInvalid: true });
      expect(client.calls.map((c) => c[0])).toEqual(['error']);
    });

    test('is read with the client defaultCountry', () => {
      const { client } = capture(`<form><input type="tel" name="phone" value="020 7946 0958"></form>`, {}, 'GB');
      expect(identified(client)).toEqual([{ phones: [{ phoneNumber: '+442079460958', isPrimary: true }] }]);
      const { client: us } = capture(`<form><input type="tel" name="phone" value="020 7946 0958"></form>`, {}, 'US');
      expect(callsOf(us, 'error')).toHaveLength(1);
    });

    test('calls onInvalid with the field, and the submit goes on unless blockInvalid', () => {
      const onInvalid = vi.fn();
      const { client, form } = capture(html, { onInvalid });
      expect(onInvalid).toHaveBeenCalledWith({ code: 'invalid_phone', message: 'Please enter a valid phone number.', field: form.elements.namedItem('phone') });
      expect(callsOf(client, 'error')).toHaveLength(1);

      const submitted = mount(html);
      let defaultPrevented: boolean | undefined;
      submitted.addEventListener('submit', (e) => (defaultPrevented = e.defaultPrevented), true);
      trackForm(submitted, {}, fakeClient(), env);
      submitted.requestSubmit();
      expect(defaultPrevented).toBe(false);
    });

    test('blockInvalid cancels the submit', () => {
      document.body.innerHTML = html; // no page handler of its own
      const form = document.querySelector('form')!;
      const submit = () => {
        const event = new Event('submit', { cancelable: true });
        form.dispatchEvent(event);
        return event.defaultPrevented;
      };
      const stop = trackForm(form, {}, fakeClient(), env);
      expect(submit()).toBe(false);
      stop();
      trackForm(form, { blockInvalid: true }, fakeClient(), env);
      expect(submit()).toBe(true);
    });

    test('validity shows the message on the field and clears it once the visitor edits', () => {
      const form = mount(html);
      const phone = form.elements.namedItem('phone') as HTMLInputElement;
      const report = vi.spyOn(phone, 'reportValidity');
      trackForm(form, { validity: true }, fakeClient(), env);
      form.dispatchEvent(new Event('submit', { cancelable: true }));
      expect(phone.validationMessage).toBe('Please enter a valid phone number.');
      expect(report).toHaveBeenCalled();
      phone.value = '555-123-0100';
      phone.dispatchEvent(new Event('input'));
      expect(phone.validationMessage).toBe('');
    });

    test('without validity, the field is left alone', () => {
      const form = mount(html);
      trackForm(form, {}, fakeClient(), env);
      form.dispatchEvent(new Event('submit', { cancelable: true }));
      expect((form.elements.namedItem('phone') as HTMLInputElement).validationMessage).toBe('');
    });
  });

  test('an invalid email is reported and left out; the lead goes with the phone', () => {
    const { client } = capture(`<form><input name="email" value="jo@example"><input name="phone" value="5551234567"></form>`);
    expect(client.calls).toEqual([
      ['error', 'invalid_email', expect.stringContaining('email address'), 'jo@example'],
      ['identify', { phones: [{ phoneNumber: '+15551234567', isPrimary: true }] }],
      ['track', 'Form Submitted', { pagePath: '/quote' }],
      ['flush', { keepalive: true }],
    ]);
  });

  test('an invalid email alone sends nothing', () => {
    const { client } = capture(`<form><input name="email" value="jo@example"></form>`);
    expect(client.calls).toEqual([['error', 'invalid_email', expect.stringContaining('not sent'), 'jo@example']]);
  });

  test('captures a script submit via requestSubmit()', () => {
    const form = mount(`<form><input name="email" value="a@example.com"><button id="go">Go</button></form>`);
    const client = fakeClient();
    trackForm(form, {}, client, env);
    form.requestSubmit(document.getElementById('go') as HTMLButtonElement);
    expect(identified(client)).toHaveLength(1);
  });

  test('captures a form whose own handler calls preventDefault and posts with fetch', () => {
    document.body.innerHTML = `<form id="f"><input name="email" value="a@example.com"><button>Go</button></form>`;
    const form = document.getElementById('f') as HTMLFormElement;
    const posted: string[] = [];
    // The page's handler, registered first, cancels the navigation and "fetches" itself.
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      posted.push(new FormData(form).get('email') as string);
    });
    const client = fakeClient();
    trackForm(form, {}, client, env);
    (form.querySelector('button') as HTMLButtonElement).click();
    expect(posted).toEqual(['a@example.com']);
    expect(client.calls.map((c) => c[0])).toEqual(['identify', 'track', 'flush']);
  });

  test("captures the submit even when the page's own handler, added first, stops all others", () => {
    document.body.innerHTML = `<form id="f"><input name="email" value="a@example.com"><button>Go</button></form>`;
    const form = document.getElementById('f') as HTMLFormElement;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      e.stopImmediatePropagation();
    });
    const client = fakeClient();
    trackForm(form, {}, client, env);
    form.requestSubmit();
    expect(callsOf(client, 'track')).toHaveLength(1);
  });

  test('captures a real submit-button click before the page navigates', () => {
    document.body.innerHTML = `<form id="f" action="/thanks"><input name="email" value="a@example.com"><button>Go</button></form>`;
    const client = fakeClient();
    trackForm('#f', {}, client, env);
    (document.querySelector('button') as HTMLButtonElement).click();
    expect(client.calls.map((c) => c[0])).toEqual(['identify', 'track', 'flush']);
  });

  test('binding a form again replaces the earlier binding', () => {
    const form = mount(`<form data-regal-form="Declared"><input name="email" value="a@example.com"></form>`);
    const client = fakeClient();
    const first = trackForm(form, { event: 'First' }, client, env);
    trackForm(form, { event: 'Second' }, client, env);
    form.requestSubmit();
    first(); // a stale stop does not undo the newer binding...
    const stop = watchDeclarativeForms(client, document, {}, env); // ...so a watcher leaves the form alone
    form.requestSubmit();
    stop();
    expect(callsOf(client, 'track').map((c) => c[1])).toEqual(['Second', 'Second']);
  });

  test('finds the form by selector, in the given document, and stops when told', () => {
    const form = mount(`<form id="lead"><input name="email" value="a@example.com"></form>`);
    const client = fakeClient();
    const stop = trackForm('#lead', {}, client, { ...env, document });
    form.requestSubmit();
    stop();
    form.requestSubmit();
    expect(callsOf(client, 'track')).toHaveLength(1);
  });

  test('a selector that matches nothing (or is not a selector) gives a harmless stop', () => {
    const client = fakeClient();
    expect(() => trackForm('#nope', {}, client)()).not.toThrow();
    expect(() => trackForm('[[', {}, client)()).not.toThrow();
    expect(() => trackForm(null as unknown as string, {}, client)()).not.toThrow();
  });

  test('nothing throws into the page, even with a client that throws', () => {
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    window.addEventListener('error', onError);
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const form = mount(`<form><input name="email" value="a@example.com"><input name="phone" value="1"></form>`);
    const boom = () => {
      throw new Error('client bug');
    };
    trackForm(form, {}, { identify: boom, track: boom, flush: boom, reportError: boom, defaultCountry: 'US' }, env);
    expect(() => form.requestSubmit()).not.toThrow();
    const form2 = mount(`<form><input name="email" value="a@example.com"></form>`);
    trackForm(form2, {}, { identify: boom, track: boom, flush: boom, reportError: boom, defaultCountry: 'US' }, env);
    expect(() => form2.requestSubmit()).not.toThrow();
    expect(errors).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
    window.removeEventListener('error', onError);
    consoleError.mockRestore();
  });

  describe('multi-step forms', () => {
    const html = `<form id="wizard"><input name="email" value="a@example.com"><input name="phone" value="5551234567">
      <button id="next" data-regal-step>Next</button><button id="finish">Get my quote</button></form>`;

    test('a step submit identifies but tracks no event; the final submit tracks', () => {
      const form = mount(html);
      const client = fakeClient();
      trackForm(form, { event: 'Quote Requested' }, client, env);
      form.requestSubmit(document.getElementById('next') as HTMLButtonElement);
      expect(client.calls.map((c) => c[0])).toEqual(['identify', 'flush']);
      form.requestSubmit(document.getElementById('finish') as HTMLButtonElement);
      expect(client.calls.map((c) => c[0])).toEqual(['identify', 'flush', 'identify', 'track', 'flush']);
    });

    test('a form marked data-regal-step is on an intermediate step until the marker goes', () => {
      const form = mount(`<form><input name="email" value="a@example.com"><button>Continue</button></form>`);
      const button = form.querySelector('button')!;
      form.setAttribute('data-regal-step', '');
      const client = fakeClient();
      trackForm(form, {}, client, env);
      button.click();
      expect(callsOf(client, 'track')).toHaveLength(0);
      form.removeAttribute('data-regal-step');
      button.click();
      expect(callsOf(client, 'track')).toHaveLength(1);
    });
  });
});

describe('watchDeclarativeForms', () => {
  const lead = (event: string, email: string) => `<form data-regal-form="${event}"><input name="email" value="${email}"></form>`;
  const noNavigation = (e: Event) => e.preventDefault();
  beforeEach(() => document.addEventListener('submit', noNavigation));
  afterEach(() => document.removeEventListener('submit', noNavigation));

  test('binds marked forms, with the attribute as the event name', () => {
    document.body.innerHTML = lead('Demo Requested', 'a@example.com') + lead('', 'b@example.com') + `<form><input name="email" value="c@example.com"></form>`;
    const client = fakeClient();
    const stop = watchDeclarativeForms(client, document, {}, env);
    document.querySelectorAll('form').forEach((f) => f.requestSubmit());
    expect(callsOf(client, 'track').map((c) => c[1])).toEqual(['Demo Requested', 'Form Submitted']);
    stop();
  });

  test('captures forms added after it started, each submit once, and stops when told', () => {
    const client = fakeClient();
    const stop = watchDeclarativeForms(client, document.body, { include: ['plan'] }, env);
    const again = watchDeclarativeForms(client, document.body, {}, env); // a second watcher sends nothing twice
    const box = document.createElement('div');
    box.innerHTML = `<form data-regal-form="Trial Started"><input name="email" value="a@example.com"><input name="plan" value="pro"></form>`;
    document.body.append(box);
    const form = box.querySelector('form')!;
    form.requestSubmit();
    expect(callsOf(client, 'track')).toEqual([['track', 'Trial Started', { pagePath: '/quote', plan: 'pro' }]]);
    stop();
    form.requestSubmit(); // the second watcher still runs
    expect(callsOf(client, 'track')).toEqual([
      ['track', 'Trial Started', { pagePath: '/quote', plan: 'pro' }],
      ['track', 'Trial Started', { pagePath: '/quote' }],
    ]);
    again();
    form.requestSubmit();
    expect(callsOf(client, 'track')).toHaveLength(2);
  });

  test("captures before the page's own handlers, even one that stops propagation", () => {
    document.body.innerHTML = lead('Callback Requested', 'a@example.com');
    const form = document.querySelector('form')!;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      e.stopPropagation();
    });
    const client = fakeClient();
    const stop = watchDeclarativeForms(client, document, {}, env);
    form.requestSubmit();
    expect(callsOf(client, 'track').map((c) => c[1])).toEqual(['Callback Requested']);
    stop();
  });

  test('only forms under its root', () => {
    document.body.innerHTML = `<div id="a">${lead('In A', 'a@example.com')}</div><div id="b">${lead('In B', 'b@example.com')}</div>`;
    const client = fakeClient();
    const stop = watchDeclarativeForms(client, document.getElementById('a')!, {}, env);
    document.querySelectorAll('form').forEach((f) => f.requestSubmit());
    expect(callsOf(client, 'track').map((c) => c[1])).toEqual(['In A']);
    stop();
  });

  test('a root that is not a node gives a harmless stop', () => {
    expect(() => watchDeclarativeForms(fakeClient(), null as unknown as Document)()).not.toThrow();
  });

  test('an explicit trackForm wins over the watcher, whichever comes first', () => {
    document.body.innerHTML = lead('Signup', 'a@example.com') + lead('Signup', 'b@example.com');
    const [early, late] = document.querySelectorAll('form');
    const client = fakeClient();
    trackForm(early, { event: 'Explicit early' }, client, env);
    const stop = watchDeclarativeForms(client, document, {}, env);
    trackForm(late, { event: 'Explicit late' }, client, env);
    early.requestSubmit();
    late.requestSubmit();
    expect(callsOf(client, 'track').map((c) => c[1])).toEqual(['Explicit early', 'Explicit late']);
    stop();
  });

  test('after a watcher stops, a new one captures the same forms again', () => {
    document.body.innerHTML = lead('Signup', 'a@example.com');
    const client = fakeClient();
    watchDeclarativeForms(client, document, {}, env)();
    const stop = watchDeclarativeForms(client, document, {}, env);
    document.querySelector('form')!.requestSubmit();
    expect(callsOf(client, 'track')).toHaveLength(1);
    stop();
  });
});
