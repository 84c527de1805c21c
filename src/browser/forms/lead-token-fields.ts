/** The lead-certificate tokens that vendors' scripts write into hidden fields of a form. */
import { regalError } from '../errors';
import { checkLeadTokens } from '../identity/lead-tokens';
import type { RegalError } from '../types';
import type { Field } from './dom';

// Where each vendor's script writes its token, and nowhere else is it read from. TrustedForm
// adds <input type=hidden name="xxTrustedFormCertUrl" id="xxTrustedFormCertUrl_0"> to the
// form and fills it some time after load; Jornaya's LeadiD fills <input id="leadid_token">
// (usually name="universal_leadid"), which may sit outside the form.
const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['trustedFormCertUrl', '[name=xxTrustedFormCertUrl],#xxTrustedFormCertUrl_0'],
  ['jornayaLeadId', '#leadid_token'],
];

/**
 * The tokens as they are at this moment (the submit), as traits (`trustedFormCertUrl`,
 * `jornayaLeadId`). A field that exists but is empty (the vendor's script had not filled
 * it yet) or holds a value of the wrong shape is left out and reported.
 */
export function readLeadTokens(form: HTMLFormElement, report: (error: RegalError) => void): Record<string, string> {
  const tokens: Record<string, string> = {};
  const errors: RegalError[] = [];
  for (const [trait, selector] of FIELDS) {
    const el = (form.querySelector(selector) || form.ownerDocument.querySelector(selector)) as Field | null;
    if (!el) continue; // the page does not use this vendor
    const value = (el.value || '').trim();
    if (value) tokens[trait] = value;
    else report(regalError('invalid_traits', `${trait} left out: its field was empty at submit (the vendor's script had not filled it)`));
  }
  checkLeadTokens(tokens, errors);
  errors.forEach(report);
  return tokens;
}
