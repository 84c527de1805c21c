/**
 * One submit of a captured form: read its contact fields and consent boxes, `identify`,
 * `track` the form's event, and flush with keepalive before the page navigates away.
 */
import { normalizeEmail } from '../identity/email';
import { normalizePhone } from '../identity/phone';
import { splitName } from '../identity/split-name';
import type { IdentifyTraits } from '../types';
import { readConsentBoxes } from './consent-boxes';
import { attr, safe, valueOf, type Field } from './dom';
import { discoverFields, isSecret } from './field-discovery';
import { reportInvalidField } from './invalid-field';
import { joinSplitPhone } from './split-phone';
import type { FormClient, FormEnv, TrackFormOptions } from './types';

/** Handles the submit `e` of `form` (the rules are listed on `trackForm`, track-form.ts). */
export function handleSubmit(form: HTMLFormElement, e: Event, options: TrackFormOptions, client: FormClient, env: FormEnv): void {
  const location = form.ownerDocument.location;
  const at = { timestamp: (env.now ? env.now() : new Date()).toISOString(), source: location.href };
  const event = options.event || 'Form Submitted';
  const els = [...form.elements] as Field[];
  const optIns = readConsentBoxes(els, options.recordUnchecked, at);
  const found = discoverFields(form, els, options.fields);

  const traits: IdentifyTraits & { address?: Record<string, string> } = {};
  const read: Field[] = [];
  const split = found.get('phoneCountry');
  found.delete('phoneCountry');
  for (const [trait, el] of found) {
    const raw = valueOf(el);
    read.push(el);
    if (trait === 'phone' || trait === 'email') {
      const isPhone = trait === 'phone';
      const { number, country } = joinSplitPhone(split ? valueOf(split) : '', raw, client.defaultCountry);
      const value = isPhone ? normalizePhone(number, country) : normalizeEmail(raw);
      if (!value) {
        const what = isPhone ? 'phone number' : 'email address';
        reportInvalidField(trait, el, raw, `"${event}" not sent: invalid ${what}` + (isPhone ? ` (country ${country})` : ''), e, options, client);
        return;
      }
      traits[trait + 's'] = [{ [isPhone ? 'phoneNumber' : 'emailAddress']: value, isPrimary: true, ...optIns[trait] }];
    } else if (trait.startsWith('address.')) (traits.address ||= {})[trait.slice(8)] = raw;
    else if (!/^(phones|emails|address)$/.test(trait)) traits[trait] = raw; // those need objects
  }
  if (traits.name) {
    if (!traits.firstName && !traits.lastName) Object.assign(traits, splitName(traits.name));
    delete traits.name;
  }

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
  if (Object.keys(traits).length) client.identify(traits);
  if (!isStep) client.track(event, properties);
  client.flush({ keepalive: true });
}
