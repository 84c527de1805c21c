import { SITEVERIFY_URLS, type BotProvider } from './providers';
import { siteverify } from './siteverify';
import { PASSED, type BotVerdict } from './verdict';
import { sha256Hex } from '../limits/sha256-hex';

/** A verifier of your own (another provider, or a test double). */
export interface CustomBotVerifier {
  /**
   * Whether `token` was issued to a person by your widget. `ip` is the visitor's address
   * as the relay sees it. Return (or resolve to) `true`, `false`, or `{ success, reason }`;
   * the reason is passed on to the browser and your error hook. A throw or rejection is
   * treated as "no answer": the events are answered `retry` and the error is reported.
   */
  verify(token: string, ip: string | undefined): boolean | BotCheck | Promise<boolean | BotCheck>;
  /** See `BuiltInBotVerification.required`. */
  required?: boolean;
}

export interface BotCheck {
  success: boolean;
  reason?: string;
}

export interface BuiltInBotVerification {
  /** The widget on your lead forms: Cloudflare Turnstile, Google reCAPTCHA (v2 or v3) or hCaptcha. */
  provider: BotProvider;
  /** The widget's secret key (server side; never on the page). */
  secret: string;
  /**
   * Default `true`: an event carrying an opt-in is forwarded only with a token that passed.
   * `false` is a dry run for rolling it out: tokens are still verified, but a missing or
   * failed one is only reported (`onForwardError`, metrics) and the event goes on.
   */
  required?: boolean;
  /** The provider's verify endpoint. Default: the provider's `siteverify` URL (`SITEVERIFY_URLS`). */
  verifyUrl?: string;
  /** reCAPTCHA v3 only: scores below this fail. Default 0.5 (Google's suggested threshold). */
  minScore?: number;
  /** How long to wait for the provider, in ms. Default 5 000; no answer by then: `retry`. */
  timeoutMs?: number;
}

export type BotVerificationOptions = BuiltInBotVerification | CustomBotVerifier;

/** `BotVerificationOptions`, checked, as the relay uses it. */
export interface BotVerificationConfig {
  required: boolean;
  /** `turnstile`, `recaptcha`, `hcaptcha` or `custom verifier`: named in reasons. */
  name: string;
  /** Verifies one token. Never rejects. */
  check(token: string, ip: string | undefined): Promise<BotVerdict>;
}

/**
 * Checks `botVerification` at `createRelay` time (a misconfiguration fails at startup, not
 * on the first lead). `undefined` when it is not configured.
 */
export function resolveBotVerification(options: BotVerificationOptions | undefined, fetchImpl: typeof fetch | undefined): BotVerificationConfig | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new TypeError(`createRelay: botVerification must be { provider, secret } or { verify(token, ip) }, got ${String(options)}`);
  const required = options.required ?? true;
  if (typeof required !== 'boolean') throw new TypeError(`createRelay: botVerification.required must be true or false, got ${String(required)}`);
  if ('verify' in options && typeof options.verify === 'function') return { required, name: 'custom verifier', check: customCheck(options) };

  const { provider, secret } = options as BuiltInBotVerification;
  if (!(provider in SITEVERIFY_URLS)) {
    throw new TypeError(`createRelay: botVerification.provider must be 'turnstile', 'recaptcha' or 'hcaptcha' (or pass { verify(token, ip) }), got ${JSON.stringify(provider)}`);
  }
  if (typeof secret !== 'string' || secret.trim() === '') {
    throw new TypeError(`createRelay: botVerification.secret is required: the ${provider} secret key, read on the server, e.g. process.env.${provider.toUpperCase()}_SECRET`);
  }
  const o = options as BuiltInBotVerification;
  const url = o.verifyUrl ?? SITEVERIFY_URLS[provider];
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error();
  } catch {
    throw new TypeError(`createRelay: botVerification.verifyUrl must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const minScore = o.minScore ?? 0.5;
  if (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1)) throw new RangeError(`createRelay: botVerification.minScore must be between 0 and 1, got ${String(minScore)}`);
  const timeoutMs = o.timeoutMs ?? 5_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`createRelay: botVerification.timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  const fetcher = fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  return {
    required,
    name: provider,
    async check(token, ip) {
      const idempotencyKey = provider === 'turnstile' ? asUuid(sha256Hex(`${secret}\n${token}`)) : undefined;
      return siteverify({ provider, url, secret, token, ip, idempotencyKey, minScore, timeoutMs, fetch: fetcher });
    },
  };
}

function customCheck(verifier: CustomBotVerifier): BotVerificationConfig['check'] {
  return async (token, ip) => {
    let answer: boolean | BotCheck;
    try {
      answer = await verifier.verify(token, ip);
    } catch (error) {
      return { status: 'unavailable', reason: `custom verifier failed: ${error instanceof Error ? error.message : String(error)}`, error };
    }
    const success = typeof answer === 'boolean' ? answer : answer !== null && typeof answer === 'object' && answer.success === true;
    if (success) return PASSED;
    const reason = typeof answer === 'object' && answer !== null && typeof answer.reason === 'string' ? answer.reason : 'the token did not pass';
    return { status: 'failed', reason: `custom verifier: ${reason}` };
  };
}

/** 32 hex digits as a UUID-shaped string (Turnstile's `idempotency_key` must be a UUID). */
function asUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
