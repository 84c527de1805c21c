/** Telling the site owner and the visitor about a phone or email that cannot be used. */
import type { Field } from './dom';
import type { FormClient, TrackFormOptions } from './types';

/**
 * Reports an invalid phone or email: `client.reportError` with `ownerMessage` for the site
 * owner (the value rides along as the error's value, never in the message), then, as the options ask, `onInvalid`, the browser's
 * validation bubble on the field (`validity`), and a cancelled submit (`blockInvalid`).
 */
export function reportInvalidField(
  trait: 'phone' | 'email',
  el: Field,
  raw: string,
  ownerMessage: string,
  e: Event,
  options: TrackFormOptions,
  client: FormClient,
): void {
  const what = trait === 'phone' ? 'phone number' : 'email address';
  const code = trait === 'phone' ? 'invalid_phone' : 'invalid_email';
  const message = 'Please enter a valid ' + what + '.';
  client.reportError(code, ownerMessage, raw);
  options.onInvalid?.({ code, message, field: el });
  if (options.validity) {
    el.setCustomValidity(message);
    el.reportValidity();
    // Left in place, the custom message would block every later submit.
    el.addEventListener('input', () => el.setCustomValidity(''), { once: true });
  }
  if (options.blockInvalid) e.preventDefault();
}
