/**
 * The opt-ins a form's consent boxes give: checkboxes or radios (or hidden inputs valued
 * true/1/yes) marked `data-regal-consent="sms|voice|email"` (or a list, "sms,voice"), or
 * named by the `consent` option (`{sms: selector, voice: selector, email: selector}`).
 */
import { stampOptIn } from '../identity/consent';
import type { OptInState } from '../../wire/schema';
import { attr, safe, type Field } from './dom';
import { nearbyText, ownLabel, textOf } from './field-text';
import type { TrackFormOptions } from './types';

/** Opt-ins by the trait they go on: `smsOptIn`/`voiceOptIn` on the phone, `emailOptIn` on the email. */
export type FormOptIns = Record<'phone' | 'email', Record<string, OptInState>>;

/** What a consent record says about where and how consent was given. */
export interface ConsentMoment {
  /** The submit's time, ISO 8601 with milliseconds. */
  timestamp: string;
  /** The page's URL at the submit. */
  source: string;
  /** The visitor's browser (`navigator.userAgent`). */
  userAgent?: string;
}

/** A box's wording as the visitor read it: `data-regal-consent-text`, else its label
 * (label[for], a wrapping label, aria-labelledby, aria-label), else the text beside it in
 * its container (Mailchimp puts it in a `<span>` next to the box); whitespace collapsed. */
const wording = (el: Field) => {
  const described = attr(el, 'aria-describedby');
  const description = described && el.ownerDocument.getElementById(described);
  return attr(el, 'data-regal-consent-text') || ownLabel(el) || (description ? textOf(description).replace(/\s+/g, ' ').trim() : '') || nearbyText(el);
};

/**
 * Stamps each consent box of `form` with `at`. A checked box gives `{subscribed: true,
 * timestamp, source, text, userAgent}`; an unchecked one is left out unless
 * `recordUnchecked` (then `subscribed: false`); a checked box wins over an unchecked one
 * for the same channel.
 */
export function readConsentBoxes(form: HTMLFormElement, els: Field[], options: TrackFormOptions, at: ConsentMoment): FormOptIns {
  const optIns: FormOptIns = { phone: {}, email: {} };
  // The `consent` option, as channels per box (by name, else by selector within the form).
  const mapped = new Map<Element, string>();
  const consent = options.consent || {};
  for (const channel of ['sms', 'voice', 'email'] as const) {
    const ref = consent[channel];
    if (ref)
      for (const box of els.filter((c) => c.name === ref).concat(safe(() => [...form.querySelectorAll<Field>(ref)], [])()))
        mapped.set(box, (mapped.get(box) || '') + ' ' + channel);
  }
  for (const el of els) {
    const channels = (attr(el, 'data-regal-consent') + ' ' + (mapped.get(el) || '')).toLowerCase().trim();
    // Some forms carry consent given on an earlier step as a hidden input.
    const checked = el.type === 'hidden' ? /^(true|1|yes)$/i.test(el.value) : (el as HTMLInputElement).checked;
    if (!channels || !(checked || options.recordUnchecked)) continue;
    const text = wording(el);
    for (const channel of channels.split(/[\s,]+/)) {
      const target = channel === 'email' ? optIns.email : /^(sms|voice)$/.test(channel) ? optIns.phone : undefined;
      const key = channel + 'OptIn';
      if (target && (checked || !target[key])) {
        const record: OptInState = stampOptIn(text ? { subscribed: checked, text } : { subscribed: checked }, at)!;
        if (at.userAgent) record.userAgent = at.userAgent;
        target[key] = record;
      }
    }
  }
  return optIns;
}
