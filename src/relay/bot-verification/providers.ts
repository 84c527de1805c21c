/**
 * The three bot-verification widgets the relay knows: where their tokens are checked
 * (each provider's `siteverify` endpoint: a form-encoded POST of `secret`, `response` and
 * `remoteip`, answered with JSON `{success, "error-codes", ...}`), and what their error
 * codes mean for the site owner.
 */

export type BotProvider = 'turnstile' | 'recaptcha' | 'hcaptcha';

/** Each provider's documented verify endpoint. */
export const SITEVERIFY_URLS: Readonly<Record<BotProvider, string>> = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
};

/** The form field each widget fills with its token (what the browser SDK reads at submit). */
export const TOKEN_FIELDS: Readonly<Record<BotProvider, string>> = {
  turnstile: 'cf-turnstile-response',
  recaptcha: 'g-recaptcha-response',
  hcaptcha: 'h-captcha-response',
};

/**
 * Error codes that say the relay's own configuration is wrong, not the visitor's token:
 * the event is fine, so it is answered `retry` (kept by the browser until the site owner
 * fixes the secret) instead of `rejected`.
 */
const CONFIGURATION_ERRORS = new Set(['missing-input-secret', 'invalid-input-secret', 'sitekey-secret-mismatch', 'invalid-or-expired-secret']);

/** Error codes of a provider that failed this once (`internal-error` at Turnstile): try again later. */
const TRANSIENT_ERRORS = new Set(['internal-error']);

/** Whether the codes blame the relay's configuration (see `CONFIGURATION_ERRORS`). */
export const isConfigurationError = (codes: readonly string[]): boolean => codes.some((code) => CONFIGURATION_ERRORS.has(code));

/** Whether the codes say the provider failed, not the token. */
export const isTransientError = (codes: readonly string[]): boolean => codes.some((code) => TRANSIENT_ERRORS.has(code));

/**
 * What the site owner can do about a failed verification, by error code. The codes are
 * the providers' documented ones; an unknown code is shown as it is.
 */
const ADVICE: Readonly<Record<string, string>> = {
  'missing-input-secret': 'the secret is missing: set botVerification.secret',
  'invalid-input-secret': 'the secret is wrong: set botVerification.secret to the secret key paired with the widget\'s site key',
  'sitekey-secret-mismatch': 'the site key of the widget does not belong to botVerification.secret',
  'missing-input-response': 'the token is empty: the widget had not finished when the form was submitted',
  'invalid-input-response': 'the token is invalid: forged, or issued for another site key',
  'timeout-or-duplicate': 'the token expired or was used before: tokens last a few minutes and are single-use; reset the widget after each submit',
  'expired-input-response': 'the token expired: tokens last a few minutes',
  'already-seen-response': 'the token was used before: reset the widget after each submit',
  'invalid-or-already-seen-response': 'the token is invalid or was used before: reset the widget after each submit',
  'bad-request': 'the provider could not read the verification request',
  'internal-error': 'the provider failed to verify it; it is tried again',
};

/** `timeout-or-duplicate (the token expired or was used before: ...)`, codes joined. */
export function describeCodes(codes: readonly string[]): string {
  if (codes.length === 0) return 'no error code given';
  return codes.map((code) => (ADVICE[code] ? `${code} (${ADVICE[code]})` : code)).join(', ');
}
