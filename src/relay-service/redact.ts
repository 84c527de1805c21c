/**
 * Takes contact details out of free text before it is logged. The relay's failure reasons
 * can carry text the service does not control (Regal's error body, an error message of the
 * store client), and an upstream validation message may quote the phone or email it
 * refused. A log line must never hold a visitor's phone or email.
 */

// An address: something@domain.tld (the common shape; over-matching is harmless here).
const EMAIL = /[^\s"'<>(),;:@]+@[^\s"'<>(),;:@]+\.[a-z]{2,}/gi;
// A phone: 7 or more digits, with the separators people and libraries write between them
// ("+1 (415) 555-0100", "+14155550100", "415.555.0100"). Shorter numbers (statuses, counts,
// ports, durations) stay readable.
const PHONE = /\+?\d(?:[\s().\-\/]*\d){6,}/g;

/** @example redact('upstream 400: invalid phone +1 415 555 0100') // 'upstream 400: invalid phone [redacted]' */
export function redact(text: string): string {
  return text.replace(EMAIL, '[redacted]').replace(PHONE, '[redacted]');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A messageId for a log line: the SDK's ids are UUIDs and are kept whole (their digit runs
 * would look like phones to `redact`); anything else a client sent as an id is redacted.
 */
export function redactId(id: string): string {
  return UUID.test(id) ? id : redact(id);
}
