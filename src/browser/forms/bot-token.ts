/**
 * The token of a bot-verification widget in a form: Cloudflare Turnstile writes it to a
 * hidden `cf-turnstile-response` input, reCAPTCHA to a `g-recaptcha-response` textarea,
 * hCaptcha to `h-captcha-response` (and a `g-recaptcha-response` copy). Read at submit and
 * sent with the consent it vouches for, so that the relay can verify that a person, not a
 * script, gave it. `undefined` when the form has no widget or it has not finished.
 *
 * @example
 * readBotToken(form) // '0.zxJ3...' (a Turnstile token)
 */
export const readBotToken = (form: HTMLFormElement): string | undefined =>
  ([...form.elements] as HTMLInputElement[]).find((el) => /^(cf-turnstile|g-recaptcha|h-captcha)-response$/.test(el.name) && el.value)?.value;
