/**
 * `phoneCheck`: when the visitor leaves a form's phone field having changed it (its
 * `change` event), ask the relay (`<endpoint>/phone-check`) whether Regal can dial the
 * number, and tell the page with a `regal:phonecheck` event on the field, so the visitor
 * can fix a typo while still on the page. The answer's numbering plans stay on the server:
 * the browser only posts the number. Nothing here waits on the relay: a submit goes
 * through whatever the relay does, and a slow or missing answer tells the page nothing.
 */
import { normalizePhone } from '../identity/phone';
import { safe, valueOf, type Field } from './dom';
import { discoverFields } from './field-discovery';
import { joinSplitPhone, splitNumber } from './split-phone';
import type { FormClient, TrackFormOptions } from './types';

// The latest check of each phone field: the answer to an older one is not told.
const latest = new WeakMap<Field, number>();

/**
 * Hears the `change` events under `root` (capture phase) of the forms `formOf` picks, and
 * checks the phone of each change to its phone field, country or area code. Returns the
 * function that stops.
 */
export function watchPhone(root: EventTarget, formOf: (el: Field) => HTMLFormElement | null | undefined | false, options: TrackFormOptions, client: FormClient): () => void {
  const fn = safe((e: Event) => {
    const el = e.target as Field;
    const form = formOf(el);
    if (form) checkPhone(form, el, options, client);
  });
  root.addEventListener('change', fn, true);
  return () => root.removeEventListener('change', fn, true);
}

function checkPhone(form: HTMLFormElement, changed: Field, options: TrackFormOptions, client: FormClient): void {
  const found = discoverFields(form, [...form.elements] as Field[], options.fields);
  const phones = found.get('phone');
  const [code] = found.get('phoneCountry') || [];
  const [area] = found.get('phoneArea') || [];
  if (!client.relay || !phones || ![...phones, code, area].includes(changed)) return;
  const field = phones[0];
  const n = (latest.get(field) || 0) + 1;
  latest.set(field, n);
  // What an earlier answer set is the visitor's to fix: cleared as they change the number,
  // so a message can never outlive the number it was about.
  if (options.validity) field.setCustomValidity('');
  const tell = (detail: Record<string, unknown>) => {
    if (latest.get(field) !== n) return;
    if (options.validity && !detail.valid) {
      field.setCustomValidity('Please enter a valid phone number.');
      field.addEventListener('input', () => field.setCustomValidity(''), { once: true });
    }
    field.dispatchEvent(new CustomEvent('regal:phonecheck', { bubbles: true, detail }));
  };
  const { number, country } = joinSplitPhone(code ? valueOf(code) : '', splitNumber(field, phones, area), client.defaultCountry);
  if (!number.trim()) return;
  const phone = normalizePhone(number, country);
  // The browser's own check already knows: no request.
  if (!phone) return tell({ phoneNumber: number, valid: false, code: 'invalid_phone' });
  const url = new URL(client.relay);
  url.pathname = url.pathname.replace(/\/?$/, '/phone-check');
  // A string body is text/plain: no CORS preflight to a relay on another origin.
  fetch(url.href, { method: 'POST', body: JSON.stringify({ phone }) })
    .then((r) => r.json())
    .then((answer) => typeof answer.valid === 'boolean' && tell(answer))
    .catch(() => {});
}
