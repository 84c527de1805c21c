/**
 * Phone numbers to E.164, without libphonenumber (far too big for the script tag).
 *
 * The check is deliberately shallow: the country code, the trunk prefix and the length of
 * the national number, not per-prefix numbering plans. It catches what goes wrong on real
 * forms (a missing country code, a number cut short, letters, an extension) and passes
 * what Regal can dial. Regal drops an invalid number silently after answering 200, so a
 * number we cannot vouch for is refused here, where the site owner can be told.
 */

// Countries whose national numbers we can read, as "code min max ISO ISO..|": the calling
// code, the national number's shortest and longest length after the trunk prefix is
// removed, and the ISO 3166 countries that use it ("1" is the whole NANP).
// A string, not an object: it is about half the size once minified and brotli'd.
const COUNTRIES =
  '1 10 10 US CA PR VI GU AS MP DO JM TT BS BB BM KY AG AI DM GD KN LC MS SX TC VC VG|' +
  '44 9 10 GB|49 6 13 DE|33 9 9 FR|34 9 9 ES|39 6 11 IT|31 9 9 NL|353 7 9 IE|61 9 9 AU|' +
  '64 8 10 NZ|91 10 10 IN|52 10 10 MX|55 10 11 BR|27 9 9 ZA|63 8 10 PH|65 8 8 SG';

/**
 * Normalise a phone number as typed into a form to E.164 (`+15551234567`), or `null` when
 * it cannot be read as a dialable number.
 *
 * - Spaces, dots, dashes (also Unicode ones), slashes and parentheses are ignored; anything else (letters of a
 *   vanity number, an extension such as "x12" or "ext. 12", `#`, `;`) makes it `null`: an
 *   extension cannot be texted and would merge every caller of one switchboard into one
 *   contact, so we refuse rather than guess.
 * - `+` or `00` starts an international number. For the countries in the table above, the
 *   national part is checked as below (a stray trunk 0, as in "+44 (0)20...", is dropped);
 *   for any other country code, it must not start with 0 and have 8 to 15 digits in all.
 * - Anything else is a national number of `defaultCountry` (ISO 3166, e.g. `GB`): one
 *   leading trunk prefix is removed (`0`, or `1` in the NANP; Italy keeps its leading 0),
 *   then the length must fit the country. NANP numbers need an area code starting 2-9; the
 *   exchange is not checked, so `(555) 123-4567` passes. A country not in the table gives
 *   `null` for a national number ("011" international dialling from the US is not read).
 *
 * @example
 * normalizePhone('(555) 123-4567')         // '+15551234567'
 * normalizePhone('07700 900123', 'GB')     // '+447700900123'
 * normalizePhone('+44 20 7946 0958', 'US') // '+442079460958'
 * normalizePhone('555-0100')               // null: too short
 * normalizePhone('1-800-FLOWERS')          // null: letters
 */
export function normalizePhone(input: string, defaultCountry = 'US'): string | null {
  const s = typeof input === 'number' ? '' + input : typeof input === 'string' ? input.trim() : '';
  // \s covers the no-break space and \u2010-\u2015 the Unicode dashes of copy-pasted numbers.
  if (!/^\+?[\d\s().\/\u2010-\u2015-]+$/.test(s)) return null;
  // `+` or `00` (taken off) starts an international number.
  const [, intl, digits] = /^(\+|00)?(.*)/.exec(s.replace(/[^\d+]/g, ''))!;

  const country = COUNTRIES.split('|')
    .map((row) => row.split(' '))
    // Calling codes are prefix-free, so the first that starts the number is its code.
    .find((row) => (intl ? digits.startsWith(row[0]) : row.includes(String(defaultCountry).toUpperCase(), 3)));
  if (!country) return intl && /^[1-9]\d{7,14}$/.test(digits) ? '+' + digits : null;

  const [code, min, max] = country;
  let national = intl ? digits.slice(code.length) : digits;
  // The trunk prefix: 1 in the NANP, none in Italy, 0 elsewhere.
  if (national[0] === (code === '1' ? '1' : code === '39' ? '' : '0')) national = national.slice(1);
  const ok = national.length >= +min && national.length <= +max && (code !== '1' || national[0] > '1');
  return ok ? '+' + code + national : null;
}
