/**
 * Whether Regal can dial a phone: the server-side check, on Google's numbering plans
 * (libphonenumber-js with its full metadata, about 150 KB, which never reaches the
 * browser: the browser's own check is deliberately shallow, a length per country, so
 * "(555) 123-4567" passes there). Regal answers 200 and then silently drops a number it
 * cannot use; this check is how the site owner hears of it.
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type NumberType } from 'libphonenumber-js/max';

/** What the check finds about one number. */
export interface PhoneCheck {
  /** Whether the number belongs to its country's numbering plan (assigned, right length). */
  valid: boolean;
  /** ISO 3166 country of a valid number. */
  country?: string;
  /**
   * The line type of a valid number: `MOBILE`, `FIXED_LINE`, `FIXED_LINE_OR_MOBILE` (the
   * US and Canada do not tell them apart), `TOLL_FREE`, `VOIP`, ...; absent when the plan
   * does not say.
   */
  type?: NumberType;
  /** Why an invalid number is invalid, for the site owner: `too short for its country`, ... */
  reason?: string;
}

const LENGTH_REASONS: Record<string, string> = {
  TOO_SHORT: 'too short for its country',
  TOO_LONG: 'too long for its country',
  INVALID_LENGTH: 'of a length its country never uses',
  INVALID_COUNTRY: 'with an unknown country code',
  NOT_A_NUMBER: 'not a phone number',
};

/** Everything else: the right length, but a prefix the plan has not assigned (US 555). */
const NOT_ASSIGNED = 'not assigned in its country (an unused area code or prefix)';

/**
 * Checks one number: E.164 (`+14155550134`), or national to `defaultCountry`.
 *
 * @example
 * checkPhone('+14155550134')        // { valid: true, country: 'US', type: 'FIXED_LINE_OR_MOBILE' }
 * checkPhone('+15551234567')        // { valid: false, reason: 'not assigned in its country (...)' }
 * checkPhone('020 7946 0958', 'GB') // { valid: true, country: 'GB', type: 'FIXED_LINE' }
 */
export function checkPhone(phone: string, defaultCountry?: string): PhoneCheck {
  const country = typeof defaultCountry === 'string' && /^[A-Z]{2}$/i.test(defaultCountry) ? (defaultCountry.toUpperCase() as CountryCode) : undefined;
  if (typeof phone !== 'string') return { valid: false, reason: LENGTH_REASONS.NOT_A_NUMBER };
  const parsed = parsePhoneNumberFromString(phone, country);
  if (parsed?.isValid()) {
    const type = parsed.getType();
    return { valid: true, country: parsed.country, ...(type === undefined ? {} : { type }) };
  }
  // Why not: the length (or the country code) when that is it; else an unassigned prefix.
  const length = validatePhoneNumberLength(phone, country);
  return { valid: false, reason: (length !== undefined && LENGTH_REASONS[length]) || NOT_ASSIGNED };
}

// Line types that cannot receive a text message. FIXED_LINE_OR_MOBILE (every US and
// Canadian number) and VOIP may: no warning for those.
const NOT_FOR_TEXTS = new Set<NumberType>(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'PAGER', 'UAN', 'VOICEMAIL']);

/** Whether a number of this line type cannot receive texts (an SMS opt-in on it is useless). */
export const cannotTakeTexts = (type: NumberType | undefined): boolean => type !== undefined && NOT_FOR_TEXTS.has(type);
