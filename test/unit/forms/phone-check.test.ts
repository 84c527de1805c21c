/**
 * `trackForm(form, { phoneCheck: true })`: when the visitor leaves the phone field having
 * changed it, the relay is asked whether Regal can dial the number and the page is told
 * with a `regal:phonecheck` event on the field; nothing about it ever holds up a submit.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRelay } from '../../../src/relay';
import { trackForm, type TrackFormOptions } from '../../../src/browser/forms/forms';
import { fakeFormClient } from './fake-form-client';
import { deferred } from '../delivery/helpers';

const RELAY = 'http://localhost:3000/regal';

/** The real relay behind `fetch` (its phone check on libphonenumber), every request recorded. */
function relayBehindFetch(answer?: (url: string, body: string) => Promise<Response> | undefined) {
  const relay = createRelay({ apiKey: 'k', fetch: (async () => new Response('{}')) as typeof fetch, rateLimitPerSecond: Infinity });
  const requests: Array<{ url: string; body: string }> = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    const body = String(init.body);
    requests.push({ url, body });
    return (await answer?.(url, body)) ?? relay(new Request(url, { method: 'POST', body }));
  });
  vi.stubGlobal('fetch', fetchMock);
  return requests;
}

const fakeClient = (relay: string | undefined = RELAY, defaultCountry = 'US') => fakeFormClient({ relay, defaultCountry });

/** Mounts `html`, binds it with `options`, and collects what the page is told. */
function bind(html: string, options: TrackFormOptions = { phoneCheck: true }, client = fakeClient()) {
  document.body.innerHTML = html;
  const form = document.querySelector('form')!;
  form.addEventListener('submit', (e) => e.preventDefault());
  const stop = trackForm(form, options, client);
  const told: Array<Record<string, unknown>> = [];
  // The event bubbles: a page listens on the form (or the document).
  form.addEventListener('regal:phonecheck', (e) => told.push({ ...(e as CustomEvent).detail, on: (e.target as HTMLElement).id }));
  return { form, client, told, stop };
}

/** The visitor types `value` into `el` and leaves it: `change` (and `input`, as browsers fire). */
function leave(el: HTMLInputElement | HTMLSelectElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const LEAD = '<form><input id="phone" type="tel" name="phone"><input id="email" type="email" name="email"><button>Send</button></form>';
const $ = (id: string) => document.getElementById(id) as HTMLInputElement;

afterEach(() => {
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

describe('phoneCheck', () => {
  it('a number Regal cannot dial: the relay is asked beside its endpoint, and the page told on the field; fixed: told again, valid', async () => {
    const requests = relayBehindFetch();
    const { told } = bind(LEAD);
    leave($('phone'), '(555) 123-4567');
    await settle();
    expect(requests).toEqual([{ url: 'http://localhost:3000/regal/phone-check', body: '{"phone":"+15551234567"}' }]);
    expect(told).toEqual([{ on: 'phone', phoneNumber: '+15551234567', valid: false, code: 'undialable_phone', reason: 'not assigned in its country (an unused area code or prefix)' }]);
    leave($('phone'), '(415) 555-0134');
    await settle();
    expect(told[1]).toEqual({ on: 'phone', phoneNumber: '+14155550134', valid: true, country: 'US', type: 'FIXED_LINE_OR_MOBILE', sms: true });
  });

  it('with validity: an undialable number gets the browser validation message, cleared as the visitor types and when the check passes', async () => {
    relayBehindFetch();
    bind(LEAD, { phoneCheck: true, validity: true });
    const phone = $('phone');
    leave(phone, '(555) 123-4567');
    await settle();
    expect(phone.validationMessage).toBe('Please enter a valid phone number.');
    phone.dispatchEvent(new Event('input', { bubbles: true }));
    expect(phone.validity.customError).toBe(false);
    leave(phone, '(555) 123-4567');
    await settle();
    expect(phone.validity.customError).toBe(true);
    leave(phone, '+44 7400 123456');
    await settle();
    expect(phone.validity.customError).toBe(false);
  });

  it('a number the browser already refuses: told at once as invalid_phone, no request; an emptied field: nothing', async () => {
    const requests = relayBehindFetch();
    const { told } = bind(LEAD);
    leave($('phone'), '555-12');
    leave($('phone'), '');
    await settle();
    expect(requests).toEqual([]);
    expect(told).toEqual([{ on: 'phone', phoneNumber: '555-12', valid: false, code: 'invalid_phone' }]);
  });

  it('only the phone and its parts are checked: the country select beside it re-checks the number in its country', async () => {
    const requests = relayBehindFetch();
    const { told } = bind(`<form><select id="cc" name="phone_country"><option value="US">US</option><option value="GB">UK</option></select>
      <input id="phone" type="tel" name="phone"><input id="email" type="email" name="email"></form>`);
    leave($('phone'), '07400 123456');
    leave($('email'), 'jane@example.com');
    await settle();
    expect(told).toEqual([{ on: 'phone', phoneNumber: '07400 123456', valid: false, code: 'invalid_phone' }]);
    leave(document.getElementById('cc') as HTMLSelectElement, 'GB');
    await settle();
    expect(requests.map((r) => r.body)).toEqual(['{"phone":"+447400123456"}']);
    expect(told[1]).toMatchObject({ on: 'phone', valid: true, country: 'GB', type: 'MOBILE', sms: true });
  });

  it('an older answer arriving after a newer one is not told', async () => {
    const slow = deferred<Response>();
    relayBehindFetch((_url, body) => (body.includes('5551234567') ? slow.promise : undefined));
    const { told } = bind(LEAD, { phoneCheck: true, validity: true });
    leave($('phone'), '(555) 123-4567');
    leave($('phone'), '(415) 555-0134');
    await settle();
    slow.resolve(new Response(JSON.stringify({ phoneNumber: '+15551234567', valid: false, code: 'undialable_phone' })));
    await settle();
    expect(told).toEqual([expect.objectContaining({ phoneNumber: '+14155550134', valid: true })]);
    expect($('phone').validity.customError).toBe(false);
  });

  it('a relay that is down, refuses (429) or hangs: nothing told, nothing thrown, and the submit goes out at once with the phone', async () => {
    const hang = deferred<Response>();
    for (const answer of [
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => Promise.resolve(new Response('{"message":"Too many phone checks","code":"too_many_requests"}', { status: 429 })),
      () => Promise.resolve(new Response('<html>bad gateway</html>', { status: 502 })),
      () => hang.promise,
    ]) {
      relayBehindFetch(answer);
      const { form, client, told } = bind(LEAD, { phoneCheck: true, validity: true });
      leave($('phone'), '(555) 123-4567');
      form.requestSubmit();
      // Synchronously, while the check is still out.
      expect(client.calls.map((c) => c[0])).toEqual(['identify', 'track', 'flush']);
      expect(client.calls[0][1]).toMatchObject({ phones: [{ phoneNumber: '+15551234567' }] });
      await settle();
      expect(told).toEqual([]);
      expect($('phone').validity.customError).toBe(false);
    }
  });

  it('off by default, and in direct mode (no relay); stop() ends it', async () => {
    const requests = relayBehindFetch();
    bind(LEAD, {});
    leave($('phone'), '(555) 123-4567');
    bind(LEAD, { phoneCheck: true }, { ...fakeClient(), relay: undefined });
    leave($('phone'), '(555) 123-4567');
    const { stop } = bind(LEAD);
    stop();
    leave($('phone'), '(555) 123-4567');
    await settle();
    expect(requests).toEqual([]);
  });

  it('a form bound by selector, added to the page later, is checked too; another form is not', async () => {
    const requests = relayBehindFetch();
    document.body.innerHTML = '';
    const stop = trackForm('#later', { phoneCheck: true }, fakeClient());
    document.body.innerHTML = `<form id="other"><input id="o-phone" type="tel" name="phone"></form><form id="later">${LEAD.slice(6, -7)}</form>`;
    leave($('o-phone'), '(555) 123-4567');
    leave($('phone'), '(555) 123-4568');
    await settle();
    expect(requests.map((r) => r.body)).toEqual(['{"phone":"+15551234568"}']);
    stop();
    leave($('phone'), '(555) 123-4569');
    await settle();
    expect(requests).toHaveLength(1);
  });

  it("a change of the number's country clears the message the old number got, even when the relay does not answer the new check", async () => {
    let down = false;
    relayBehindFetch(() => (down ? new Promise<Response>(() => {}) : undefined));
    bind(`<form><select id="cc" name="phone_country"><option value="US">US</option><option value="GB">UK</option></select>
      <input id="phone" type="tel" name="phone"></form>`, { phoneCheck: true, validity: true });
    leave($('phone'), '020 7946 095');
    await settle();
    expect($('phone').validity.customError).toBe(true);
    down = true;
    leave(document.getElementById('cc') as HTMLSelectElement, 'GB');
    await settle();
    expect($('phone').validity.customError).toBe(false);
  });
});
