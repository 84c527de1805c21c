import { describeCodes, isConfigurationError, isTransientError, type BotProvider } from './providers';
import { PASSED, type BotVerdict } from './verdict';

export interface SiteverifyRequest {
  provider: BotProvider;
  /** The provider's verify endpoint (the built-in one, or a stand-in in tests). */
  url: string;
  secret: string;
  token: string;
  /** The visitor's IP, passed as `remoteip` (the providers use it as a signal). */
  ip: string | undefined;
  /**
   * Sent to Turnstile as `idempotency_key`: asking again with the same key gets the same
   * answer instead of `timeout-or-duplicate`, so a verification whose answer was lost
   * (timeout, crashed instance) can be repeated. Ignored by the other providers.
   */
  idempotencyKey: string | undefined;
  /** reCAPTCHA v3 scores below this fail (1.0 is very likely a person). */
  minScore: number;
  timeoutMs: number;
  fetch: typeof fetch;
}

/** The JSON answer of a siteverify endpoint (the fields the relay reads). */
interface SiteverifyAnswer {
  success?: unknown;
  'error-codes'?: unknown;
  score?: unknown;
}

/**
 * Asks the provider whether `token` is good: a form-encoded POST of `secret`, `response`,
 * `remoteip` (and Turnstile's `idempotency_key`), read as `{success, "error-codes", score}`.
 * Never rejects.
 *
 * @example
 * await siteverify({ provider: 'turnstile', url: SITEVERIFY_URLS.turnstile, secret, token, ip, idempotencyKey, minScore: 0.5, timeoutMs: 5_000, fetch })
 * // { status: 'failed', reason: 'turnstile: timeout-or-duplicate (...)' }
 */
export async function siteverify(request: SiteverifyRequest): Promise<BotVerdict> {
  const { provider } = request;
  const form = new URLSearchParams({ secret: request.secret, response: request.token });
  if (request.ip !== undefined) form.set('remoteip', request.ip);
  if (provider === 'turnstile' && request.idempotencyKey !== undefined) form.set('idempotency_key', request.idempotencyKey);
  let answer: SiteverifyAnswer;
  let status: number;
  try {
    const response = await request.fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    status = response.status;
    const text = await response.text();
    try {
      answer = JSON.parse(text) as SiteverifyAnswer;
    } catch {
      return { status: 'unavailable', reason: `${provider} siteverify answered ${status} without JSON` };
    }
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const reason = timedOut ? `${provider} siteverify did not answer within ${request.timeoutMs} ms` : `${provider} siteverify unreachable: ${error instanceof Error ? error.message : String(error)}`;
    return { status: 'unavailable', reason, error };
  }
  if (answer === null || typeof answer !== 'object' || typeof answer.success !== 'boolean') {
    return { status: 'unavailable', reason: `${provider} siteverify answered ${status} without a success field` };
  }
  const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'].filter((code): code is string => typeof code === 'string') : [];
  if (answer.success) {
    // Only reCAPTCHA v3 scores mean "likely a person" when high (hCaptcha's risk score is the reverse).
    if (provider === 'recaptcha' && typeof answer.score === 'number' && answer.score < request.minScore) {
      return { status: 'failed', reason: `recaptcha: score ${answer.score} is below botVerification.minScore ${request.minScore} (likely a bot)` };
    }
    return PASSED;
  }
  if (isConfigurationError(codes)) return { status: 'unavailable', reason: `${provider} verification is misconfigured: ${describeCodes(codes)}` };
  if (isTransientError(codes) || status >= 500) return { status: 'unavailable', reason: `${provider} could not verify the token: ${describeCodes(codes)}` };
  return { status: 'failed', reason: `${provider}: ${describeCodes(codes)}` };
}
