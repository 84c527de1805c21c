/**
 * Lead-certificate tokens, sent as contact traits with the lead they certify:
 * - `trustedFormCertUrl`: the TrustedForm certificate URL, `https://cert.trustedform.com/`
 *   and the certificate's 40 hex digits;
 * - `jornayaLeadId`: the Jornaya LeadiD token, a 36-character id (8-4-4-4-12).
 * A buyer claims a certificate within about 72 hours of the lead, so they go out with the
 * lead's identify, never held. A value of another shape is never sent: it would certify
 * nothing, and a value typed or injected into the field could be anything.
 */
import { regalError } from '../errors';
import type { RegalError } from '../types';

/** Each token trait and the shape of its value. */
export const LEAD_TOKENS: ReadonlyArray<readonly [string, RegExp]> = [
  ['trustedFormCertUrl', /^https:\/\/cert\.trustedform\.com\/[0-9a-f]{40}$/i],
  ['jornayaLeadId', /^[0-9a-z]{8}(-[0-9a-z]{4}){3}-[0-9a-z]{12}$/i],
];

/**
 * Leaves out of `traits` (and reports in `errors`) each token trait whose value is not of
 * its shape.
 *
 * @example
 * const errors = []
 * checkLeadTokens({ jornayaLeadId: 'undefined' }, errors) // jornayaLeadId deleted, one invalid_traits error
 */
export function checkLeadTokens(traits: Record<string, unknown>, errors: RegalError[]): void {
  for (const [trait, shape] of LEAD_TOKENS) {
    const value = traits[trait];
    if (value !== undefined && !(typeof value === 'string' && shape.test(value))) {
      errors.push(regalError('invalid_traits', trait + ' left out: malformed', value));
      delete traits[trait];
    }
  }
}
