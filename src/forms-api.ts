/**
 * Lead-form capture bound to a client: `trackForm(regal, '#lead', {event: 'Lead Form Submitted'})`.
 * The form logic itself (field discovery, consent, submit handling) is in forms.ts.
 */
import type { RegalClient } from './types';
import type { ClientInternals } from './client';
import { trackForm as bindForm, watchDeclarativeForms as watchForms, type FormClient, type TrackFormOptions } from './forms';

export type { TrackFormOptions };

function formClient(regal: RegalClient & Partial<ClientInternals>): FormClient {
  return {
    identify: (traits, options) => regal.identify(traits, options),
    track: (name, properties, options) => regal.track(name, properties, options),
    flush: (options) => regal.flush(options),
    reportError: (code, message, value) => regal._report && regal._report(code, message, value),
    defaultCountry: regal._country || 'US',
  };
}

/**
 * Captures a lead form: on submit, identifies the visitor with the phone (E.164), email,
 * name and consent found in the form, tracks `options.event`, and flushes with keepalive
 * so that the navigation that follows loses nothing. Returns a function that unbinds it.
 */
export function trackForm(regal: RegalClient, target: HTMLFormElement | string, options: TrackFormOptions = {}): () => void {
  try {
    return bindForm(target, options, formClient(regal));
  } catch {
    return () => {};
  }
}

/** Binds every `form[data-regal-form]` of the page, including forms added later. */
export function watchDeclarativeForms(regal: RegalClient, root?: ParentNode): () => void {
  try {
    return watchForms(formClient(regal), root as Document | undefined);
  } catch {
    return () => {};
  }
}
