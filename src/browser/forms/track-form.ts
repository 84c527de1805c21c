/**
 * Lead-form capture bound to a client: `trackForm(regal, '#lead', {event: 'Lead Form Submitted'})`.
 * Binding is in forms.ts, a submit's handling in handle-submit.ts.
 */
import type { RegalClient } from '../types';
import type { ClientInternals } from '../client/client';
import { noop, safe } from './dom';
import { trackForm as bindForm, watchDeclarativeForms as watchForms } from './forms';
import type { FormClient, TrackFormOptions } from './types';

export type { TrackFormOptions };

// The client itself (its identify, track and flush, looked up when called), plus the
// internals forms reads.
const formClient = (regal: RegalClient & Partial<ClientInternals>) =>
  ({ __proto__: regal, reportError: regal._report || noop, defaultCountry: regal._country || 'US', relay: regal._relay }) as unknown as FormClient;

/**
 * Capture a lead form: on each submit, `identify` the visitor with the form's contact
 * fields, `track` the form's event, then `flush({keepalive: true})` so the events survive
 * the navigation. Returns a function that stops it.
 *
 * The submit is heard in the capture phase on the form itself, so it works for a normal
 * submit, for `requestSubmit()`, and for forms whose own handler calls `preventDefault()`
 * and posts with fetch. (`form.submit()` fires no submit event and cannot be captured; a
 * "form" without a `<form>` is not one.) A submit that the page's own script then rejects
 * has been sent anyway: validate with HTML attributes, which stop the submit event.
 *
 * Fields are found, strongest first (`options.fields` overrides all):
 * 1. `data-regal-trait="phone|email|firstName|lastName|name|address.street|address.city|
 *    address.state|address.zipcode|address.country|<custom>"` (a custom name becomes a
 *    custom contact property; the only way to read a hidden field);
 * 2. the autocomplete token: `tel`, `tel-national` → phone (with `tel-country-code`, or a
 *    field named countrycode, phonecountry, dialcode, callingcode, read as its country
 *    code: "+44", "UK (+44)", or a country such as "GB"); `email`; `given-name` →
 *    firstName; `family-name` → lastName; `name`; `street-address`, `address-line1` →
 *    address.street; `address-level2` → city; `address-level1` → state; `postal-code` →
 *    zipcode; `country`, `country-name` → country;
 * 3. the type: `tel` → phone, `email` → email;
 * 4. the name or id, lower-cased with non-letters and a leading "your" dropped (so
 *    `your-email`, `contact[email]`, `Email-2` are all "email"): phone, phonenumber, mobile,
 *    mobilephone, mobilenumber, cell, cellphone, tel, telephone → phone; email,
 *    emailaddress; firstname, fname, first, givenname; lastname, lname, last, surname,
 *    familyname; name, fullname; street, streetaddress, address, addressline; city, town;
 *    state, province, region; zip, zipcode, postalcode, postcode; country.
 * Of several fields for one trait, the strongest non-empty one is read, the first among
 * equals: "email" + "confirm email" give one email. One phone and one email are read, both
 * primary. A single name field is split into firstName (first word) and lastName (the rest).
 *
 * Never read, whatever the markup says: `type=password`; autocomplete `cc-*`,
 * `new-password`, `current-password`, `one-time-code`; names or ids containing card, cvv,
 * cvc, passw, iban, account, or the word ssn or pin; checkboxes, radios, files, buttons;
 * hidden fields unless marked. Fields read as traits never go into `include`d properties.
 *
 * Consent: checkboxes or radios (or hidden inputs valued true/1/yes) with
 * `data-regal-consent="sms|voice|email"` (or a list, "sms,voice"). A checked box gives
 * `{subscribed: true, timestamp: submit time, source: page URL, text}` as `smsOptIn` /
 * `voiceOptIn` on the phone and `emailOptIn` on the email; `text` is
 * `data-regal-consent-text`, else the box's label, whitespace collapsed. An unchecked box
 * is left out unless `recordUnchecked` (then `subscribed: false`).
 *
 * An invalid phone or email: nothing at all is sent for that submit (no identify without
 * it, no event), because the visitor meant to give it and an event without it would land
 * on a contact Regal cannot reach. An `invalid_phone` / `invalid_email` error on
 * `regal.on('error')` tells the site owner (the value rides along as the error's value);
 * `onInvalid`, `validity` and `blockInvalid` let the page tell the visitor and stop the
 * submit.
 *
 * Phone check (`phoneCheck: true`, relay mode): when the visitor leaves the phone field
 * (or its country or area code) having changed it, the relay is asked whether Regal can
 * dial the number (`POST <endpoint>/phone-check`, the number only) and the field gets a
 * `regal:phonecheck` event, which bubbles: `detail` is the relay's answer
 * `{phoneNumber, valid, code: 'undialable_phone', reason}` or `{phoneNumber, valid: true,
 * country, type, sms}`, or `{phoneNumber, valid: false, code: 'invalid_phone'}` without a
 * request when the browser's own check refuses it. With `validity`, an undialable number
 * also gets the browser's validation message (cleared as the visitor edits it, or when a
 * check passes). It never delays a submit: a relay that is slow, down or over its limit
 * tells the page nothing.
 *
 * Multi-step forms: a submit made with a submitter (button) that has `data-regal-step`, or
 * while the form has `data-regal-step`, is an intermediate step: it identifies with what
 * has been filled so far but tracks no event. The last submit, without the marker, tracks.
 *
 * Event properties: `formId`, `formName`, `pagePath`, then the `include`d fields (one value
 * per name: an unchecked box or radio has none), then `options.properties`.
 *
 * A form is captured once: `trackForm` on a form already bound replaces that binding, and
 * it wins over `watchDeclarativeForms`, whichever came first.
 *
 * @example
 * import { createRegal, trackForm } from 'regal-browser'
 * const regal = createRegal({ endpoint: '/regal' })
 * const stop = trackForm(regal, '#quote', { event: 'Quote Requested', include: ['product'] })
 *
 * @example
 * trackForm(regal, '#quote', { phoneCheck: true })
 * document.querySelector('#quote').addEventListener('regal:phonecheck', (e) => {
 *   hint.textContent = e.detail.valid ? '' : 'Please check your phone number.'
 * })
 */
export const trackForm = safe(
  (regal: RegalClient, target: HTMLFormElement | string, options: TrackFormOptions = {}): (() => void) =>
    bindForm(target, options, formClient(regal)),
  noop,
);

/** Binds every `form[data-regal-form]` of the page, including forms added later (see
 * forms.ts). Returns a function that stops. */
export const watchDeclarativeForms = safe(
  (regal: RegalClient, root?: ParentNode): (() => void) => watchForms(formClient(regal), root as Document | undefined),
  noop,
);
