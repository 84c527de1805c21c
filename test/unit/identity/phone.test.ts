import { describe, expect, test } from 'vitest';
import { normalizePhone } from '../../../src/browser/identity/phone';

// [input, defaultCountry, expected E.164 or null], as people type them into real forms.
const cases: Array<[string, string, string | null]> = [
  // NANP, the default country
  ['(555) 123-4567', 'US', '+15551234567'], // the exchange 555 is not checked
  ['555.123.4567', 'US', '+15551234567'],
  ['555-123-4567', 'US', '+15551234567'],
  ['5551234567', 'US', '+15551234567'],
  ['  (212) 555-0199  ', 'US', '+12125550199'],
  ['555\u2013123\u2011' + '4567', 'US', '+15551234567'], // en dash, non-breaking hyphen (copied from a web page)
  ['+44\u00a020\u00a07946\u00a00958', 'US', '+442079460958'], // no-break spaces
  ['1-555-123-4567', 'US', '+15551234567'], // 11 digits with the trunk 1
  ['1 (555) 123-4567', 'US', '+15551234567'],
  ['+1 (555) 123-4567', 'US', '+15551234567'],
  ['+1-555-123-4567', 'GB', '+15551234567'], // international wins over the default
  ['+15551234567', 'US', '+15551234567'],
  ['416-555-0123', 'CA', '+14165550123'],
  ['787 555 0123', 'PR', '+17875550123'],
  ['876 555 0123', 'jm', '+18765550123'], // lower-case country
  ['555-0100', 'US', null], // 7 digits: no area code
  ['123-456-7890', 'US', null], // area code cannot start with 1
  ['(055) 123-4567', 'US', null], // ... or 0
  ['555-123-45678', 'US', null], // 11 digits not starting with 1
  ['+1 555 123 456', 'US', null], // +1 with 9 digits
  // Extensions are refused, not stripped
  ['555 123 4567 ext. 89', 'US', null],
  ['555-123-4567 x89', 'US', null],
  ['555-123-4567#89', 'US', null],
  ['555-123-4567;ext=89', 'US', null],
  // Letters, junk, empty
  ['1-800-FLOWERS', 'US', null],
  ['tel:+15551234567', 'US', null],
  ['', 'US', null],
  ['   ', 'US', null],
  ['+', 'US', null],
  ['()', 'US', null],
  ['++1 555 123 4567', 'US', null],
  ['555+123+4567', 'US', null],
  // United Kingdom
  ['+44 20 7946 0958', 'US', '+442079460958'],
  ['+44 (0)20 7946 0958', 'US', '+442079460958'], // the stray trunk 0
  ['020 7946 0958', 'GB', '+442079460958'],
  ['07700 900123', 'GB', '+447700900123'],
  ['7700 900123', 'GB', '+447700900123'],
  ['0044 7700 900123', 'US', '+447700900123'],
  ['0207 946', 'GB', null],
  ['020 7946 0958 12', 'GB', null],
  ['020 7946 0958', 'US', null], // a UK number read as American: 11 digits not starting with 1
  // Europe
  ['030 1234567', 'DE', '+49301234567'],
  ['030/1234567', 'DE', '+49301234567'],
  ['0171 1234567', 'DE', '+491711234567'],
  ['+49 (0)30 1234567', 'US', '+49301234567'],
  ['06 12 34 56 78', 'FR', '+33612345678'],
  ['+33 6 12 34 56 78', 'US', '+33612345678'],
  ['06 12 34 56 7', 'FR', null],
  ['612 34 56 78', 'ES', '+34612345678'],
  ['06 1234 5678', 'IT', '+390612345678'], // Italy keeps its leading 0
  ['+39 06 1234 5678', 'US', '+390612345678'],
  ['333 123 4567', 'IT', '+393331234567'],
  ['06 12345678', 'NL', '+31612345678'],
  ['087 123 4567', 'IE', '+353871234567'],
  ['+353 87 123 4567', 'US', '+353871234567'],
  // Asia-Pacific, Americas, Africa
  ['0412 345 678', 'AU', '+61412345678'],
  ['(02) 9876 5432', 'AU', '+61298765432'],
  ['+61 412 345 678', 'US', '+61412345678'],
  ['021 123 4567', 'NZ', '+64211234567'],
  ['098765 43210', 'IN', '+919876543210'],
  ['98765 43210', 'IN', '+919876543210'],
  ['+91 98765 43210', 'US', '+919876543210'],
  ['9876 54321', 'IN', null], // 9 digits
  ['55 1234 5678', 'MX', '+525512345678'],
  ['(11) 91234-5678', 'BR', '+5511912345678'],
  ['(11) 3123-4567', 'BR', '+551131234567'],
  ['082 123 4567', 'ZA', '+27821234567'],
  ['0917 123 4567', 'PH', '+639171234567'],
  ['9123 4567', 'SG', '+6591234567'],
  // Countries outside the table: international only
  ['+86 138 0013 8000', 'US', '+8613800138000'],
  ['+7 912 345-67-89', 'US', '+79123456789'],
  ['+81 3-1234-5678', 'JP', '+81312345678'],
  ['03-1234-5678', 'JP', null], // national number of a country we cannot read
  ['020 7946 0958', 'XX', null],
  ['+0 123 456 789', 'US', null], // a country code cannot start with 0
  ['+86 123 45', 'US', null], // 7 digits in all
  ['+86 123 456', 'US', '+86123456'], // 8: the shortest we accept
  ['+86 1380 0138 0001 23', 'US', null], // 16 digits in all
  ['12345678901234567', 'US', null],
];

describe('normalizePhone', () => {
  test.each(cases)('%j with %s → %s', (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });

  test('defaults to US', () => {
    expect(normalizePhone('(555) 123-4567')).toBe('+15551234567');
  });

  test('never throws on what JavaScript callers pass', () => {
    expect(normalizePhone(5551234567 as unknown as string)).toBe('+15551234567');
    for (const junk of [null, undefined, {}, [], Symbol('x'), () => 1]) {
      expect(normalizePhone(junk as unknown as string)).toBeNull();
    }
    expect(normalizePhone('(555) 123-4567', undefined)).toBe('+15551234567');
    expect(normalizePhone('(555) 123-4567', null as unknown as string)).toBeNull();
  });
});
