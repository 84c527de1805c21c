/**
 * `POST <relay>/phone-check` (e.g. `/regal/phone-check`): a lead form asks whether Regal
 * can dial the number the visitor just typed, so that they can fix a typo while still on
 * the page (`trackForm(form, { phoneCheck: true })`). The origin rules, preflight, method,
 * content type and a per-IP limit (`limits.phoneChecksPerMinute`) are the relay's, checked
 * before this runs (create-relay.ts); nothing is stored or forwarded.
 *
 * Request: `{"phone": "+15551234567"}` (E.164, or national with `"country": "US"`), as
 * `text/plain` (no preflight) or `application/json`. Answer 200:
 * - `{"phoneNumber", "valid": true, "country": "US", "type": "FIXED_LINE_OR_MOBILE", "sms": true}`
 * - `{"phoneNumber", "valid": false, "code": "undialable_phone", "reason": "too short for its country"}`
 * Errors `{message, code}`: 400 `invalid_json` / `invalid_phone_check`, 413, and the
 * relay's own (403, 405, 415, 429, 503).
 */
import { cannotTakeTexts, checkPhone } from './check-phone';
import { errorResponse, jsonResponse } from '../receive/respond';
import { readBodyText, TOO_LARGE } from '../receive/read-body';

/** The path, after the relay's own (`/regal` + this), that answers phone checks. */
export const PHONE_CHECK_PATH = '/phone-check';

// A number and a country fit in a few dozen bytes; nothing larger is read.
const MAX_BODY_BYTES = 1024;
const MAX_PHONE_LENGTH = 40;

/** What the form is told about one number. */
export interface PhoneCheckAnswer {
  /** The number as checked (as sent). */
  phoneNumber: string;
  valid: boolean;
  /** `undialable_phone` when not valid. */
  code?: 'undialable_phone';
  /** Why not valid, for the site owner. */
  reason?: string;
  /** ISO 3166 country of a valid number. */
  country?: string;
  /** Line type of a valid number (`MOBILE`, `FIXED_LINE`, `FIXED_LINE_OR_MOBILE`, ...), when known. */
  type?: string;
  /** Whether a valid number can receive texts (false for a fixed line, toll-free, ...). */
  sms?: boolean;
}

/** Whether `url` is a phone check: its path ends in `/phone-check`. */
export function isPhoneCheck(url: string): boolean {
  try {
    return new URL(url, 'http://relay').pathname.replace(/\/+$/, '').endsWith(PHONE_CHECK_PATH);
  } catch {
    return false;
  }
}

/**
 * Reads the request and answers it; `count` is told `valid` or `undialable` for metrics.
 *
 * @example
 * await answerPhoneCheck(new Request(url, { method: 'POST', body: '{"phone":"+15551234567"}' }), {}, () => {})
 * // 200 {"phoneNumber":"+15551234567","valid":false,"code":"undialable_phone","reason":"not assigned ..."}
 */
export async function answerPhoneCheck(request: Request, cors: Record<string, string>, count: (result: 'valid' | 'undialable') => void): Promise<Response> {
  const text = await readBodyText(request, MAX_BODY_BYTES);
  if (text === TOO_LARGE) return errorResponse(413, 'payload_too_large', `A phone check is larger than ${MAX_BODY_BYTES} bytes; send {"phone": "+15551234567"}.`, { ...cors, connection: 'close' });
  let body: { phone?: unknown; country?: unknown } | null;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return errorResponse(400, 'invalid_json', `The body is not valid JSON (${error instanceof Error ? error.message : 'unreadable'}); send {"phone": "+15551234567"}.`, cors);
  }
  const phone = body?.phone;
  const country = body?.country;
  if (typeof phone !== 'string' || phone.trim() === '' || phone.length > MAX_PHONE_LENGTH || (country !== undefined && typeof country !== 'string')) {
    return errorResponse(400, 'invalid_phone_check', `Expected {"phone": string of at most ${MAX_PHONE_LENGTH} characters, "country"?: "US"}; send the number in E.164 (+15551234567), or national with its country.`, cors);
  }
  const check = checkPhone(phone, country);
  count(check.valid ? 'valid' : 'undialable');
  const answer: PhoneCheckAnswer = check.valid
    ? { phoneNumber: phone, valid: true, country: check.country, ...(check.type === undefined ? {} : { type: check.type }), sms: !cannotTakeTexts(check.type) }
    : { phoneNumber: phone, valid: false, code: 'undialable_phone', reason: check.reason };
  return jsonResponse(200, answer, cors);
}
