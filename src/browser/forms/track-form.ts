/**
 * Lead-form capture bound to a client: `trackForm(regal, '#lead', {event: 'Lead Form Submitted'})`.
 * The form logic itself (field discovery, consent, submit handling) is in forms.ts.
 */
import type { RegalClient } from '../types';
import type { ClientInternals } from '../client/client';
import { noop, safe, trackForm as bindForm, watchDeclarativeForms as watchForms, type FormClient, type TrackFormOptions } from './forms';

export type { TrackFormOptions };

// The client itself (its identify, track and flush, looked up when called), plus the two
// internals forms reads.
const formClient = (regal: RegalClient & Partial<ClientInternals>) =>
  ({ __proto__: regal, reportError: regal._report || noop, defaultCountry: regal._country || 'US' }) as unknown as FormClient;

/**
 * Captures a lead form: on submit, identifies the visitor with the phone (E.164), email,
 * name and consent found in the form, tracks `options.event`, and flushes with keepalive
 * so that the navigation that follows loses nothing. Returns a function that unbinds it.
 */
export const trackForm = safe(
  (regal: RegalClient, target: HTMLFormElement | string, options: TrackFormOptions = {}): (() => void) =>
    bindForm(target, options, formClient(regal)),
  noop,
);

/** Binds every `form[data-regal-form]` of the page, including forms added later. */
export const watchDeclarativeForms = safe(
  (regal: RegalClient, root?: ParentNode): (() => void) => watchForms(formClient(regal), root as Document | undefined),
  noop,
);
