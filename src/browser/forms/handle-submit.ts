/**
 * One submit of a captured form: read its contact fields, consent boxes and lead-certificate
 * tokens, `identify`, `track` the form's event, and flush with keepalive before the page
 * navigates away.
 */
import { normalizeEmail } from '../identity/email';
import { normalizePhone } from '../identity/phone';
import { splitName } from '../identity/split-name';
import type { IdentifyTraits, RegalError } from '../types';
import { readBotToken } from './bot-token';
import { readConsentBoxes } from './consent-boxes';
import { attr, safe, valueOf, type Field } from './dom';
import { discoverFields, isSecret } from './field-discovery';
import { reportInvalidField } from './invalid-field';
import { readLeadTokens } from './lead-token-fields';
import { joinSplitPhone, splitNumber } from './split-phone';
import type { FormClient, FormEnv, TrackFormOptions } from './types';

/** Handles the submit `e` of `form` (the rules are listed on `trackForm`, track-form.ts). */
export function handleSubmit(form: HTMLFormElement, e: Event, options: TrackFormOptions, client: FormClient, env: FormEnv): void {
  const doc = form.ownerDocument;
  const location = doc.location;
  const at = {
    timestamp: (env.now ? env.now() : new Date()).toISOString(),
    source: location.href,
    userAgent: doc.defaultView?.navigator.userAgent,
  };
  const event = options.event || 'Form Submitted';
  const report = (error: RegalError) => client.reportError(error.code, error.message, error.value);
  const els = [...form.elements] as Field[];
  const optIns = readConsentBoxes(form, els, options, at);
  const found = discoverFields(form, els, options.fields);
  const first = (trait: string) => found.get(trait)?.[0];

  const traits: IdentifyTraits & { address?: Record<string, string> } = {};
  // Fields read as traits (never also sent as `include`d properties).
  const read: Field[] = [];
  const invalid: Array<[trait: 'phone' | 'email', el: Field, raw: string, country: string]> = [];
  for (const [trait, list] of found) {
    const el = list[0];
    const raw = valueOf(el);
    read.push(...list);
    if (trait === 'phone' || trait === 'email') {
      const isPhone = trait === 'phone';
      const code = first('phoneCountry');
      const { number, country } = joinSplitPhone(code ? valueOf(code) : '', isPhone ? splitNumber(el, list, first('phoneArea')) : raw, client.defaultCountry);
      const value = isPhone ? normalizePhone(number, country) : normalizeEmail(raw);
      if (value) traits[trait + 's'] = [{ [isPhone ? 'phoneNumber' : 'emailAddress']: value, isPrimary: true, ...optIns[trait] }];
      else invalid.push([trait, el, isPhone ? number : raw, country]);
    } else if (trait.startsWith('address.')) (traits.address ||= {})[trait.slice(8)] = raw;
    // Parts of the phone are read with it; phones, emails and address need objects.
    else if (!/^(phoneCountry|phoneArea|phones|emails|address)$/.test(trait)) traits[trait] = raw;
  }

  // An invalid phone or email is reported, and never costs the lead: what else the visitor
  // gave that Regal can reach them by goes out. Only a submit left with neither, or one the
  // page blocks to have it corrected (`blockInvalid`), sends nothing.
  const sent = !options.blockInvalid && !!(traits.phones || traits.emails);
  for (const [trait, el, raw, country] of invalid) {
    const what = trait === 'phone' ? `phone number (country ${country})` : 'email address';
    const other = traits.phones ? 'phone' : 'email';
    reportInvalidField(trait, el, raw, sent ? `"${event}": invalid ${what} left out; sent with the ${other}` : `"${event}" not sent: invalid ${what}`, e, options, client);
  }
  if (invalid.length && !sent) return;

  if (traits.name) {
    if (!traits.firstName && !traits.lastName) Object.assign(traits, splitName(traits.name));
    delete traits.name;
  }
  Object.assign(traits, readLeadTokens(form, report));

  const properties: Record<string, unknown> = {
    formId: attr(form, 'id') || undefined,
    formName: attr(form, 'name') || undefined,
    pagePath: location.pathname,
  };
  for (const name of options.include || []) {
    const el = els.find(
      (c) => c.name === name && !read.includes(c) && !isSecret(c) && ((c as HTMLInputElement).checked || !/^(checkbox|radio)$/.test(c.type)),
    );
    if (el) properties[name] = el.value;
  }
  // The page's properties function may fail: the event then goes without its properties.
  safe(() => Object.assign(properties, typeof options.properties === 'function' ? options.properties(form) : options.properties))();

  const isStep = form.hasAttribute('data-regal-step') || (e as SubmitEvent).submitter?.hasAttribute('data-regal-step');
  if (Object.keys(traits).length) client.identify(traits, { botToken: readBotToken(form) });
  if (!isStep) client.track(event, properties);
  client.flush({ keepalive: true });
}
