/** What the form modules need from the SDK client and the page, and the options of `trackForm`. */
import type { CallOptions, ErrorCode, IdentifyTraits } from '../types';

/** What forms needs of the SDK client (the client implements it). */
export interface FormClient {
  identify(traits: IdentifyTraits, options?: CallOptions): unknown;
  track(name: string, properties?: Record<string, unknown>, options?: CallOptions): unknown;
  flush(options?: { keepalive?: boolean }): unknown;
  reportError(code: ErrorCode, message: string, value?: unknown): void;
  defaultCountry: string;
  /** The relay's URL (relay mode), for `phoneCheck`; absent in direct mode. */
  relay?: string;
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
  /** Consent boxes by channel, for markup you cannot edit: a CSS selector (or an input
   * name) within the form, e.g. `{ sms: '[name="LEGAL_CONSENT.subscription_type_123"]' }`. */
  consent?: { sms?: string; voice?: string; email?: string };
  /** Record an unchecked consent box as `{subscribed: false}`. Default false: omitted. */
  recordUnchecked?: boolean;
  /** On an invalid phone or email, show the browser's validation bubble on it. Default false. */
  validity?: boolean;
  /** Called on an invalid phone or email with a message meant for the visitor. */
  onInvalid?: (err: { code: string; message: string; field: Element }) => void;
  /** Cancel the submit (preventDefault) when the phone or email is invalid. Default false. */
  blockInvalid?: boolean;
  /**
   * Ask the relay whether Regal can dial the phone when the visitor leaves the field having
   * changed it (`POST <endpoint>/phone-check`), and tell the page with a `regal:phonecheck`
   * event on the field (`detail`: `{phoneNumber, valid, code?, reason?, country?, type?,
   * sms?}`); with `validity`, an undialable number also gets the browser's validation
   * message. Never delays a submit. Relay mode only. Default false.
   */
  phoneCheck?: boolean;
}

/** Where forms finds the document and the time; tests pass their own. */
export interface FormEnv {
  document?: Document;
  now?: () => Date;
}
