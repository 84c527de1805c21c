/**
 * A phone split in two: a country-code box or select, then the national number. The code
 * goes in front of the number ("+44", "44", "UK (+44)"), or a country ("GB") is the
 * number's country; the box is never read as a trait of its own.
 *
 * @example
 * joinSplitPhone('+44', '7700 900123', 'US') // { number: '+44 7700 900123', country: 'US' }
 * joinSplitPhone('GB', '07700 900123', 'US') // { number: '07700 900123', country: 'GB' }
 */
export function joinSplitPhone(code: string, number: string, defaultCountry: string): { number: string; country: string } {
  const dial = /\d{1,4}/.exec(code)?.[0];
  return {
    // A number typed in international form keeps its own code.
    number: dial && !/^\s*(\+|00)/.test(number) ? `+${dial} ${number}` : number,
    country: /^[a-z]{2}$/i.test(code) ? code.toUpperCase() : defaultCountry,
  };
}
