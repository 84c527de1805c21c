/**
 * The opt-ins a form's consent boxes give: checkboxes or radios (or hidden inputs valued
 * true/1/yes) marked `data-regal-consent="sms|voice|email"` (or a list, "sms,voice").
 */
import { stampOptIn } from '../identity/consent';
import type { OptInState } from '../../wire/schema';
import { attr, type Field } from './dom';

/** Opt-ins by the trait they go on: `smsOptIn`/`voiceOptIn` on the phone, `emailOptIn` on the email. */
export type FormOptIns = Record<'phone' | 'email', Record<string, OptInState>>;

/** A box's wording: `data-regal-consent-text`, else its label (label[for] or a wrapping
 * label), whitespace collapsed. */
const wording = (el: Field) => attr(el, 'data-regal-consent-text') || (el.labels?.[0]?.textContent || '').replace(/\s+/g, ' ').trim();

/**
 * Stamps each consent box of `els` with `at` (submit time and page). A checked box gives
 * `{subscribed: true, timestamp, source, text}`; an unchecked one is left out unless
 * `recordUnchecked` (then `subscribed: false`); a checked box wins over an unchecked one
 * for the same channel.
 */
export function readConsentBoxes(els: Field[], recordUnchecked: boolean | undefined, at: { timestamp: string; source: string }): FormOptIns {
  const optIns: FormOptIns = { phone: {}, email: {} };
  for (const el of els) {
    const channels = attr(el, 'data-regal-consent').toLowerCase();
    // Some forms carry consent given on an earlier step as a hidden input.
    const checked = el.type === 'hidden' ? /^(true|1|yes)$/i.test(el.value) : (el as HTMLInputElement).checked;
    if (!channels || !(checked || recordUnchecked)) continue;
    const text = wording(el);
    for (const channel of channels.split(/[\s,]+/)) {
      const target = channel === 'email' ? optIns.email : /^(sms|voice)$/.test(channel) ? optIns.phone : undefined;
      const key = channel + 'OptIn';
      if (target && (checked || !target[key])) target[key] = stampOptIn(text ? { subscribed: checked, text } : { subscribed: checked }, at)!;
    }
  }
  return optIns;
}
