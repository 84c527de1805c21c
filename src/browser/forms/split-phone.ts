/**
 * A phone split over several boxes, read as one number: a country-code box or select, an
 * area-code box, then the number, itself sometimes in short boxes (3 + 3 + 4 digits).
 */
import { valueOf, type Field } from './dom';

/** Boxes of at most 4 characters hold part of a number, never a whole one. */
const isPart = (el: Field) => (el as HTMLInputElement).maxLength > 0 && (el as HTMLInputElement).maxLength <= 4;

/**
 * The number typed into `phone` (and, when it is a short box, every other short phone box
 * of the form, in order), after the area code typed into `area`.
 *
 * @example
 * // <input name="q4_phoneNumber[area]" value="415"> <input name="q4_phoneNumber[phone]" value="555 0134">
 * splitNumber(phone, [phone], area) // '415 555 0134'
 */
export function splitNumber(phone: Field, phones: Field[], area: Field | undefined): string {
  const parts = isPart(phone) ? phones.filter(isPart) : [phone];
  return (area ? [area, ...parts] : parts).map(valueOf).join(' ');
}

/**
 * The country code goes in front of the number ("+44", "44", "UK (+44)"), or a country
 * ("GB") is the number's country; the box is never read as a trait of its own.
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
