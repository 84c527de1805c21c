/**
 * Lead-form capture: on submit of a form, read the contact fields, normalise the phone and
 * email, stamp the opt-ins the visitor just gave, `identify`, `track` the form's event and
 * flush with keepalive before the page navigates away.
 *
 * This is the one DOM shell around pure helpers (`normalizePhone`, `normalizeEmail`,
 * `stampOptIn`). Nothing here throws into the page: the submit handler is wrapped, and a
 * failure costs the event, never the visitor's submit.
 */
import { stampOptIn } from '../identity/consent';
import { normalizeEmail } from '../identity/email';
import { normalizePhone } from '../identity/phone';
import type { CallOptions, IdentifyTraits } from '../types';
import type { OptInState } from '../../wire/schema';

/** What forms needs of the SDK client (the client implements it). */
export interface FormClient {
  identify(traits: IdentifyTraits, options?: CallOptions): unknown;
  track(name: string, properties?: Record<string, unknown>, options?: CallOptions): unknown;
  flush(options?: { keepalive?: boolean }): unknown;
  reportError(code: 'invalid_phone' | 'invalid_email', message: string, value?: unknown): void;
  defaultCountry: string;
}

export interface TrackFormOptions {
  /** The event tracked on submit. Default `Form Submitted` (or the `data-regal-form` value). */
  event?: string;
  /** Extra event properties, or a function of the form that returns them. */
  properties?: Record<string, unknown> | ((form: HTMLFormElement) => Record<string, unknown>);
  /** Overrides of field discovery: trait name → input name or CSS selector within the form. */
  fields?: Record<string, string>;
  /** Names of non-PII fields whose values go into the event properties. */
  include?: string[];
  /** Record an unchecked consent box as `{subscribed: false}`. Default false: omitted. */
  recordUnchecked?: boolean;
  /** On an invalid phone or email, show the browser's validation bubble on it. Default false. */
  validity?: boolean;
  /** Called on an invalid phone or email with a message meant for the visitor. */
  onInvalid?: (err: { code: string; message: string; field: Element }) => void;
  /** Cancel the submit (preventDefault) when the phone or email is invalid. Default false. */
  blockInvalid?: boolean;
}

/** Where forms finds the document and the time; tests pass their own. */
export interface FormEnv {
  document?: Document;
  now?: () => Date;
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

// Input names/ids (lower-cased, letters only, a leading "your" dropped) and autocomplete
// tokens, by the trait they fill. One table serves both: autocomplete tokens have dashes,
// normalised names never do.
const TRAITS =
  'phone:phone phonenumber mobile mobilephone mobilenumber cell cellphone tel telephone tel-national|' +
  'phoneCountry:countrycode phonecountry phonecountrycode dialcode callingcode tel-country-code|' +
  'email:email emailaddress|' +
  'firstName:firstname fname first givenname given-name|' +
  'lastName:lastname lname last surname familyname family-name|' +
  'name:name fullname|' +
  'address.street:street streetaddress address addressline street-address address-line1|' +
  'address.city:city town address-level2|' +
  'address.state:state province region address-level1|' +
  'address.zipcode:zip zipcode postalcode postcode postal-code|' +
  'address.country:country country-name';

const attr = (el: Element, name: string) => el.getAttribute(name) || '';
const valueOf = (el: Field) => (el.value || '').trim();
/** Does nothing: the stop function of what never started. */
export const noop = () => {};

/** `fn`, made unable to throw: what it throws gives `fallback`. Nothing here throws into the
 * page: a bug or a hostile page costs the event, never the visitor's submit. */
export const safe =
  <A extends unknown[], R>(fn: (...args: A) => R, fallback?: R) =>
  (...args: A): R => {
    try {
      return fn(...args);
    } catch {
      return fallback!;
    }
  };

/** Hears `target`'s submits in the capture phase (before the page's own handlers, which may
 * stop propagation); returns the function that stops. */
const onSubmit = (target: EventTarget, handler: (e: Event) => void) => {
  target.addEventListener('submit', handler, true);
  return () => target.removeEventListener('submit', handler, true);
};

// Never read, whatever the markup says: passwords, payment cards, one-time codes, identity
// and bank numbers. ssn and pin must be whole words ("businessName", "shipping" are fine),
// so camelCase is split first ("userPin" is "user pin").
const isSecret = (el: Field) =>
  el.type == 'password' ||
  /(^|\s)cc-|password|one-time-code/.test(attr(el, 'autocomplete')) ||
  /card|cvv|cvc|passw|iban|account|(^|[^a-z])(ssn|pin)([^a-z]|$)/.test(
    (el.name + ' ' + el.id).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(),
  );

// Each form's trackForm binding, so that a form is captured once: binding it again
// replaces the binding, and watchers leave bound forms alone.
const bound = new WeakMap<HTMLFormElement, () => void>();
// Submits a watcher has handled, so that two watchers do not send one submit twice.
const handled = new WeakSet<Event>();

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
 * on a contact Regal cannot reach. `client.reportError('invalid_phone' | 'invalid_email')`
 * tells the site owner (the value rides along as the error's value); `onInvalid`,
 * `validity` and `blockInvalid` let the page tell the visitor and stop the submit.
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
 * trackForm('#quote', { event: 'Quote Requested', include: ['product'] }, regal)
 */
export const trackForm = safe(
  (target: HTMLFormElement | string, options: TrackFormOptions, client: FormClient, env: FormEnv = {}): (() => void) => {
    const form = typeof target == 'string' ? (env.document || document).querySelector<HTMLFormElement>(target) : target;
    if (!form) return noop;
    const off = onSubmit(form, safe((e) => submitted(form, e, options || {}, client, env)));
    const stop = () => {
      if (bound.get(form) == stop) bound.delete(form);
      off();
    };
    bound.get(form)?.();
    bound.set(form, stop);
    return stop;
  },
  noop,
);

function submitted(form: HTMLFormElement, e: Event, options: TrackFormOptions, client: FormClient, env: FormEnv) {
  const location = form.ownerDocument.location;
  const at = { timestamp: (env.now ? env.now() : new Date()).toISOString(), source: location.href };
  const event = options.event || 'Form Submitted';
  const els = [...form.elements] as Field[];
  const fields = options.fields || {};

  // Names and autocomplete tokens → trait (see TRAITS).
  const table = new Map<string, string>();
  for (const group of TRAITS.split('|')) {
    const [trait, names] = group.split(':');
    for (const name of names.split(' ')) table.set(name, trait);
  }
  const byName = (s: string) => table.get(s.toLowerCase().replace(/^.*\[|[^a-z]|^your/g, ''));
  const overrides = new Map<Element | null, string>();
  for (const trait in fields) {
    const ref = fields[trait];
    // By name, else by selector (one that is not valid finds nothing).
    overrides.set(els.find((c) => c.name == ref) || safe(() => form.querySelector(ref))(), trait);
  }

  // One pass over the controls: the opt-ins of the consent boxes, by the trait (phone, email)
  // they go on, and each trait's field: the strongest guess with a value; among equals the
  // first (so a "confirm email" field after the email field is never the one read). The
  // strength (lower wins): 0 `options.fields`, 1 an explicit `data-regal-trait`, 2 the
  // autocomplete token, 3 the type (tel, email), 4 the name or id. Hidden fields count only
  // when marked.
  const optIns: Record<string, Record<string, OptInState>> = { phone: {}, email: {} };
  const found = new Map<string, [number, Field]>();
  for (const el of els) {
    const type = el.type;
    const channels = attr(el, 'data-regal-consent').toLowerCase();
    // Some forms carry consent given on an earlier step as a hidden input.
    const checked = type == 'hidden' ? /^(true|1|yes)$/i.test(el.value) : (el as HTMLInputElement).checked;
    if (channels && (checked || options.recordUnchecked)) {
      // The label is label[for=id] or a wrapping label.
      const text = attr(el, 'data-regal-consent-text') || (el.labels?.[0]?.textContent || '').replace(/\s+/g, ' ').trim();
      for (const channel of channels.split(/[\s,]+/)) {
        const target = optIns[channel == 'email' ? 'email' : /^(sms|voice)$/.test(channel) ? 'phone' : ''];
        const key = channel + 'OptIn';
        // A checked box wins over an unchecked one for the same channel.
        if (target && (checked || !target[key])) target[key] = stampOptIn(text ? { subscribed: checked, text } : { subscribed: checked }, at)!;
      }
    }
    if (isSecret(el) || /^(checkbox|radio|submit|button|reset|file|image)$/.test(type)) continue;
    const guesses = [overrides.get(el), attr(el, 'data-regal-trait')];
    const named = byName(el.name) || byName(el.id);
    if (type != 'hidden')
      guesses.push(
        table.get(attr(el, 'autocomplete').trim().split(/\s+/).pop()!), // "shipping postal-code"
        // A country-code box is often type=tel too: its name says what it is.
        named == 'phoneCountry' ? named : type == 'tel' ? 'phone' : type == 'email' ? 'email' : '',
        named,
      );
    const rank = guesses.findIndex(Boolean);
    const trait = guesses[rank]!;
    const prev = found.get(trait);
    if (rank >= 0 && valueOf(el) && (!prev || rank < prev[0])) found.set(trait, [rank, el]);
  }

  const traits: IdentifyTraits & { address?: Record<string, string> } = {};
  const read: Field[] = [];
  // A phone split in two (a country code field or select, then the national number): the
  // code goes in front of the number ("+44", "44", "UK (+44)"), or a country ("GB") is the
  // number's country; never read as a trait of its own.
  const split = found.get('phoneCountry');
  found.delete('phoneCountry');
  const code = split ? valueOf(split[1]) : '';
  const dial = /\d{1,4}/.exec(code)?.[0];
  const country = /^[a-z]{2}$/i.test(code) ? code.toUpperCase() : client.defaultCountry;
  for (const [trait, [, el]] of found) {
    const raw = valueOf(el);
    read.push(el);
    if (trait == 'phone' || trait == 'email') {
      const isPhone = trait == 'phone';
      const international = dial && !/^\s*(\+|00)/.test(raw) ? `+${dial} ${raw}` : raw;
      const value = isPhone ? normalizePhone(international, country) : normalizeEmail(raw);
      if (!value) {
        const what = isPhone ? 'phone number' : 'email address';
        const code = ('invalid_' + trait) as 'invalid_phone' | 'invalid_email';
        const message = 'Please enter a valid ' + what + '.';
        client.reportError(code, `"${event}" not sent: invalid ${what}` + (isPhone ? ` (country ${country})` : ''), raw);
        options.onInvalid?.({ code, message, field: el });
        if (options.validity) {
          el.setCustomValidity(message);
          el.reportValidity();
          // Left in place, the custom message would block every later submit.
          el.addEventListener('input', () => el.setCustomValidity(''), { once: true });
        }
        if (options.blockInvalid) e.preventDefault();
        return;
      }
      traits[trait + 's'] = [{ [isPhone ? 'phoneNumber' : 'emailAddress']: value, isPrimary: true, ...optIns[trait] }];
    } else if (trait.startsWith('address.')) (traits.address ||= {})[trait.slice(8)] = raw;
    else if (!/^(phones|emails|address)$/.test(trait)) traits[trait] = raw; // those need objects
  }
  if (traits.name) {
    if (!traits.firstName && !traits.lastName) {
      const [first, ...rest] = traits.name.split(/\s+/);
      traits.firstName = first;
      if (rest.length) traits.lastName = rest.join(' ');
    }
    delete traits.name;
  }

  const properties: Record<string, unknown> = {
    formId: attr(form, 'id') || undefined,
    formName: attr(form, 'name') || undefined,
    pagePath: location.pathname,
  };
  for (const name of options.include || []) {
    const el = els.find(
      (c) => c.name == name && !read.includes(c) && !isSecret(c) && ((c as HTMLInputElement).checked || !/^(checkbox|radio)$/.test(c.type)),
    );
    if (el) properties[name] = el.value;
  }
  // The page's properties function may fail: the event then goes without its properties.
  safe(() => Object.assign(properties, typeof options.properties == 'function' ? options.properties(form) : options.properties))();

  const isStep = form.hasAttribute('data-regal-step') || (e as SubmitEvent).submitter?.hasAttribute('data-regal-step');
  if (Object.keys(traits).length) client.identify(traits);
  if (!isStep) client.track(event, properties);
  client.flush({ keepalive: true });
}

/**
 * Capture every `form[data-regal-form]` under `root`, including forms added later. The
 * attribute's value is the event name (empty: the default). Returns a function that stops.
 *
 * One capture-phase `submit` listener on `root` (event delegation) rather than binding each
 * form and a MutationObserver for new ones: forms rendered later by a framework are covered
 * without watching the DOM, nothing is bound per form, and it is a third of the size. Each
 * submit is handled once, however many watchers run; a form bound with `trackForm` is left
 * to that binding.
 *
 * @example
 * <form data-regal-form="Demo Requested">...</form>
 * watchDeclarativeForms(regal)
 */
export const watchDeclarativeForms = safe(
  (client: FormClient, root: Document | Element = document, options: TrackFormOptions = {}, env: FormEnv = {}): (() => void) =>
    onSubmit(
      root,
      safe((e) => {
        const form = e.target as HTMLFormElement;
        if (handled.has(e) || bound.has(form) || !form.matches('form[data-regal-form]')) return;
        handled.add(e);
        submitted(form, e, { ...options, event: attr(form, 'data-regal-form') || options.event }, client, env);
      }),
    ),
  noop,
);
